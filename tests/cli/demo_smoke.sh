#!/usr/bin/env bash
# tdcm demo: protocol P1 table for one seed and a short TDCM fit.
set -euo pipefail
tdcm=$1
# shellcheck source=helpers.bash
source "$(dirname "$0")/helpers.bash"

"$tdcm" demo --seeds 1 --epochs 3 --k 3 >"$tmp/out" 2>"$tmp/err" ||
  fail "demo exited non-zero: $(cat "$tmp/err")"
cat "$tmp/out"
grep -q 'Protocol P1' "$tmp/out" || fail "no protocol header"
grep -q 'K=3, D=2, n=500 per cluster, spread s=4, drift r=0.5' "$tmp/out" ||
  fail "no protocol parameters"
grep -Eq '^threads: .*, device: (cpu|cuda.*)$' "$tmp/out" || fail "no threads/device line"
grep -Eq '^method +data +NMI +ARI +ACC +ACC-kept +fit \[s\] +assign \[ms\]$' "$tmp/out" ||
  fail "no table header"
for method in "TDCM" "k-means transfer" "k-means refit"; do
  for data in source target diff; do
    grep -Eq "^$method +$data " "$tmp/out" || fail "no row '$method $data'"
  done
done
# mean ± std with three decimals in the scored cells.
grep -Eq '^TDCM +target +[-0-9]\.[0-9]{3} ± [0-9]\.[0-9]{3} ' "$tmp/out" ||
  fail "TDCM target row is not 'mean ± std'"
grep -Eq '^k-means refit +source +– +– +–$' "$tmp/out" || fail "refit source row should be dashes"

echo "demo_smoke: ok"
