#!/usr/bin/env bash
# Runs the save-fault tests in a mount namespace of their own, with two tmpfs
# file systems that exist only there: one of 256 kB for a full disk
# (TDCM_TEST_SMALL_FS) and one that the test remounts read-only
# (TDCM_TEST_RO_FS). As root, or as a user where user namespaces are allowed;
# elsewhere exits 77, which ctest reports as skipped.
#   in_small_fs.sh TDCM_FAULT_TESTS_BINARY
set -euo pipefail
bin=$1
ns=()
for try in "unshare --mount --propagation private" \
  "unshare --map-root-user --mount --propagation private"; do
  # shellcheck disable=SC2086
  if $try true 2>/dev/null; then
    read -r -a ns <<<"$try"
    break
  fi
done
if [ ${#ns[@]} -eq 0 ]; then
  echo "in_small_fs.sh: no mount namespace can be made here: skipped"
  exit 77
fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir "$root/small" "$root/ro"
"${ns[@]}" bash -c '
  set -e
  mount -t tmpfs -o size=256k tmpfs "$1/small"
  mount -t tmpfs -o size=1m tmpfs "$1/ro"
  TDCM_TEST_SMALL_FS=$1/small TDCM_TEST_RO_FS=$1/ro "$2" --gtest_filter="SaveFaults.*"
' in_small_fs "$root" "$bin"
