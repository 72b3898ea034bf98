#!/usr/bin/env bash
# Times tdcm_assign of ROWS x 16 float32 rows through C, Java, C# and Go in one
# run, with one k-means model (k=10) loaded from the same file in every
# language, and prints a table: language, seconds (best of all repeats), ratio
# to C, whether the labels equal C's.
#   run_bench.sh ROWS REPEATS WORK_DIR [ROUNDS]
# Each program times REPEATS calls (after one warm-up) in one process; the
# programs take turns for ROUNDS rounds (default 3), so that a busy spell on a
# shared machine hits every language alike, and the best time of all counts.
# Every program is built against the installed prefix, as a user builds it.
# Environment: TDCM_PREFIX TDCM_LIBDIR TDCM_SOURCE_DIR CC PKG_CONFIG, and for
# each language its tools (JAVAC+JAVA, CSC+MONO, GO); a language whose tools
# are not set is left out. TDCM_BENCH_THREADS sets the model's "threads"
# (default 0: all cores). TDCM_BENCH_MAX_RATIO=1.2 makes a slower binding
# fail the run.
set -euo pipefail
rows=$1
repeats=$2
work=$3
rounds=${4:-3}
threads=${TDCM_BENCH_THREADS:-0}
src=$TDCM_SOURCE_DIR/bench/bindings
prefix=$TDCM_PREFIX
lib=$prefix/$TDCM_LIBDIR
export PKG_CONFIG_PATH=$lib/pkgconfig

rm -rf "$work"
mkdir -p "$work"
model=$work/kmeans-k10.tdcm

# ---- Build every program against the prefix --------------------------------
# shellcheck disable=SC2046
"$CC" -std=c99 -O2 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=199309L "$src/bench_assign.c" \
  $("$PKG_CONFIG" --cflags --libs tdcm) -o "$work/bench_c"
langs=("C")
if [ -n "${JAVAC:-}" ]; then
  jar=$prefix/share/java/tdcm.jar
  "$JAVAC" --release 11 -Xlint:all -Werror -cp "$jar" -d "$work/java" "$src/BenchAssign.java"
  langs+=("Java (direct FloatBuffer)" "Java (float[])")
fi
if [ -n "${CSC:-}" ]; then
  mkdir -p "$work/cs"
  "$CSC" -nologo -optimize+ -warnaserror+ -r:"$lib/cli/tdcm/Tdcm.dll" -out:"$work/cs/BenchAssign.exe" \
    "$src/BenchAssign.cs"
  cp "$lib/cli/tdcm/Tdcm.dll" "$work/cs/"
  langs+=("C#")
fi
if [ -n "${GO:-}" ]; then
  export GOPATH=$work/gopath GOCACHE=${TDCM_GOCACHE:-$work/gocache} GOENV=off GOPROXY=off \
    GOSUMDB=off GOFLAGS= GO111MODULE=on GOTOOLCHAIN=local GOWORK=$work/go.work CGO_ENABLED=1
  printf 'go 1.19\n\nuse (\n\t%s\n\t%s\n)\n' "$src/go" "$prefix/share/tdcm/go" >"$GOWORK"
  (cd "$src/go" && "$GO" build -o "$work/bench_go" .)
  langs+=("Go")
fi

# ---- Run ---------------------------------------------------------------------
export LD_LIBRARY_PATH=$lib
"$work/bench_c" prepare "$model" "$threads"
run_one() {
  case $1 in
    "C") "$work/bench_c" run "$model" "$rows" "$repeats" ;;
    "Java (direct FloatBuffer)")
      "$JAVA" -Djava.library.path="$lib" -cp "$jar:$work/java" BenchAssign "$model" "$rows" "$repeats" direct ;;
    "Java (float[])")
      "$JAVA" -Djava.library.path="$lib" -cp "$jar:$work/java" BenchAssign "$model" "$rows" "$repeats" array ;;
    "C#") "$MONO" "$work/cs/BenchAssign.exe" "$model" "$rows" "$repeats" ;;
    "Go") "$work/bench_go" "$model" "$rows" "$repeats" ;;
  esac
}

declare -A seconds checksum
for ((round = 1; round <= rounds; ++round)); do
  for lang in "${langs[@]}"; do
    line=$(run_one "$lang" | grep '^RESULT ')
    read -r _ t sum <<<"$line"
    if [ -z "${seconds[$lang]:-}" ] || awk -v t="$t" -v b="${seconds[$lang]}" 'BEGIN { exit !(t < b) }'; then
      seconds["$lang"]=$t
    fi
    if [ -n "${checksum[$lang]:-}" ] && [ "${checksum[$lang]}" != "$sum" ]; then
      checksum["$lang"]="unstable"
    else
      checksum["$lang"]=$sum
    fi
  done
done

# ---- Report ------------------------------------------------------------------
cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //' || true)
echo
if [ "$threads" = 0 ]; then
  threads_text="threads=0 (the default: all $(nproc) cores)"
else
  threads_text="threads=$threads"
fi
echo "tdcm_assign of $rows x 16 float32 rows, k-means k=10 (one model file);" \
  "best of $rounds rounds x $repeats calls"
echo "libtdcm $("$PKG_CONFIG" --modversion tdcm); machine: ${cpu:-unknown CPU}, $(nproc) cores," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg); $threads_text"
echo
printf '%-28s %12s %10s %s\n' "language" "seconds" "vs C" "labels"
status=0
for lang in "${langs[@]}"; do
  ratio=$(awk -v a="${seconds[$lang]}" -v c="${seconds[C]}" 'BEGIN { printf "%.3f", a / c }')
  same=same
  [ "${checksum[$lang]}" = "${checksum[C]}" ] || { same="DIFFERENT from C"; status=1; }
  printf '%-28s %12.4f %9sx %s\n' "$lang" "${seconds[$lang]}" "$ratio" "$same"
  if [ -n "${TDCM_BENCH_MAX_RATIO:-}" ] &&
    awk -v r="$ratio" -v m="$TDCM_BENCH_MAX_RATIO" 'BEGIN { exit !(r > m) }'; then
    echo "  ^ slower than ${TDCM_BENCH_MAX_RATIO}x the C call" >&2
    status=1
  fi
done
exit $status
