#!/usr/bin/env bash
# Builds and runs one example (or binding test suite) against the installed
# prefix, the way a user of that language would:
#   consume.sh WHAT WORK_DIR
# WHAT: c-pkgconfig c-cmake java csharp go (examples), java-loader (the JNI
# library found through the property or the environment), go-test (the Go tests).
# The environment names the tools and places (set by tests/bindings/CMakeLists.txt):
#   TDCM_PREFIX TDCM_LIBDIR TDCM_SOURCE_DIR CC CMAKE PKG_CONFIG JAVAC JAVA CSC MONO GO
set -euo pipefail
what=$1
work=$2
src=$TDCM_SOURCE_DIR
prefix=$TDCM_PREFIX
lib=$prefix/$TDCM_LIBDIR

rm -rf "$work"
mkdir -p "$work"
export PKG_CONFIG_PATH=$lib/pkgconfig

# Go: everything inside the build tree, nothing from the network; the binding
# comes from the prefix through a workspace file (go.work), as documented.
go_env() {
  export GOPATH=$work/gopath GOCACHE=${TDCM_GOCACHE:-$work/gocache} GOENV=off \
    GOPROXY=off GOSUMDB=off GOFLAGS= GO111MODULE=on GOTOOLCHAIN=local \
    GOWORK=$work/go.work CGO_ENABLED=1
  printf 'go 1.19\n\nuse (\n\t%s\n\t%s\n)\n' "$1" "$prefix/share/tdcm/go" >"$GOWORK"
}

case $what in
  c-pkgconfig)
    # shellcheck disable=SC2046
    "$CC" -std=c99 -pedantic -Wall -Wextra -Werror "$src/examples/c/main.c" \
      $("$PKG_CONFIG" --cflags --libs tdcm) -o "$work/tdcm_example"
    LD_LIBRARY_PATH=$lib "$work/tdcm_example"
    ;;
  c-cmake)
    "$CMAKE" -S "$src/examples/c" -B "$work" -DCMAKE_PREFIX_PATH="$prefix" \
      -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER="$CC" >"$work/configure.log" ||
      { cat "$work/configure.log"; exit 1; }
    "$CMAKE" --build "$work"
    # No LD_LIBRARY_PATH: CMake gives the program an RPATH to the prefix.
    "$work/tdcm_example"
    ;;
  java)
    jar=$prefix/share/java/tdcm.jar
    "$JAVAC" --release 11 -Xlint:all -Werror -cp "$jar" -d "$work" "$src/examples/java/Example.java"
    # No LD_LIBRARY_PATH: libtdcm_jni.so finds libtdcm.so next to itself.
    "$JAVA" -Djava.library.path="$lib" -cp "$jar:$work" Example
    ;;
  java-loader)
    # The other two ways to find libtdcm_jni.so (README, NativeLoader): a system
    # property and an environment variable naming the file, with no
    # java.library.path; then a wrong path fails with a message naming it.
    jar=$prefix/share/java/tdcm.jar
    "$JAVAC" --release 11 -Xlint:all -Werror -cp "$jar" -d "$work" "$src/examples/java/Example.java"
    "$JAVA" -Dorg.tdcm.jni.library="$lib/libtdcm_jni.so" -cp "$jar:$work" Example | grep 'from Java'
    TDCM_JNI_LIBRARY=$lib/libtdcm_jni.so "$JAVA" -cp "$jar:$work" Example
    if "$JAVA" -Dorg.tdcm.jni.library="$work/missing.so" -cp "$jar:$work" Example >"$work/missing.log" 2>&1; then
      echo "a missing JNI library did not fail"
      exit 1
    fi
    grep -q "cannot load $work/missing.so (from the system property org.tdcm.jni.library)" "$work/missing.log" ||
      { cat "$work/missing.log"; exit 1; }
    ;;
  csharp)
    dll=$prefix/$TDCM_LIBDIR/cli/tdcm/Tdcm.dll
    "$CSC" -nologo -warnaserror+ -r:"$dll" -out:"$work/Example.exe" "$src/examples/csharp/Example.cs"
    cp "$dll" "$work/" # referenced assemblies go next to the program
    LD_LIBRARY_PATH=$lib "$MONO" "$work/Example.exe"
    ;;
  go)
    go_env "$src/examples/go"
    (cd "$src/examples/go" && "$GO" build -o "$work/tdcm_example" .)
    LD_LIBRARY_PATH=$lib "$work/tdcm_example"
    ;;
  go-test)
    go_env "$src/tests/bindings/go"
    (cd "$src/tests/bindings/go" && "$GO" vet ./... libtdcm/tdcm &&
      LD_LIBRARY_PATH=$lib "$GO" test -count=1 -v ./...)
    ;;
  *)
    echo "consume.sh: unknown target '$what'" >&2
    exit 2
    ;;
esac
# Reached only if every command above succeeded (set -e); ctest looks for it
# after the scores line, since a pass regex alone would ignore the exit code.
echo "consume.sh: $what ok"
