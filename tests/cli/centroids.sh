#!/usr/bin/env bash
# Centroids in and out: fit --centroids starts a model from the user's
# centroids, `tdcm centroids` writes them back unchanged, assign labels rows
# by the nearest one; the library's refusals exit 1 with its message.
set -euo pipefail
tdcm=$1
# shellcheck source=helpers.bash
source "$(dirname "$0")/helpers.bash"

"$tdcm" synth --k 3 --dim 2 --n 200 --seed 1 --source "$tmp/src.csv" --target "$tmp/tgt.csv" \
  >/dev/null
# Written as `tdcm centroids` writes: header, shortest float32 text.
printf 'x0,x1\n-5.25,0.5\n4,-1.125\n0.75,6\n' >"$tmp/c.csv"

# k-means started from them: no fit, a fitted model.
expect 0 "$tdcm" fit --centroids "$tmp/c.csv" --model "$tmp/km.tdcm" --params "algo=kmeans k=3"
grep -q "^started kmeans (k=3) from 3 centroids x 2 columns in $tmp/c.csv$" "$tmp/out" ||
  fail "fit --centroids: $(cat "$tmp/out")"
expect 0 "$tdcm" info --model "$tmp/km.tdcm"
grep -Eq '^fitted: +yes$' "$tmp/out" || fail "a model started from centroids is not fitted"
grep -Eq '^input dim: +2$' "$tmp/out" || fail "the centroids' width is not the input dim"

# Round trip, to stdout and to a file; stderr names them and their space.
expect 0 "$tdcm" centroids --model "$tmp/km.tdcm"
cmp -s "$tmp/out" "$tmp/c.csv" || fail "centroids differ: $(cat "$tmp/out")"
err_has '^source centroids: k=3 x 2 columns, input space$'
expect 0 "$tdcm" centroids --model "$tmp/km.tdcm" --which source --output "$tmp/back.csv"
cmp -s "$tmp/back.csv" "$tmp/c.csv" || fail "centroids --output differs: $(cat "$tmp/back.csv")"
[ -s "$tmp/out" ] && fail "centroids --output also wrote to stdout"

# assign: every row gets the label of its nearest centroid.
expect 0 "$tdcm" assign --model "$tmp/km.tdcm" --input "$tmp/tgt.csv" --label-column last \
  --output "$tmp/labels.csv"
tail -n +2 "$tmp/tgt.csv" | awk -F, '
  BEGIN { cx[0] = -5.25; cy[0] = 0.5; cx[1] = 4; cy[1] = -1.125; cx[2] = 0.75; cy[2] = 6 }
  { best = 0
    for (j = 0; j < 3; j++) {
      d[j] = ($1 - cx[j]) ^ 2 + ($2 - cy[j]) ^ 2
      if (d[j] < d[best]) best = j
    }
    print best }' >"$tmp/nearest.txt"
tail -n +2 "$tmp/labels.csv" | cmp -s - "$tmp/nearest.txt" ||
  fail "assign does not label rows by the nearest centroid"
[ "$(sort -u "$tmp/nearest.txt" | wc -l)" -eq 3 ] || fail "the centroids should all be used"

# The adapted centroids: Lloyd on the target from these, so they move, and
# to the means of the rows labelled with them.
expect 0 "$tdcm" centroids --model "$tmp/km.tdcm" --which adapted --input "$tmp/tgt.csv" \
  --label-column last
err_has '^adapted centroids: k=3 x 2 columns, input space$'
cp "$tmp/out" "$tmp/adapted.csv"
[ "$(wc -l <"$tmp/adapted.csv")" -eq 4 ] || fail "adapted centroids: $(cat "$tmp/adapted.csv")"
cmp -s "$tmp/adapted.csv" "$tmp/c.csv" && fail "the adapted centroids did not move"
expect 0 "$tdcm" fit --centroids "$tmp/adapted.csv" --model "$tmp/adapted.tdcm" \
  --params "algo=kmeans k=3"
expect 0 "$tdcm" assign --model "$tmp/adapted.tdcm" --input "$tmp/tgt.csv" --label-column last \
  --output "$tmp/adapted-labels.csv"
paste -d, <(tail -n +2 "$tmp/adapted-labels.csv") <(tail -n +2 "$tmp/tgt.csv") |
  awk -F, '{ n[$1]++; sx[$1] += $2; sy[$1] += $3 } END { for (j = 0; j < 3; j++) print j, sx[j] / n[j], sy[j] / n[j] }' \
    >"$tmp/means.txt"
