#!/usr/bin/env bash
# The dynamic symbols libtdcm.so defines must be exactly the functions the
# public header declares.
set -euo pipefail
lib=$1
header=$2
exported=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sed 's/@.*//' | sort -u)
declared=$(grep -oE '^TDCM_API [^(]*[ *](tdcm_[a-z0-9_]+)\(' "$header" | grep -oE 'tdcm_[a-z0-9_]+\($' | tr -d '(' | sort -u)
if [ "$exported" != "$declared" ]; then
  echo "exported symbols differ from the public header:"
  diff <(echo "$declared") <(echo "$exported") || true
  exit 1
fi
echo "libtdcm exports exactly the $(echo "$declared" | wc -l) public functions"
