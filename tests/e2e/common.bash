# Helpers of the end-to-end tests (sourced; not a test itself).
# Usage of every test: bash <test>.sh <directory of the executables> <tests/data directory>
set -u
BIN=${1:?usage: $0 BIN_DIR DATA_DIR}
DATA=${2:?usage: $0 BIN_DIR DATA_DIR}
PYTHON=${PYTHON:-/usr/bin/python3}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/dn_e2e.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
ulimit -c 0
# Under AddressSanitizer (DN_SANITIZE), a huge allocation must fail as in a normal build; the
# sanitizer's own "==PID==WARNING" lines are not counted as output (see run).
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}allocator_may_return_null=1
FAILURES=0
RC=0
# Small, fast settings shared by the tests.
FAST=(--threads 2 --planner estimate)

fail() {
  echo "FAIL: $*" >&2
  FAILURES=$((FAILURES + 1))
}

# run TOOL ARGS...: runs an executable with a time limit; sets RC, output in $WORK/stdout|stderr.
run() {
  local tool=$1
  shift
  timeout 120 "$BIN/$tool" "$@" >"$WORK/stdout" 2>"$WORK/stderr.raw"
  RC=$?
  grep -v '^==[0-9]*==WARNING: AddressSanitizer' "$WORK/stderr.raw" >"$WORK/stderr"
  if [ "$RC" -eq 124 ]; then fail "$tool $* hung (timed out)"; fi
}

# expect_ok TOOL ARGS...: the run must succeed.
expect_ok() {
  run "$@"
  if [ "$RC" -ne 0 ]; then
    fail "$* exited with $RC: $(cat "$WORK/stderr")"
    return 1
  fi
}

# expect_error CODE TOOL ARGS...: the run must exit with CODE and print exactly one line on
# stderr, "TOOL: error: ...", and nothing on stdout.
expect_error() {
  local code=$1 tool=$2
  shift
  run "$@"
  local lines
  lines=$(wc -l <"$WORK/stderr")
  if [ "$RC" -ne "$code" ]; then
    fail "$* exited with $RC, expected $code; stderr: $(cat "$WORK/stderr")"
  elif [ "$lines" -ne 1 ]; then
    fail "$* printed $lines lines on stderr, expected 1: $(cat "$WORK/stderr")"
  elif ! grep -q "^$tool: error: " "$WORK/stderr"; then
    fail "$* printed an unexpected error line: $(cat "$WORK/stderr")"
  elif [ -s "$WORK/stdout" ]; then
    fail "$* printed on stdout: $(cat "$WORK/stdout")"
  else
    echo "ok ($RC): $*: $(cat "$WORK/stderr")"
  fi
}

# expect_file PATH...: every file must exist and be non-empty.
expect_file() {
  local f
  for f in "$@"; do
    [ -s "$f" ] || fail "missing or empty output $f"
  done
}

# check ARGS...: runs check_outputs.py.
check() {
  "$PYTHON" "$HERE/check_outputs.py" "$@" || fail "check_outputs.py $*"
}

# snapshot DIR: every entry under DIR, hidden ones included, with a checksum of every file; two
# equal snapshots mean the run in between left DIR as it was.
snapshot() {
  (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | while read -r entry; do
    if [ -f "$entry" ]; then echo "$entry $(md5sum <"$entry")"; else echo "$entry $(stat -c %F "$entry")"; fi
  done)
}

finish() {
  if [ "$FAILURES" -gt 0 ]; then
    echo "$FAILURES failure(s)" >&2
    exit 1
  fi
  echo "all checks passed"
}