tail -n +2 "$tmp/adapted.csv" | tr ',' ' ' | paste -d' ' "$tmp/means.txt" - | awk '
  { dx = $2 - $4; dy = $3 - $5; if (dx * dx + dy * dy > 1e-6) bad = 1 } END { exit bad }' ||
  fail "the adapted centroids are not the means of their rows: $(cat "$tmp/means.txt")"
# The model file holds no adaptation: the library says so.
expect 1 "$tdcm" centroids --model "$tmp/km.tdcm" --which adapted
err_has '^tdcm: error: no adapted centroids'

# TDCM (identity encoder, Gaussian metric: the defaults) takes them in
# input coordinates as well.
expect 0 "$tdcm" fit --centroids "$tmp/c.csv" --model "$tmp/t.tdcm" --params "k=3"
expect 0 "$tdcm" centroids --model "$tmp/t.tdcm"
cmp -s "$tmp/out" "$tmp/c.csv" || fail "tdcm centroids differ: $(cat "$tmp/out")"

# With --input the model is fitted first, then the centroids replace the
# source's, and the source scores are those of the given centroids.
expect 0 "$tdcm" fit --input "$tmp/src.csv" --label-column last --centroids "$tmp/c.csv" \
  --model "$tmp/kf.tdcm" --params "algo=kmeans k=3"
grep -q "^replaced the source centroids with the 3 in $tmp/c.csv$" "$tmp/out" ||
  fail "fit --input --centroids: $(cat "$tmp/out")"
expect 0 "$tdcm" centroids --model "$tmp/kf.tdcm"
cmp -s "$tmp/out" "$tmp/c.csv" || fail "fitted then replaced: $(cat "$tmp/out")"

# A learned encoder's centroids are in its embedding, embed_dim wide.
expect 0 "$tdcm" fit --input "$tmp/src.csv" --label-column last --model "$tmp/lin.tdcm" \
  --params "k=3 encoder=linear embed_dim=4"
expect 0 "$tdcm" centroids --model "$tmp/lin.tdcm"
err_has '^source centroids: k=3 x 4 columns, embedding space$'
[ "$(head -n 1 "$tmp/out")" = "x0,x1,x2,x3" ] || fail "embedding header: $(head -n 1 "$tmp/out")"
[ "$(tail -n +2 "$tmp/out" | awk -F, 'NF == 4' | wc -l)" -eq 3 ] || fail "3 rows of 4 expected"

# Refusals: exit 1 with the library's message, and no model written.
expect 1 "$tdcm" fit --centroids "$tmp/c.csv" --model "$tmp/bad.tdcm" --params "algo=kmeans k=4"
err_has '^tdcm: error: got 3 centroids for a model of k=4$'
printf 'x0,x1,x2\n1,2,3\n4,5,6\n7,8,9\n' >"$tmp/wide.csv"
expect 1 "$tdcm" fit --input "$tmp/src.csv" --label-column last --centroids "$tmp/wide.csv" \
  --model "$tmp/bad.tdcm" --params "algo=kmeans k=3"
err_has '^tdcm: error: centroids have 3 columns but the model.s have 2$'
expect 1 "$tdcm" fit --centroids "$tmp/c.csv" --model "$tmp/bad.tdcm" --params "algo=gmm k=3"
err_has '^tdcm: error: centroids can start an unfitted model of algo=kmeans'
[ -e "$tmp/bad.tdcm" ] && fail "a refused fit wrote a model"
# A model started from 2-column centroids refuses 3-column rows.
expect 1 "$tdcm" assign --model "$tmp/km.tdcm" --input "$tmp/tgt.csv" --output "$tmp/l.csv"
err_has '^tdcm: error: input has 3 columns but the model was fitted on 2$'

# Misuse: exit 2.
expect 2 "$tdcm" centroids --model "$tmp/km.tdcm" --which middle
err_has "'--which' wants 'source' or 'adapted'"
expect 2 "$tdcm" centroids --model "$tmp/km.tdcm" --input "$tmp/tgt.csv"
expect 2 "$tdcm" fit --centroids "$tmp/c.csv" --model "$tmp/bad.tdcm" --label-column last
err_has '--label-column needs --input'
expect 2 "$tdcm" fit --model "$tmp/bad.tdcm"
err_has "missing required option '--input'"

echo "centroids: ok"
