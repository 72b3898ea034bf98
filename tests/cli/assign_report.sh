#!/usr/bin/env bash
# assign --report: the per-cluster report as JSON, checked field by field
# against the labels it comes with; a cluster that lost most of its rows is
# flagged; a model without source clusters is refused.
set -euo pipefail
tdcm=$1
# shellcheck source=helpers.bash
source "$(dirname "$0")/helpers.bash"

"$tdcm" synth --k 3 --dim 2 --n 200 --seed 1 --source "$tmp/src.csv" --target "$tmp/tgt.csv" \
  >/dev/null
expect 0 "$tdcm" fit --input "$tmp/src.csv" --label-column last --model "$tmp/m.tdcm" \
  --params "k=3"

expect 0 "$tdcm" assign --model "$tmp/m.tdcm" --input "$tmp/tgt.csv" --label-column last \
  --output "$tmp/plain.csv" --probs
expect 0 "$tdcm" assign --model "$tmp/m.tdcm" --input "$tmp/tgt.csv" --label-column last \
  --output "$tmp/labels.csv" --probs --report "$tmp/r.json"
grep -Eq "^report: $tmp/r.json \([0-3] unmatched, [0-3] moved far, [0-3] shrank\)$" "$tmp/out" ||
  fail "no report line: $(cat "$tmp/out")"
cmp -s "$tmp/plain.csv" "$tmp/labels.csv" || fail "--report changed the labels or probabilities"

# check_report REPORT LABELS K ROWS SOURCE_ROWS: REPORT is a JSON array of K
# objects, entry j for cluster j, each with every field of the right type
# and range; the target sizes are the counts of each label in LABELS and sum
# to ROWS, the source sizes sum to SOURCE_ROWS; the flags follow the
# documented rules (unmatched: confidence < 0.5; shrank: share below half
# the source's share). Prints one line per cluster: "cluster confidence
# shift source_size target_size unmatched moved_far shrank".
check_report() {
  local report=$1 labels=$2 k=$3 rows=$4 source_rows=$5
  if command -v python3 >/dev/null; then
    python3 -c 'import json, sys; a = json.load(open(sys.argv[1])); assert isinstance(a, list)' \
      "$report" || fail "$report is not a JSON array"
  fi
  # The format is one object per line, so a line-wise grammar check holds
  # where python3 is missing.
  local num='-?[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?' bool='(true|false)'
  local obj="^  \\{\"cluster\": [0-9]+, \"source_cluster\": [0-9]+, \"confidence\": $num, "
  obj+="\"shift\": $num, \"source_size\": [0-9]+, \"target_size\": [0-9]+, "
  obj+="\"unmatched\": $bool, \"moved_far\": $bool, \"shrank\": $bool\\},?$"
  [ "$(head -n 1 "$report")" = "[" ] && [ "$(tail -n 1 "$report")" = "]" ] ||
    fail "$report: not one array: $(cat "$report")"
  [ "$(wc -l <"$report")" -eq $((k + 2)) ] || fail "$report: expected $k entries"
  sed '1d;$d' "$report" | grep -Evq "$obj" && fail "$report: malformed entry: $(cat "$report")"
  [ "$(sed '1d;$d' "$report" | grep -c ',$')" -eq $((k - 1)) ] ||
    fail "$report: commas between the entries only"
  sed '1d;$d' "$report" | tr -d '{}",' | tr ':' ' ' | awk '{
      for (i = 1; i < NF; i += 2) v[$i] = $(i + 1)
      print v["cluster"], v["source_cluster"], v["confidence"], v["shift"], v["source_size"],
        v["target_size"], v["unmatched"], v["moved_far"], v["shrank"] }' >"$tmp/fields"
  tail -n +2 "$labels" | cut -d, -f1 | sort -n | uniq -c | awk '{ print $2, $1 }' >"$tmp/counts"
  awk -v k="$k" -v rows="$rows" -v srows="$source_rows" '
    FNR == NR { count[$1] = $2; next }
    {
      j = FNR - 1
      if ($1 != j) bad("entry " j " describes cluster " $1)
      if ($2 < 0 || $2 >= k || ($2 in seen)) bad("source_cluster " $2 " out of range or repeated")
      seen[$2] = 1
      if ($3 < 0 || $3 > 1) bad("confidence " $3 " outside [0, 1]")
      if ($4 < 0) bad("negative shift " $4)
      if ($6 != count[j] + 0) bad("target_size " $6 " but " count[j] + 0 " rows have label " j)
      if (($7 == "true") != ($3 < 0.5)) bad("unmatched is " $7 " at confidence " $3)
      if (($9 == "true") != ($6 / rows < 0.5 * $5 / srows)) bad("shrank is " $9)
      ssum += $5; tsum += $6
    }
    END {
      if (failed) exit 1
      if (FNR != k) bad(FNR " entries")
      if (ssum != srows) bad("source sizes sum to " ssum ", not " srows)
      if (tsum != rows) bad("target sizes sum to " tsum ", not " rows)
    }
    function bad(what) { print "cluster " j ": " what; failed = 1; exit 1 }' "$tmp/counts" "$tmp/fields" ||
    fail "$report: $(cat "$report")"
  cut -d' ' -f1,3- "$tmp/fields"
}
check_report "$tmp/r.json" "$tmp/labels.csv" 3 600 600 >/dev/null

