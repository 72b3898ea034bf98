# Shared by the command-line tests (sourced; not a test itself): a private
# temporary folder $tmp removed on exit, and checks that fail the test.

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# expect STATUS CMD...: run CMD, capture stdout/stderr in $tmp/out and
# $tmp/err, check its exit status.
expect() {
  local want=$1
  shift
  local got=0
  "$@" >"$tmp/out" 2>"$tmp/err" || got=$?
  [ "$got" -eq "$want" ] ||
    fail "'$*' exited $got, expected $want; stderr: $(cat "$tmp/err")"
}

# err_has PATTERN: the last expect's stderr matches PATTERN (grep).
err_has() {
  grep -q -- "$1" "$tmp/err" || fail "stderr lacks '$1': $(cat "$tmp/err")"
}
