#!/usr/bin/env bash
# tdcm demo: protocol P1 table for one seed with the library's TDCM defaults.
set -euo pipefail
tdcm=$1
# shellcheck source=helpers.bash
source "$(dirname "$0")/helpers.bash"

"$tdcm" demo --seeds 1 --k 5 >"$tmp/out" 2>"$tmp/err" ||
  fail "demo exited non-zero: $(cat "$tmp/err")"
cat "$tmp/out"
grep -q 'Protocol P1' "$tmp/out" || fail "no protocol header"
grep -q 'K=5, D=2, n=500 per cluster, spread s=4, drift r=0.5' "$tmp/out" ||
  fail "no protocol parameters"
grep -Eq '^threads: .*, device: (cpu|cuda.*)$' "$tmp/out" || fail "no threads/device line"
grep -q '(drift scale r·s = 2)' "$tmp/out" || fail "no drift scale of the matched refit"
grep -Eq '^method +data +NMI +ARI +ACC +ACC-kept +ECE +log-loss +fit \[s\] +assign \[ms\]$' \
  "$tmp/out" || fail "no table header"

# Each row, cell by cell: N is a "mean ± std" with three decimals, – a dash;
# blank cells are only padding, so the spaces between cells absorb them.
N='-?[0-9]+\.[0-9]{3} ± [0-9]+\.[0-9]{3}'
D='–'
row() { # row METHOD DATA CELL...: the table has this row with exactly these cells
  local method=$1 data=$2 pattern
  shift 2
  pattern="^$method +$data"
  for cell in "$@"; do pattern+=" +$cell"; done
  grep -Eq "$pattern\$" "$tmp/out" || fail "row '$method $data' is not: $*"
}
for method in "TDCM" "k-means transfer" "k-means adapt" "matched Gaussian mixture refit"; do
  row "$method" source "$N" "$N" "$N" "$N"   # NMI ARI ACC, fit on the source
  row "$method" diff "$N" "$N" "$N"
done
row "TDCM" target "$N" "$N" "$N" "$N" "$N" "$N" "$N"    # .. ACC-kept ECE log-loss, assign
row "k-means transfer" target "$N" "$N" "$N" "$N" $D $D "$N"
row "k-means adapt" target "$N" "$N" "$N" "$N" $D $D "$N"
row "matched Gaussian mixture refit" target "$N" "$N" "$N" "$N" "$N" "$N" "$N" "$N" # + fit
for method in "k-means refit" "Gaussian mixture refit"; do
  row "$method" source $D $D $D
  row "$method" target "$N" "$N" "$N" $D $D $D "$N" "$N"   # no source map; fit on the target
  row "$method" diff $D $D $D
done

# The means of one row, one per line.
means() { grep -E "^$1 +$2 " "$tmp/out" | grep -oE -- '-?[0-9]+\.[0-9]{3} ±' | cut -d' ' -f1; }
for method in "TDCM" "k-means transfer" "k-means adapt" "matched Gaussian mixture refit"; do
  # NMI, ARI, ACC, ACC-kept in [-1, 1] (ARI) or [0, 1]; ACC-kept fixes the map
  # that ACC chooses freely, so it is at most ACC (up to the rounding of both).
  means "$method" target | awk -v m="$method" 'NR <= 4 { v[NR] = $1 }
    END { if (v[1] < 0 || v[1] > 1 || v[2] < -1 || v[2] > 1 || v[3] < 0 || v[3] > 1 ||
              v[4] < 0 || v[4] > v[3] + 0.001) { print m ": " v[1], v[2], v[3], v[4]; exit 1 } }' ||
    fail "scores out of range"
done
for method in "TDCM" "matched Gaussian mixture refit"; do
  means "$method" target | awk 'NR == 5 { ece = $1 } NR == 6 { ll = $1 }
    END { exit !(ece >= 0 && ece <= 1 && ll >= 0) }' ||
    fail "$method: ECE outside [0, 1] or a negative log-loss"
done
# The matched refit renumbers the Gaussian mixture refit's labels, which
# leaves the scores that ignore the numbering as they are.
[ "$(means "matched Gaussian mixture refit" target | head -n 3)" = \
  "$(means "Gaussian mixture refit" target | head -n 3)" ] ||
  fail "the matched refit's NMI, ARI and ACC differ from the refit's"
# k-means adapt starts from k-means transfer's source fit.
[ "$(means "k-means adapt" source)" = "$(means "k-means transfer" source)" ] ||
  fail "k-means adapt and transfer should share the source fit"

echo "demo_smoke: ok"