# A target that kept 20 rows of class 0: the cluster that holds them, and only
# it, shrank; the labels keep the source's numbering, so the other clusters
# keep their sizes.
{
  head -n 1 "$tmp/tgt.csv"
  tail -n +2 "$tmp/tgt.csv" | awk -F, '$3 != 0 || ++kept <= 20'
} >"$tmp/shrunk.csv"
expect 0 "$tdcm" assign --model "$tmp/m.tdcm" --input "$tmp/shrunk.csv" --label-column last \
  --output "$tmp/shrunk-labels.csv" --report "$tmp/shrunk.json"
grep -q '^NMI 1.0000' "$tmp/out" || fail "the shrunk target is clustered badly: $(cat "$tmp/out")"
check_report "$tmp/shrunk.json" "$tmp/shrunk-labels.csv" 3 420 600 >"$tmp/shrunk.fields"
awk '$8 == "true" { n++; ok = ($5 == 20) } END { exit !(n == 1 && ok) }' "$tmp/shrunk.fields" ||
  fail "exactly the 20-row cluster should have shrunk: $(cat "$tmp/shrunk.json")"

# The whole target moved 40 units along x0, many spreads of every cluster.
awk -F, 'NR == 1 { print; next } { print $1 + 40 "," $2 "," $3 }' "$tmp/tgt.csv" >"$tmp/moved.csv"
expect 0 "$tdcm" assign --model "$tmp/m.tdcm" --input "$tmp/moved.csv" --label-column last \
  --output "$tmp/moved-labels.csv" --report "$tmp/moved.json"
check_report "$tmp/moved.json" "$tmp/moved-labels.csv" 3 600 600 >"$tmp/moved.fields"
awk '$7 != "true" || $3 <= 3 { bad = 1 } END { exit bad }' "$tmp/moved.fields" ||
  fail "every cluster should have moved far: $(cat "$tmp/moved.json")"

# A collection fit has no source clusters: exit 1 with the library's message,
# and neither labels nor report are written.
{
  echo "x0,x1,label,set"
  tail -n +2 "$tmp/src.csv" | sed 's/$/,0/'
  tail -n +2 "$tmp/tgt.csv" | sed 's/$/,7/'
} >"$tmp/both.csv"
expect 0 "$tdcm" fit --input "$tmp/both.csv" --model "$tmp/c.tdcm" --params "k=3" \
  --label-column 2 --set-column last
expect 1 "$tdcm" assign --model "$tmp/c.tdcm" --input "$tmp/tgt.csv" --label-column last \
  --output "$tmp/c-labels.csv" --report "$tmp/c.json"
err_has '^tdcm: error: no source clusters to report against'
[ -e "$tmp/c-labels.csv" ] && fail "a failed assign wrote labels"
[ -e "$tmp/c.json" ] && fail "a failed assign wrote a report"
expect 0 "$tdcm" assign --model "$tmp/c.tdcm" --input "$tmp/tgt.csv" --label-column last \
  --output "$tmp/c-labels.csv"
expect 2 "$tdcm" assign --model "$tmp/m.tdcm" --input "$tmp/tgt.csv" --output "$tmp/l.csv" --report

echo "assign_report: ok"
