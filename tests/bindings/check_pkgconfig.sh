#!/usr/bin/env bash
# The installed tdcm.pc: version, flags into the prefix, LibTorch only under
# Libs.private.   check_pkgconfig.sh PKG_CONFIG PC_DIR PREFIX VERSION
set -euo pipefail
pkg_config=$1
export PKG_CONFIG_PATH=$2
prefix=$3
version=$4
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
[ "$("$pkg_config" --modversion tdcm)" = "$version" ] || fail "modversion is not $version"
# shellcheck disable=SC2046,SC2116 # echo $(...) trims pkg-config's trailing space
cflags=$(echo $("$pkg_config" --cflags tdcm))
# shellcheck disable=SC2046,SC2116
libs=$(echo $("$pkg_config" --libs tdcm))
# shellcheck disable=SC2046,SC2116
static=$(echo $("$pkg_config" --libs --static tdcm))
echo "cflags: $cflags"
echo "libs: $libs"
echo "libs --static: $static"
[ "$cflags" = "-I$prefix/include" ] || fail "cflags should point into the prefix"
case " $libs " in *" -L$prefix/"*" -ltdcm "*) ;; *) fail "libs lack -L<prefix>/... -ltdcm" ;; esac
case " $libs " in *torch*) fail "LibTorch leaks into Libs" ;; esac
case " $static " in *" -ltorch "*) ;; *) fail "Libs.private lacks LibTorch" ;; esac
[ -f "$prefix/include/tdcm/tdcm.h" ] || fail "no installed header"
echo "pkg-config metadata OK"
