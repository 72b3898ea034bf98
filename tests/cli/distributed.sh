#!/usr/bin/env bash
# Distributed runs of the command on loopback: tdcm launch against one process,
# and the faults: a rank that never arrives, one that is killed, ranks that
# disagree, a launch whose ranks fail.
set -euo pipefail
tdcm=$1
# shellcheck source=helpers.bash
source "$(dirname "$0")/helpers.bash"

# A libtdcm without c10d's Gloo backend has no process groups: skip (77).
printf 'x0\n0\n1\n2\n3\n' >"$tmp/probe.csv"
# (The output first, then grep: under pipefail the launch's own failure would
# decide the pipeline.)
probe=$("$tdcm" launch -n 2 --master "file:$tmp/probe" fit --input "$tmp/probe.csv" \
  --params "algo=kmeans k=2" --model "$tmp/p{rank}" 2>&1 || true)
if grep -q "without c10d" <<<"$probe"; then
  echo "SKIP: built without c10d's Gloo backend"
  exit 77
fi

"$tdcm" synth --k 4 --dim 3 --n 300 --seed 5 --source "$tmp/src.csv" --target "$tmp/tgt.csv" \
  >/dev/null

# The labels of a target file, one process, with a model.
labels_of() { # MODEL OUT
  "$tdcm" assign --model "$1" --input "$tmp/tgt.csv" --label-column last --output "$2" >/dev/null
}

# k-means: 2 ranks, each with half the rows, give the one-process labels exactly.
params="algo=kmeans k=4 seed=9"
"$tdcm" fit --input "$tmp/src.csv" --label-column last --model "$tmp/one.tdcm" \
  --params "$params" >/dev/null 2>&1
expect 0 "$tdcm" launch -n 2 fit --input "$tmp/src.csv" --label-column last \
  --model "$tmp/two.tdcm" --params "$params"
grep -q 'fitted kmeans (k=4) on 600 rows x 3 columns (rank 1 of 2)' "$tmp/out" ||
  fail "rank 1 did not fit its 600 rows: $(cat "$tmp/out")"
[ -s "$tmp/two.tdcm" ] || fail "rank 0 saved no model"
labels_of "$tmp/one.tdcm" "$tmp/one.csv"
labels_of "$tmp/two.tdcm" "$tmp/two.csv"
cmp -s "$tmp/one.csv" "$tmp/two.csv" || fail "2-rank k-means labels differ from one process's"

# TDCM training: each rank encodes half of each global batch (one seeding, so
# that no tie between restarts picks the numbering).
params="k=4 seed=9 epochs=3 encoder=mlp embed_dim=6 metric=shared infer_restarts=1"
"$tdcm" fit --input "$tmp/src.csv" --label-column last --model "$tmp/one_t.tdcm" \
  --params "$params" >/dev/null 2>&1
expect 0 "$tdcm" launch -n 2 fit --input "$tmp/src.csv" --label-column last \
  --model "$tmp/two_t.tdcm" --params "$params"
labels_of "$tmp/one_t.tdcm" "$tmp/one_t.csv"
labels_of "$tmp/two_t.tdcm" "$tmp/two_t.csv"
cmp -s "$tmp/one_t.csv" "$tmp/two_t.csv" || fail "2-rank TDCM labels differ from one process's"

# Adaptation over 3 ranks: each writes its rows' labels; together, the one-process labels.
expect 2 "$tdcm" launch -n 3 assign --model "$tmp/one_t.tdcm" --input "$tmp/tgt.csv" \
  --label-column last --output "$tmp/part.csv"
err_has "needs {rank}"
expect 0 "$tdcm" launch -n 3 assign --model "$tmp/one_t.tdcm" --input "$tmp/tgt.csv" \
  --label-column last --output "$tmp/part-{rank}.csv"
{
  cat "$tmp/part-0.csv"
  tail -n +2 "$tmp/part-1.csv"
  tail -n +2 "$tmp/part-2.csv"
} >"$tmp/three.csv"
cmp -s "$tmp/one_t.csv" "$tmp/three.csv" || fail "3-rank adaptation labels differ"

# The default model (Gaussian blocks): 2 ranks adapt as one process does, and
# rank 0's per-cluster report (sizes summed over the ranks) is one process's.
"$tdcm" fit --input "$tmp/src.csv" --label-column last --model "$tmp/g.tdcm" \
  --params "k=4 seed=9 n_init=1" >/dev/null 2>&1
"$tdcm" assign --model "$tmp/g.tdcm" --input "$tmp/tgt.csv" --label-column last \
  --output "$tmp/g1.csv" --report "$tmp/g1.json" >/dev/null
