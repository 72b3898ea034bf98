#!/usr/bin/env bash
# bench/peers on tiny shapes, libtdcm's side only (scikit-learn and FAISS may be
# absent, as in CI): the driver runs the C program through every measurement,
# and the tables have their rows with numbers in them.
set -euo pipefail
peers=$1
tdcm=$2
here=$(dirname "$0")
# shellcheck source=../cli/helpers.bash
source "$here/../cli/helpers.bash"

expect 0 python3 "$here/../../bench/peers/peers.py" --peers "$peers" --tdcm "$tdcm" --smoke \
  --libtdcm-only
out=$tmp/out
grep -Eq '^## k-means, 1 thread\(s\): sgemm peak [0-9.]+ GFLOP/s' "$out" || fail "no sgemm peak: $(cat "$out")"
num='[0-9]+\.[0-9]'
for d in 2 8; do
  # The libtdcm columns of both k-means tables: assign and a Lloyd iteration, in ms.
  grep -Eq "^\| 3,000 \| $d \| 3 \| – \| – \| $num \| – \| [0-9.]+ \| –% \| 1 \| – \| – \| $num \| – \| 1 \|$" \
    "$out" || fail "no k-means row for D=$d: $(cat "$out")"
  grep -Eq "^\| 3,000 \| $d \| 3 \| $d \| $num \| $num \| [0-9]+% \| $num \|$" "$out" ||
    fail "no TDCM row for D=$d: $(cat "$out")"
  grep -Eq "^N=3,000 D=$d: $num ms per epoch$" "$out" || fail "no epoch for D=$d"
  grep -Eq "^libtdcm +N=3,000 D=$d: $num$" "$out" || fail "no peak RSS for D=$d"
done
for call in assign_1 assign_1000 predict_1 tdcm_predict_1 tdcm_predict_1000; do
  grep -Eq "^$call +N rows of D=8, K=3, 1 thread\(s\): $num µs$" "$out" || fail "no latency of $call"
done
grep -Eq '^`tdcm --version` start-up: [0-9]+ ms' "$out" || fail "no start-up time"

# The C program alone: the same rows every time for a seed, and misuse fails clearly.
expect 0 "$peers" write "$tmp/a.f32" 100 3 7
expect 0 "$peers" write "$tmp/b.f32" 100 3 7
cmp -s "$tmp/a.f32" "$tmp/b.f32" || fail "the rows of one seed differ"
[ "$(stat -c %s "$tmp/a.f32")" -eq 1200 ] || fail "100 x 3 floats are 1200 bytes"
expect 1 "$peers" run "$tmp/a.f32" 200 3 2 1
err_has "cannot read 200 x 3 floats"
expect 2 "$peers" run "$tmp/a.f32" 100 3
err_has "usage"
