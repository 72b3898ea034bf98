#!/usr/bin/env bash
# bench/p2_fashion on a small slice (300 training, 200 test images): the
# table has every row, the numbers are scores, and misuse fails clearly.
# Needs dataset-fashion-mnist (run.sh installs it).
set -euo pipefail
p2=$1
# shellcheck source=../cli/helpers.bash
source "$(dirname "$0")/../cli/helpers.bash"

expect 0 "$p2" --source-rows 300 --target-rows 200 --params "k=10 epochs=1" --threads 2
grep -q '^# protocol P2 (fashion-drift) | source: the first 300 training images' "$tmp/out" ||
  fail "no protocol line: $(cat "$tmp/out")"
grep -q '^# TDCM params "k=10 epochs=1" .* threads: 2$' "$tmp/out" || fail "no params line"
grep -q '^# libtdcm .* | device cpu.* | BLAS: ' "$tmp/out" || fail "no device/BLAS line"
grep -q '^## P2 source 300 x 784, target 200 x 784, seeds 0..0$' "$tmp/out" || fail "no table title"
num='-?[0-9]\.[0-9]{3}±[0-9]\.[0-9]{3}'
loss='[0-9]+\.[0-9]{3}±[0-9]+\.[0-9]{3}' # log-loss is not bounded by 1
for method in "TDCM" "k-means transfer"; do
  for row in source target diff; do
    grep -Eq "^$method +$row +$num +$num +$num" "$tmp/out" || fail "no '$method $row' row"
  done
  # NMI ARI ACC ACC-kept, then ECE and log-loss (– where not scored), then the times.
  grep -Eq "^$method +target +($num +){4}(($loss|–) +){2}[0-9.]+ +[0-9.]+$" "$tmp/out" ||
    fail "'$method target' lacks ACC-kept, calibration or times"
done
grep -Eq "^k-means refit +target +($num +){3}– +– +– +[0-9.]+ +[0-9.]+$" "$tmp/out" ||
  fail "no 'k-means refit target' row: $(cat "$tmp/out")"
# k-means on raw pixels finds real structure (NMI well above chance).
awk '/^k-means refit +target/ { found = 1; ok = substr($4, 1, 5) + 0 > 0.3 }
  END { exit !(found && ok) }' "$tmp/out" || fail "k-means refit NMI: $(cat "$tmp/out")"
grep -q '^TDCM epoch 1/1 loss=' "$tmp/err" || fail "no TDCM progress on stderr"

expect 1 "$p2" --source-rows 70000
err_has 'train has 60000 images, not 70000'
expect 2 "$p2" --seeds 0
err_has '--seeds wants an integer >= 1'
expect 2 "$p2" --bogus

echo "p2_fashion_smoke: ok"
