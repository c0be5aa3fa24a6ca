#!/bin/bash
# `erofs-share --version` prints exactly "erofs-share VERSION" (the CMake project version) on
# stdout and exits 0; --version also wins over a subcommand.
. "$(dirname "$0")/common.sh"

expect_exit 0 es --version
[ ! -s "$t/stderr" ] || fail "--version wrote to stderr"
if [ -n "${EROFS_SHARE_EXPECTED_VERSION:-}" ]; then
  printf 'erofs-share %s\n' "$EROFS_SHARE_EXPECTED_VERSION" | cmp -s - "$t/stdout" ||
    fail "--version printed '$(cat "$t/stdout")', expected 'erofs-share $EROFS_SHARE_EXPECTED_VERSION'"
else
  grep -Eqx 'erofs-share [0-9]+\.[0-9]+\.[0-9]+.*' "$t/stdout" || fail "not a version line: $(cat "$t/stdout")"
  [ "$(wc -l <"$t/stdout")" -eq 1 ] || fail "--version printed more than one line"
fi

pass
