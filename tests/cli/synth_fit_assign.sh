#!/usr/bin/env bash
# synth -> fit -> info -> assign -> eval, driven as a user would.
set -euo pipefail
tdcm=$1
# shellcheck source=helpers.bash
source "$(dirname "$0")/helpers.bash"

# synth: K=3 clusters of 200 rows in 2-D, label last, with a header.
"$tdcm" synth --k 3 --dim 2 --n 200 --seed 1 --source "$tmp/src.csv" --target "$tmp/tgt.csv" \
  >"$tmp/synth.out"
[ "$(wc -l <"$tmp/src.csv")" -eq 601 ] || fail "source should have 600 rows + header"
[ "$(wc -l <"$tmp/tgt.csv")" -eq 601 ] || fail "target should have 600 rows + header"
[ "$(head -n 1 "$tmp/src.csv")" = "x0,x1,label" ] || fail "unexpected header: $(head -n 1 "$tmp/src.csv")"
cmp -s "$tmp/src.csv" "$tmp/tgt.csv" && fail "source and target are identical"

# fit: plain progress lines on a non-terminal stderr, at most ~20 of them.
# encoder=linear: the epochs then train an encoder (the default identity
# encoder has nothing to learn).
"$tdcm" fit --input "$tmp/src.csv" --model "$tmp/m.tdcm" --params "k=3 epochs=30 encoder=linear" \
  --label-column last >"$tmp/fit.out" 2>"$tmp/fit.err"
[ -s "$tmp/m.tdcm" ] || fail "no model written"
grep -q '^source: NMI [0-9.]* *ARI [-0-9.]* *ACC [0-9.]*$' "$tmp/fit.out" ||
  fail "fit printed no source scores: $(cat "$tmp/fit.out")"
grep -Eq '^epoch 30/30 loss=[-0-9.]+ clu=.* bal=.* orth=.* elapsed=[0-9.]+s$' "$tmp/fit.err" ||
  fail "no final progress line: $(cat "$tmp/fit.err")"
lines=$(grep -c '^epoch ' "$tmp/fit.err")
if [ "$lines" -lt 2 ] || [ "$lines" -gt 21 ]; then
  fail "expected 2..21 progress lines, got $lines"
fi

# info
"$tdcm" info --model "$tmp/m.tdcm" >"$tmp/info.out"
grep -Eq '^k: +3$' "$tmp/info.out" || fail "info does not show k 3: $(cat "$tmp/info.out")"
grep -Eq '^algorithm: +tdcm$' "$tmp/info.out" || fail "info: algorithm"
grep -Eq '^input dim: +2$' "$tmp/info.out" || fail "info: input dim"
grep -Eq '^fitted: +yes$' "$tmp/info.out" || fail "info: fitted"
grep -Eq '^params: .*\bepochs=30\b' "$tmp/info.out" || fail "info: params lack epochs=30"
grep -Eq '^version: +[0-9]+\.[0-9]+\.[0-9]+$' "$tmp/info.out" || fail "info: version"

# assign: one label per row plus a header, labels in [0, 3), scores printed.
"$tdcm" assign --model "$tmp/m.tdcm" --input "$tmp/tgt.csv" --output "$tmp/labels.csv" \
  --label-column last >"$tmp/assign.out"
[ "$(wc -l <"$tmp/labels.csv")" -eq 601 ] || fail "labels file should have 600 rows + header"
head -n 1 "$tmp/labels.csv" | grep -q '[A-Za-z]' || fail "labels file has no header"
tail -n +2 "$tmp/labels.csv" | awk -F, 'NF != 1 || $1 !~ /^[0-9]+$/ || $1 >= 3 { bad = 1 }
  END { exit bad }' || fail "labels out of range"
grep -q 'NMI' "$tmp/assign.out" || fail "assign printed no scores"

# assign --probs: label + k probabilities that sum to 1.
"$tdcm" assign --model "$tmp/m.tdcm" --input "$tmp/tgt.csv" --output "$tmp/probs.csv" \
  --label-column last --probs >/dev/null
[ "$(wc -l <"$tmp/probs.csv")" -eq 601 ] || fail "probs file should have 600 rows + header"
tail -n +2 "$tmp/probs.csv" | awk -F, 'NF != 4 { bad = 1 }
  { s = $2 + $3 + $4; if (s < 0.999 || s > 1.001) bad = 1 } END { exit bad }' ||
  fail "probs rows should have k+1 = 4 columns summing to 1"
cut -d, -f1 "$tmp/probs.csv" | cmp -s - "$tmp/labels.csv" ||
  fail "labels differ with and without --probs"

# eval: truth = label column of the target; its scores equal assign's.
cut -d, -f3 "$tmp/tgt.csv" >"$tmp/truth.csv"
"$tdcm" eval --truth "$tmp/truth.csv" --pred "$tmp/labels.csv" >"$tmp/eval.out"
grep -q '^NMI [0-9.]* *ARI [-0-9.]* *ACC [0-9.]*$' "$tmp/eval.out" || fail "eval: $(cat "$tmp/eval.out")"
[ "$(cat "$tmp/eval.out")" = "$(grep NMI "$tmp/assign.out")" ] || fail "eval and assign disagree"
"$tdcm" eval --truth "$tmp/truth.csv" --pred "$tmp/truth.csv" >"$tmp/self.out"
grep -q 'NMI 1.0000  ARI 1.0000  ACC 1.0000' "$tmp/self.out" || fail "eval of truth vs itself"

# A collection fit: source and target as two data sets, set id in the last column.
{
  echo "x0,x1,label,set"
  tail -n +2 "$tmp/src.csv" | sed 's/$/,0/'
  tail -n +2 "$tmp/tgt.csv" | sed 's/$/,7/'
} >"$tmp/both.csv"
"$tdcm" fit --input "$tmp/both.csv" --model "$tmp/c.tdcm" --params "k=3 epochs=3 encoder=linear" \
  --label-column 2 --set-column last >"$tmp/coll.out" 2>/dev/null
grep -q 'in 2 data sets' "$tmp/coll.out" || fail "collection fit: $(cat "$tmp/coll.out")"
grep -q '^source set 7 (600 rows): NMI' "$tmp/coll.out" || fail "collection fit: per-set scores"
grep -q '^source mean over 2 sets: NMI' "$tmp/coll.out" || fail "collection fit: mean scores"
"$tdcm" info --model "$tmp/c.tdcm" | grep -Eq '^input dim: +2$' || fail "collection: input dim"

# k-means through the same command.
"$tdcm" fit --input "$tmp/src.csv" --model "$tmp/km.tdcm" --params "algo=kmeans k=3" \
  --label-column last >/dev/null 2>&1
"$tdcm" info --model "$tmp/km.tdcm" | grep -Eq '^algorithm: +kmeans$' || fail "kmeans info"

echo "synth_fit_assign: ok"
