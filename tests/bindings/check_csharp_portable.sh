#!/usr/bin/env bash
# The C# binding is plain C# that any .NET SDK compiles: it names no Mono
# namespace, and it compiles (C# 6, warnings as errors) against mscorlib alone,
# the core library every .NET runtime has, with no other assembly referenced
# (neither Mono's nor System.dll's extras).
#   check_csharp_portable.sh CSC MSCORLIB OUT_DLL SOURCE...
set -euo pipefail
csc=$1
mscorlib=$2
out=$3
shift 3
if grep -nE '(^|[^A-Za-z0-9_.])Mono\.' "$@"; then
  echo "the C# binding names a Mono namespace (above)"
  exit 1
fi
"$csc" -nologo -noconfig -nostdlib -r:"$mscorlib" -target:library -langversion:6 -warnaserror+ \
  -out:"$out" "$@"
echo "Tdcm.dll: $# sources compile against mscorlib alone"