expect 0 "$tdcm" launch -n 2 assign --model "$tmp/g.tdcm" --input "$tmp/tgt.csv" \
  --label-column last --output "$tmp/g2-{rank}.csv" --report "$tmp/g2.json"
{
  cat "$tmp/g2-0.csv"
  tail -n +2 "$tmp/g2-1.csv"
} >"$tmp/g2.csv"
cmp -s "$tmp/g1.csv" "$tmp/g2.csv" || fail "2-rank Gaussian adaptation labels differ"
cmp -s "$tmp/g1.json" "$tmp/g2.json" || fail "2-rank report differs: $(diff "$tmp/g1.json" "$tmp/g2.json")"

# A rank that never arrives: the other fails with a timeout, in about that time.
start=$SECONDS
expect 1 "$tdcm" fit --input "$tmp/src.csv" --label-column last --model "$tmp/x.tdcm" \
  --params "algo=kmeans k=4" --world-size 2 --rank 0 --master "file:$tmp/alone" --timeout 2
err_has "timed out"
[ $((SECONDS - start)) -lt 20 ] || fail "the lone rank took $((SECONDS - start)) s to fail"

# Ranks that disagree (k) are told so at the start of the call.
for r in 0 1; do
  "$tdcm" fit --input "$tmp/src.csv" --label-column last --model "$tmp/m$r.tdcm" \
    --params "algo=kmeans k=$((3 + r))" --world-size 2 --rank $r --master "file:$tmp/disagree" \
    --timeout 20 >"$tmp/dis$r.out" 2>"$tmp/dis$r.err" &
  pids[r]=$!
done
for r in 0 1; do
  status=0
  wait "${pids[r]}" || status=$?
  [ "$status" -eq 1 ] || fail "rank $r of a disagreement exited $status"
  grep -q "ranks disagree" "$tmp/dis$r.err" || fail "rank $r: $(cat "$tmp/dis$r.err")"
done

# Two ranks of a fit that lasts minutes (10000 restarts), in the background:
# long_fit NAME TIMEOUT writes $tmp/NAME{0,1}.{tdcm,out,err} and sets pids.
long_fit() {
  for r in 0 1; do
    "$tdcm" fit --input "$tmp/big.csv" --label-column last --model "$tmp/$1$r.tdcm" \
      --params "algo=kmeans k=8 n_init=10000" --world-size 2 --rank $r \
      --master "file:$tmp/$1" --timeout "$2" >"$tmp/$1$r.out" 2>"$tmp/$1$r.err" &
    pids[r]=$!
  done
}

# A rank killed during the fit: the survivor fails within its timeout.
"$tdcm" synth --k 8 --dim 8 --n 2000 --seed 6 --source "$tmp/big.csv" --target "$tmp/big_t.csv" \
  >/dev/null
long_fit kill 10
# Past LibTorch's loading and the rendezvous (10000 restarts last minutes).
sleep 3
kill -0 "${pids[0]}" || fail "rank 0 ended early: $(cat "$tmp/kill0.err")"
kill -9 "${pids[1]}"
killed_at=$SECONDS
status=0
wait "${pids[0]}" || status=$?
wait "${pids[1]}" 2>/dev/null || true
[ "$status" -eq 1 ] || fail "the survivor exited $status: $(tail -n 3 "$tmp/kill0.err")"
[ $((SECONDS - killed_at)) -le 15 ] || fail "the survivor took $((SECONDS - killed_at)) s"
grep -Eq "collective failed|timed out" "$tmp/kill0.err" ||
  fail "the survivor's error does not say why: $(tail -n 2 "$tmp/kill0.err")"

# A rank that hangs (stopped): the other times out, within about its timeout.
long_fit hang 4
sleep 3
kill -STOP "${pids[1]}"
stopped_at=$SECONDS
status=0
wait "${pids[0]}" || status=$?
kill -9 "${pids[1]}"
wait "${pids[1]}" 2>/dev/null || true
[ "$status" -eq 1 ] || fail "the rank beside a hung one exited $status"
[ $((SECONDS - stopped_at)) -le 12 ] || fail "it took $((SECONDS - stopped_at)) s to time out"
grep -q "timed out" "$tmp/hang0.err" || fail "no timeout reported: $(tail -n 2 "$tmp/hang0.err")"

# tdcm launch propagates a failure, and refuses what it sets itself.
expect 1 "$tdcm" launch -n 2 fit --input "$tmp/missing.csv" --model "$tmp/x.tdcm"
err_has "rank 0 exited with status 1"
expect 2 "$tdcm" launch -n 2 fit --input "$tmp/src.csv" --model "$tmp/x.tdcm" --rank 1
err_has "set by the launcher"
expect 2 "$tdcm" launch -n 2 eval --help
err_has "not a distributed command"
echo "distributed: ok"
