#!/usr/bin/env bash
# fit -> assign -> eval on IDX images, as the Debian Fashion-MNIST files come:
# a 300-image slice of the test set (plain and gzip-compressed), its labels,
# and broken files. Needs dataset-fashion-mnist (run.sh installs it).
set -euo pipefail
tdcm=$1
dir=${TDCM_FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}
# shellcheck source=helpers.bash
source "$(dirname "$0")/helpers.bash"
for f in t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
  [ -f "$dir/$f" ] || fail "$dir/$f is missing: install dataset-fashion-mnist"
done

# The first 300 images and labels, with headers that say 300 (0x012c).
n=300
zcat "$dir/t10k-images-idx3-ubyte.gz" >"$tmp/all-images"
zcat "$dir/t10k-labels-idx1-ubyte.gz" >"$tmp/all-labels"
{
  printf '\x00\x00\x08\x03\x00\x00\x01\x2c\x00\x00\x00\x1c\x00\x00\x00\x1c'
  head -c $((16 + n * 784)) "$tmp/all-images" | tail -c $((n * 784))
} >"$tmp/img-idx3-ubyte"
{
  printf '\x00\x00\x08\x01\x00\x00\x01\x2c'
  head -c $((8 + n)) "$tmp/all-labels" | tail -c "$n"
} >"$tmp/lbl-idx1-ubyte"
gzip -c "$tmp/img-idx3-ubyte" >"$tmp/img-idx3-ubyte.gz"
[ "$(wc -c <"$tmp/img-idx3-ubyte")" -eq $((16 + n * 784)) ] || fail "bad image slice"

# fit on the gzip file, labels from the IDX labels file: scores and progress.
expect 0 "$tdcm" fit --input "$tmp/img-idx3-ubyte.gz" --labels "$tmp/lbl-idx1-ubyte" \
  --model "$tmp/m.tdcm" --params "k=10 epochs=2"
grep -q "^fitted tdcm (k=10) on $n rows x 784 columns (1x28x28 images) in " "$tmp/out" ||
  fail "fit: $(cat "$tmp/out")"
grep -q '^source: NMI [0-9.]* *ARI [-0-9.]* *ACC [0-9.]*$' "$tmp/out" || fail "fit: no scores"
grep -Eq '^epoch 2/2 loss=' "$tmp/err" || fail "fit: no progress: $(cat "$tmp/err")"

# input_shape=1x28x28 is added to the parameters exactly when the library
# has that key (an image encoder), and never overrides one that is given.
# (The key list goes through a file: grep -q stops reading at the first
# match, and under pipefail the writer's broken pipe would fail the test.)
"$tdcm" params >"$tmp/params"
expect 0 "$tdcm" info --model "$tmp/m.tdcm"
if grep -Eq '^input_shape ' "$tmp/params"; then
  grep -Eq '^params: .*\binput_shape=1x28x28\b' "$tmp/out" || fail "no input_shape: $(cat "$tmp/out")"
else
  if grep -q 'input_shape' "$tmp/out"; then fail "input_shape passed to a library without it"; fi
fi
grep -Eq '^input dim: +784$' "$tmp/out" || fail "info: input dim"

# assign on the plain file, with probabilities: n rows of k+1 columns.
expect 0 "$tdcm" assign --model "$tmp/m.tdcm" --input "$tmp/img-idx3-ubyte" \
  --labels "$tmp/lbl-idx1-ubyte" --output "$tmp/probs.csv" --probs
[ "$(wc -l <"$tmp/probs.csv")" -eq $((n + 1)) ] || fail "probs file should have $n rows + header"
tail -n +2 "$tmp/probs.csv" | awk -F, 'NF != 11 || $1 !~ /^[0-9]$/ { bad = 1 }
  { s = 0; for (i = 2; i <= 11; i++) s += $i; if (s < 0.999 || s > 1.001) bad = 1 }
  END { exit bad }' || fail "probs rows: a label in 0..9 and 10 probabilities summing to 1"
grep -q '^NMI' "$tmp/out" || fail "assign printed no scores"
cp "$tmp/out" "$tmp/assign.out"

# The gzip file gives the same labels as the plain one; eval reads IDX labels.
expect 0 "$tdcm" assign --model "$tmp/m.tdcm" --input "$tmp/img-idx3-ubyte.gz" \
  --output "$tmp/labels.csv"
cut -d, -f1 "$tmp/probs.csv" | cmp -s - "$tmp/labels.csv" || fail "plain and gzip input differ"
expect 0 "$tdcm" eval --truth "$tmp/lbl-idx1-ubyte" --pred "$tmp/labels.csv"
[ "$(cat "$tmp/out")" = "$(grep '^NMI' "$tmp/assign.out")" ] || fail "eval and assign disagree"

# k-means on the images, from the gzip file.
expect 0 "$tdcm" fit --input "$tmp/img-idx3-ubyte.gz" --labels "$tmp/lbl-idx1-ubyte" \
  --model "$tmp/km.tdcm" --params "algo=kmeans k=10 n_init=2"
awk '/^source: NMI/ { found = 1; ok = $3 > 0.3 } END { exit !(found && ok) }' "$tmp/out" ||
  fail "k-means on 300 images should find some structure: $(cat "$tmp/out")"

# Broken inputs: exit 1, naming the file and what is wrong; no model written.
# (tests/support covers every error of the reader.)
head -c 5000 "$tmp/img-idx3-ubyte.gz" >"$tmp/cut-idx3-ubyte.gz"
expect 1 "$tdcm" fit --input "$tmp/cut-idx3-ubyte.gz" --model "$tmp/bad.tdcm"
err_has 'cut-idx3-ubyte.gz: .*gzip: truncated'
{ printf '\x08\x03'; tail -c +3 "$tmp/img-idx3-ubyte"; } >"$tmp/magic-idx3-ubyte"
expect 1 "$tdcm" fit --input "$tmp/magic-idx3-ubyte" --model "$tmp/bad.tdcm"
err_has 'magic-idx3-ubyte: read_idx: wrong magic'
[ -e "$tmp/bad.tdcm" ] && fail "a failed fit wrote a model"
head -c 108 "$tmp/lbl-idx1-ubyte" | { printf '\x00\x00\x08\x01\x00\x00\x00\x64'; tail -c 100; } \
  >"$tmp/short-idx1-ubyte"
expect 1 "$tdcm" assign --model "$tmp/m.tdcm" --input "$tmp/img-idx3-ubyte" \
  --labels "$tmp/short-idx1-ubyte" --output "$tmp/l.csv"
err_has "short-idx1-ubyte has 100 labels but the input has $n rows"
expect 1 "$tdcm" eval --truth "$tmp/img-idx3-ubyte" --pred "$tmp/labels.csv"
err_has 'holds images (1x28x28 per row), not labels'
expect 1 "$tdcm" fit --input "$tmp/img-idx3-ubyte" --model "$tmp/bad.tdcm" --label-column 0
err_has 'no label or set column'
printf '1,2\n3,4\n' >"$tmp/two.csv"
expect 2 "$tdcm" assign --model "$tmp/m.tdcm" --input "$tmp/two.csv" --label-column 0 \
  --labels "$tmp/lbl-idx1-ubyte" --output "$tmp/l.csv"
err_has 'give --label-column or --labels, not both'
[ -e "$tmp/l.csv" ] && fail "a failed assign wrote labels"

echo "idx_fit_assign: ok"
