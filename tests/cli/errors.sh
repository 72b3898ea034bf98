#!/usr/bin/env bash
# Exit statuses and messages: 0 for --help, 1 for failures, 2 for misuse.
# Every call loads LibTorch (~0.5 s), so the cases are kept few.
set -euo pipefail
tdcm=$1
# shellcheck source=helpers.bash
source "$(dirname "$0")/helpers.bash"

"$tdcm" synth --k 3 --n 20 --source "$tmp/src.csv" --target "$tmp/tgt.csv" >/dev/null

# Every subcommand's --help: exit 0, usage on stdout.
for cmd in fit assign centroids eval synth demo info params; do
  expect 0 "$tdcm" "$cmd" --help
  grep -q '^Usage: tdcm' "$tmp/out" || fail "$cmd --help prints no usage"
  [ -s "$tmp/err" ] && fail "$cmd --help wrote to stderr"
done
expect 0 "$tdcm" help fit
grep -q '^Usage: tdcm fit' "$tmp/out" || fail "help fit prints no usage"
expect 0 "$tdcm" --help
for cmd in fit assign centroids eval synth demo info params; do
  grep -q "^  $cmd " "$tmp/out" || fail "tdcm --help does not list $cmd"
done
expect 0 "$tdcm" --version
grep -Eq '^tdcm [0-9]+\.[0-9]+\.[0-9]+$' "$tmp/out" || fail "--version: $(cat "$tmp/out")"

# The parameter table.
expect 0 "$tdcm" params
grep -Eq '^name +type +default +range +help$' "$tmp/out" || fail "params header"
grep -Eq '^k +int ' "$tmp/out" || fail "params lacks k"
grep -Eq '^epochs +int ' "$tmp/out" || fail "params lacks epochs"
expect 0 "$tdcm" help params
grep -Eq '^k +int ' "$tmp/out" || fail "help params lacks k"

# Misuse: exit 2.
expect 2 "$tdcm"
expect 2 "$tdcm" frobnicate
err_has "unknown command 'frobnicate'"
expect 2 "$tdcm" fit --input "$tmp/src.csv" --model "$tmp/m.tdcm" --bogus
err_has "unknown option '--bogus'"
err_has "tdcm fit --help"
expect 2 "$tdcm" fit --input "$tmp/src.csv"
err_has "missing required option '--model'"
expect 2 "$tdcm" synth --k abc --source "$tmp/a.csv" --target "$tmp/b.csv"
expect 2 "$tdcm" fit --input "$tmp/src.csv" --model "$tmp/m.tdcm" --label-column first

# Failures: exit 1 with "tdcm: error: ..." naming the cause.
expect 1 "$tdcm" fit --input "$tmp/missing.csv" --model "$tmp/m.tdcm"
err_has '^tdcm: error: '
err_has 'missing.csv'
expect 1 "$tdcm" fit --input "$tmp/src.csv" --model "$tmp/m.tdcm" --params "bogus=1"
err_has '^tdcm: error: '
err_has 'bogus'
expect 1 "$tdcm" fit --input "$tmp/src.csv" --model "$tmp/m.tdcm" --label-column 9
err_has 'src.csv'
[ -e "$tmp/m.tdcm" ] && fail "a failed fit wrote a model"
expect 1 "$tdcm" info --model "$tmp/missing.tdcm"
err_has '^tdcm: error: '
err_has 'missing.tdcm'
printf 'this is not a model\n%.0s' {1..50} >"$tmp/garbage.tdcm"
expect 1 "$tdcm" info --model "$tmp/garbage.tdcm"
err_has '^tdcm: error: '
expect 1 "$tdcm" assign --model "$tmp/garbage.tdcm" --input "$tmp/tgt.csv" --output "$tmp/l.csv"
err_has '^tdcm: error: '
printf 'label\n0\n1\n' >"$tmp/two.csv"
printf 'label\n0\n1\n2\n' >"$tmp/three.csv"
expect 1 "$tdcm" eval --truth "$tmp/two.csv" --pred "$tmp/three.csv"
err_has '^tdcm: error: '
printf 'label\n0\n1.5\n' >"$tmp/frac.csv"
expect 1 "$tdcm" eval --truth "$tmp/frac.csv" --pred "$tmp/two.csv"
err_has 'frac.csv'

# A fitted 2-D model refuses 3-D rows.
expect 0 "$tdcm" fit --input "$tmp/src.csv" --model "$tmp/m.tdcm" --params "k=3" \
  --label-column last
printf 'a,b,c\n1,2,3\n4,5,6\n' >"$tmp/wide.csv"
expect 1 "$tdcm" assign --model "$tmp/m.tdcm" --input "$tmp/wide.csv" --output "$tmp/l.csv"
err_has '^tdcm: error: '
[ -e "$tmp/l.csv" ] && fail "a failed assign wrote labels"

echo "errors: ok"
