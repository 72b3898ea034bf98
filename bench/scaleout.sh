#!/usr/bin/env bash
# Scale-out on one machine (README, "Scale-out"): fit and adapt throughput of
# `tdcm launch -n N` at N = 1, 2, 4 ranks on loopback, each rank reading its own
# shard ({rank} in --input) and computing on one thread (threads=1).
# Throughput is rows over the slowest rank's time inside the library (what
# `tdcm fit` and `tdcm assign` print), so process start-up and file parsing are
# left out.
#   bench/scaleout.sh [TDCM] [ROWS_PER_CLUSTER]   (defaults: build/tdcm, 25000)
set -euo pipefail
tdcm=${1:-build/tdcm}
per=${2:-25000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

k=8
"$tdcm" synth --k $k --dim 16 --n "$per" --seed 1 --source "$tmp/src.csv" --target "$tmp/tgt.csv" \
  >/dev/null
rows=$((k * per))

# shards FILE N: FILE's rows cut into N contiguous shards FILE.N.{0..N-1}, each with the header.
shards() {
  local file=$1 n=$2 r first last
  for ((r = 0; r < n; r++)); do
    first=$((rows * r / n + 2))
    last=$((rows * (r + 1) / n + 1))
    { head -n 1 "$file"; sed -n "${first},${last}p" "$file"; } >"$file.$n.$r"
  done
}

# slowest PATTERN OUTPUT: the largest "in X s" of the lines matching PATTERN.
slowest() {
  grep "$1" "$2" | sed -E 's/.* in ([0-9.]+) s.*/\1/' | sort -g | tail -n 1
}

kmeans="algo=kmeans k=$k n_init=3 seed=1 threads=1"
tdcm_train="k=$k seed=1 epochs=1 encoder=mlp embed_dim=16 metric=shared infer_restarts=1 threads=1"
"$tdcm" fit --input "$tmp/src.csv" --label-column last --model "$tmp/adapt.tdcm" \
  --params "k=$k seed=1 threads=1" >/dev/null 2>&1

printf "%-6s %-28s %-28s %-28s\n" ranks "k-means fit (rows/s)" "TDCM training, 1 epoch" \
  "adapt+label (rows/s)"
for n in 1 2 4; do
  shards "$tmp/src.csv" $n
  shards "$tmp/tgt.csv" $n
  "$tdcm" launch -n $n fit --input "$tmp/src.csv.$n.{rank}" --label-column last \
    --model "$tmp/km.tdcm" --params "$kmeans" >"$tmp/km.out" 2>/dev/null
  "$tdcm" launch -n $n fit --input "$tmp/src.csv.$n.{rank}" --label-column last \
    --model "$tmp/tr.tdcm" --params "$tdcm_train" >"$tmp/tr.out" 2>/dev/null
  "$tdcm" launch -n $n assign --model "$tmp/adapt.tdcm" --input "$tmp/tgt.csv.$n.{rank}" \
    --label-column last --output "$tmp/l-{rank}.csv" >"$tmp/as.out" 2>/dev/null
  km=$(slowest '^fitted' "$tmp/km.out")
  tr=$(slowest '^fitted' "$tmp/tr.out")
  as=$(slowest '^assigned' "$tmp/as.out")
  printf "%-6s %-28s %-28s %-28s\n" $n \
    "$(awk -v r=$rows -v s="$km" 'BEGIN {printf "%.0f (%.2f s)", r / s, s}')" \
    "$(awk -v r=$rows -v s="$tr" 'BEGIN {printf "%.0f (%.2f s)", r / s, s}')" \
    "$(awk -v r=$rows -v s="$as" 'BEGIN {printf "%.0f (%.2f s)", r / s, s}')"
done
echo "rows: $rows x 16 columns, k=$k; cores: $(nproc); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
