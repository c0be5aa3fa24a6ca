#!/bin/bash
# `erofs-share inspect --help` lists IMAGE and every option, points at the JSON schema and
# exits 0; pinned by inspect-help-lists-options.stdout.glob.
. "$(dirname "$0")/common.sh"

expect_exit 0 es inspect --help
[ ! -s "$t/stderr" ] || fail "inspect --help wrote to stderr"
match_glob "$t/stdout" "$testdir/$testname.stdout.glob"

# The schema the help text names exists in the source tree.
schema=$(grep -o 'share/schema/[a-z.]*json' "$t/stdout")
[ -f "$EROFS_SHARE_SRCDIR/$schema" ] || fail "help names $schema, which does not exist"

pass
