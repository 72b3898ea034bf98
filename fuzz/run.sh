#!/usr/bin/env bash
# Runs one fuzz target for a bounded time, from its seed corpus:
#   fuzz/run.sh TARGET SEED_CORPUS_DIR SECONDS [libFuzzer options...]
# New inputs go to a scratch corpus (the seeds in the repository are only
# read). Any finding — a crash, a sanitizer report, a leak, an input slower
# than 10 s, more than 2 GB of memory — ends the run with a non-zero status;
# the input is kept under $TDCM_FUZZ_ARTIFACTS (default: the scratch folder,
# which is then left in place and printed). With TDCM_FUZZ_SUMMARY set, one
# line per run is appended to that file: target, executions, seconds.
set -euo pipefail
target=$1
seeds=$2
seconds=$3
shift 3
name=$(basename "$target")
work=$(mktemp -d "${TMPDIR:-/tmp}/$name.XXXXXX")
artifacts=${TDCM_FUZZ_ARTIFACTS:-$work/findings}
mkdir -p "$work/corpus" "$artifacts"
log=$work/log
rc=0
"$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$artifacts/" "$@" "$work/corpus" "$seeds" >"$log" 2>&1 || rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
tail -n 25 "$log"
if [ "$rc" -ne 0 ] || ls "$artifacts"/* >/dev/null 2>&1; then
  echo "fuzz: $name: FINDING (exit $rc) after ${execs:-?} executions; input and log kept in $work"
  exit 1
fi
echo "fuzz: $name: ${execs:-?} executions in $seconds s, no finding"
if [ -n "${TDCM_FUZZ_SUMMARY:-}" ]; then
  echo "$name ${execs:-?} executions ${seconds} s no finding" >>"$TDCM_FUZZ_SUMMARY"
fi
rm -rf "$work"
