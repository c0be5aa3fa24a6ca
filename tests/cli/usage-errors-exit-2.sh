#!/bin/bash
# Every command-line mistake exits 2 with nothing on stdout and one "erofs-share: ..." line
# on stderr that names what was wrong. No image is needed: parsing fails first.
. "$(dirname "$0")/common.sh"

: >"$t/img"  # an existing file, so only the mistake under test can fail

# usage_error EXPECTED-TEXT ARGS...
usage_error() {
  local want=$1
  shift
  expect_exit 2 es "$@"
  expect_one_error_line
  expect_stderr_contains "$want"
}

usage_error 'subcommand is required'
usage_error 'bogus' bogus
usage_error '--bogus' --bogus
usage_error 'IMAGE is required' inspect
usage_error '--bogus' inspect --bogus "$t/img"
usage_error '-x' inspect -x "$t/img"
usage_error 'xml' inspect --format xml "$t/img"
usage_error '--format' inspect "$t/img" --format
usage_error '--path' inspect "$t/img" --path
usage_error 'extra' inspect "$t/img" extra
usage_error 'maybe' inspect --digest=maybe "$t/img"

pass
