#!/usr/bin/env bash
# All set-up on a fresh Debian machine, then one job:
#   ./run.sh demo [demo options]   the transfer-clustering demo (protocol P1, K=5)
#   ./run.sh test                  the whole test suite through ctest, then hardening
#   ./run.sh build                 install what is missing and build only
#   ./run.sh hardening             sanitizer builds, fuzzing and stress (SECURITY.md)
#   ./run.sh fuzz [SECONDS [NAME...]]  each fuzz target for SECONDS (default 600)
# Installs missing Debian packages (apt-get; as root or through sudo), then
# configures and builds into ./build (override with BUILD_DIR).
set -euo pipefail
cd "$(dirname "$0")"

BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}

# Debian packages the build and the tests need. LibTorch calls whatever
# libblas.so.3 is installed: OpenBLAS makes it ~30x faster than the reference BLAS.
# The bindings: SWIG (Java, C#), a JDK and JUnit 5, Mono's C# compiler and
# runtime, Go, and pkg-config (cgo and the C example find libtdcm with it).
# zlib reads gzip-compressed inputs; dataset-fashion-mnist holds the images of
# protocol P2 (the IDX tests and bench/p2_fashion read them).
PACKAGES=(cmake g++ make libtorch-dev libopenblas0-pthread libgtest-dev zlib1g-dev
  swig default-jdk-headless junit5 mono-mcs golang-go pkg-config dataset-fashion-mnist)

missing_packages() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || echo "$p"
  done
}

install_packages() {
  local missing
  missing=$(missing_packages "$@")
  [ -z "$missing" ] && return 0
  echo "run.sh: installing:" $missing
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -q
  # shellcheck disable=SC2086
  "${sudo[@]}" apt-get install -y -q --no-install-recommends $missing
}

build() {
  install_packages "${PACKAGES[@]}"
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release \
    -DTDCM_BUILD_JAVA=ON -DTDCM_BUILD_CSHARP=ON -DTDCM_BUILD_GO=ON
  cmake --build "$BUILD_DIR" -j "$JOBS"
}

# ---------------------------------------------------------------- hardening
# SECURITY.md says what these test. Each sanitizer has a build folder of its
# own, with only the library and its C/C++ tests (no command, no bindings, no
# benchmarks): build-asan (ASan + UBSan + LeakSanitizer, and the libFuzzer
# targets, each fuzzed FUZZ_SECONDS, default 60) and build-tsan
# (ThreadSanitizer, the stress test only). TDCM_HARDENING=0 skips it in `test`.
HARDENING_PACKAGES=(clang-14 libclang-rt-14-dev llvm-14)
ASAN_DIR=${ASAN_DIR:-build-asan}
TSAN_DIR=${TSAN_DIR:-build-tsan}

sanitizer_configure() { # DIR SANITIZERS [cmake options...]
  local dir=$1 sanitize=$2
  shift 2
  CC=clang-14 CXX=clang++-14 cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DTDCM_SANITIZE="$sanitize" -DTDCM_BUILD_CLI=OFF -DTDCM_BUILD_BENCH=OFF "$@"
}

# Prints how long the step since the last call took.
step_start=$SECONDS
step_done() {
  echo "run.sh: $1: $((SECONDS - step_start)) s"
  step_start=$SECONDS
}

build_asan() {
  install_packages "${PACKAGES[@]}" "${HARDENING_PACKAGES[@]}"
  sanitizer_configure "$ASAN_DIR" address,undefined -DTDCM_BUILD_FUZZERS=ON \
    -DTDCM_FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
  cmake --build "$ASAN_DIR" -j "$JOBS"
}

hardening() {
  step_start=$SECONDS
  build_asan
  step_done "ASan + UBSan build"
  local summary=$ASAN_DIR/fuzz-summary.txt
  rm -f "$summary"
  TDCM_FUZZ_SUMMARY=$PWD/$summary ctest --test-dir "$ASAN_DIR" --output-on-failure -j "$JOBS"
  [ ! -f "$summary" ] || cat "$summary"
  step_done "ASan + UBSan tests, leak checks and fuzzing"
  sanitizer_configure "$TSAN_DIR" thread
  cmake --build "$TSAN_DIR" -j "$JOBS" --target tdcm_stress_tests
  step_done "TSan build"
  ctest --test-dir "$TSAN_DIR" --output-on-failure -R '^tdcm_stress_tests$'
  step_done "TSan stress test"
}

# Longer fuzzing than CI's, the same way: ./run.sh fuzz SECONDS [NAME...]
# (names: params model csv npy idx; all by default), $JOBS targets at a time.
fuzz() {
  local seconds=${1:-600}
  shift || true
  local names=${*:-params model csv npy idx}
  FUZZ_SECONDS=$seconds build_asan
  local summary=$ASAN_DIR/fuzz-summary.txt
  rm -f "$summary"
  TDCM_FUZZ_SUMMARY=$PWD/$summary ctest --test-dir "$ASAN_DIR" --output-on-failure -j "$JOBS" \
    -L fuzz -R "^fuzz[.](${names// /|})\$"
  [ ! -f "$summary" ] || cat "$summary"
}

case "${1:-}" in
  demo)
    shift
    build
    "$BUILD_DIR/tdcm" demo "$@"
    ;;
  test)
    build
    step_done "build"
    ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$JOBS"
    step_done "tests"
    [ "${TDCM_HARDENING:-1}" = 0 ] || hardening
    ;;
  hardening)
    hardening
    ;;
  fuzz)
    shift
    fuzz "$@"
    ;;
  build)
    build
    ;;
  *)
    sed -n '2,10p' "$0"
    exit 2
    ;;
esac
