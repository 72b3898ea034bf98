#!/usr/bin/env bash
# All set-up on a fresh Debian machine, then one job:
#   ./run.sh demo [demo options]   the transfer-clustering demo (protocol P1, K=5)
#   ./run.sh test                  the whole test suite through ctest
#   ./run.sh build                 install what is missing and build only
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

case "${1:-}" in
  demo)
    shift
    build
    "$BUILD_DIR/tdcm" demo "$@"
    ;;
  test)
    build
    ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$JOBS"
    ;;
  build)
    build
    ;;
  *)
    sed -n '2,8p' "$0"
    exit 2
    ;;
esac
