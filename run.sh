#!/usr/bin/env bash
# All set-up on a fresh Debian machine, then one job:
#   ./run.sh demo [demo options]   the transfer-clustering demo (protocol P1, K=5)
#   ./run.sh test                  the whole test suite through ctest, then the CUDA
#                                  build's, then hardening
#   ./run.sh test-cuda             only the CUDA build (a CUDA LibTorch 2.x) and its tests
#   ./run.sh build                 install what is missing and build only
#   ./run.sh hardening             sanitizer builds, fuzzing and stress (SECURITY.md)
#   ./run.sh fuzz [SECONDS [NAME...]]  each fuzz target for SECONDS (default 600)
#   ./run.sh peers [peers.py options]  bench/peers: libtdcm against scikit-learn and FAISS
# Installs missing Debian packages (apt-get; as root or through sudo), then
# configures and builds into ./build (override with BUILD_DIR); the CUDA build goes
# into ./build-cuda (CUDA_BUILD_DIR), with the CUDA toolkit at CUDA_HOME.
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
# python3-pip fetches the CUDA LibTorch. libgloo-dev: the Gloo headers that c10d's
# ProcessGroupGloo.hpp includes (src/dist/process_group.cpp).
PACKAGES=(cmake g++ make libtorch-dev libgloo-dev libopenblas0-pthread libgtest-dev zlib1g-dev
  swig default-jdk-headless junit5 mono-mcs golang-go pkg-config dataset-fashion-mnist
  python3-pip)

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

# --- The CUDA build -----------------------------------------------------------
# The library, the command and the tests against a CUDA LibTorch 2.x, tested on the
# CPU; the tests labelled gpu skip where no GPU is present (README, "CUDA").
CUDA_BUILD_DIR=${CUDA_BUILD_DIR:-build-cuda}
CUDA_HOME=${CUDA_HOME:-/usr/local/cuda}
# torch 2.11.0 is the release whose CUDA libraries are the project machines' CUDA
# toolkit's (CUDA 13.0.2, cuBLAS 13.1.0.3, cuDNN 9.19.0.56, NCCL 2.28.9), so only its
# own wheel and the wheels of the three libraries that toolkit lacks are fetched
# (762 MB), not every CUDA library's wheel as `pip install torch` does.
TORCH_CUDA_VERSION=2.11.0
TORCH_CUDA_WHEELS=("torch==$TORCH_CUDA_VERSION" nvidia-cusparselt-cu13==0.8.0
  nvidia-nvshmem-cu13==3.4.5 nvidia-cufile==1.15.1.6)

# Prints the CMake prefix of the CUDA LibTorch, fetched once per machine into a cache
# folder (TDCM_CACHE_DIR) laid out as pip installs the wheels, torch/ beside nvidia/,
# so that the libraries' own RPATHs find each other.
cuda_libtorch() {
  local cache=${TDCM_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/var/cache}/.cache}/tdcm}
  local root=$cache/libtorch-$TORCH_CUDA_VERSION-cu130
  if [ ! -e "$root/.complete" ]; then
    echo "run.sh: fetching a CUDA LibTorch $TORCH_CUDA_VERSION into $root" >&2
    mkdir -p "$cache"
    rm -rf "$root"
    local tmp
    tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
    # The wheels for this platform whatever python3 runs pip; no pip cache, as only
    # what is unpacked is kept.
    PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1 python3 -m pip download --quiet \
      --no-deps --no-cache-dir --only-binary=:all: --python-version 3.11 --implementation cp \
      --abi cp311 --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 \
      -d "$tmp/wheels" "${TORCH_CUDA_WHEELS[@]}" >&2
    # What a C++ build uses: torch's libraries, headers and CMake files and the CUDA
    # libraries' lib folders; not the Python modules.
    python3 - "$tmp/root" "$tmp"/wheels/*.whl <<'PY'
import sys, zipfile
root = sys.argv[1]
for wheel in sys.argv[2:]:
    with zipfile.ZipFile(wheel) as z:
        for name in z.namelist():
            if (name.startswith(("torch/lib/", "torch/include/", "torch/share/"))
                    and name != "torch/lib/libtorch_python.so"
                    or name.startswith("nvidia/") and "/lib/" in name):
                z.extract(name, root)
PY
    touch "$tmp/root/.complete"
    # Another run may have finished first: its copy is as good.
    mv -T "$tmp/root" "$root" 2>/dev/null || true
    rm -rf "$tmp"
  fi
  echo "$root/torch/share/cmake"
}

cuda_test() {
  if [ ! -x "$CUDA_HOME/bin/nvcc" ]; then
    echo "run.sh: no CUDA toolkit at $CUDA_HOME (set CUDA_HOME): the CUDA build needs it" >&2
    return 1
  fi
  local start=$SECONDS prefix
  prefix=$(cuda_libtorch)
  echo "run.sh: CUDA LibTorch ready in $((SECONDS - start)) s: $prefix"
  start=$SECONDS
  cmake -S . -B "$CUDA_BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
    -DCUDA_TOOLKIT_ROOT_DIR="$CUDA_HOME" -DCMAKE_CUDA_COMPILER="$CUDA_HOME/bin/nvcc" \
    -DTDCM_BUILD_BENCH=OFF -DTDCM_PCH=ON
  cmake --build "$CUDA_BUILD_DIR" -j "$JOBS"
  echo "run.sh: CUDA build configured and built in $((SECONDS - start)) s"
  start=$SECONDS
  ctest --test-dir "$CUDA_BUILD_DIR" --output-on-failure -j "$JOBS"
  echo "run.sh: CUDA build's tests ran in $((SECONDS - start)) s"
}
# -------------------------------------------------------------------------------

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

# ------------------------------------------------------------------- peers
# bench/peers (README, "Speed"): libtdcm against scikit-learn and FAISS on the same
# rows in one run. Their Debian packages are installed here only, not for the tests;
# Debian's python3 is the one they install into.
PEERS_PACKAGES=(python3-sklearn python3-faiss python3-threadpoolctl)

peers() {
  install_packages "${PEERS_PACKAGES[@]}"
  build
  /usr/bin/python3 bench/peers/peers.py --peers "$BUILD_DIR/bench/peers" --tdcm "$BUILD_DIR/tdcm" "$@"
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
    cuda_test
    step_done "CUDA build and tests"
    [ "${TDCM_HARDENING:-1}" = 0 ] || hardening
    ;;
  test-cuda)
    install_packages "${PACKAGES[@]}"
    cuda_test
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
  peers)
    shift
    peers "$@"
    ;;
  *)
    sed -n '2,13p' "$0"
    exit 2
    ;;
esac
