#!/bin/bash
# `erofs-share lint --help` lists every option (matched against help-lists-options.stdout.glob,
# in which `*` is any text).
. "$(dirname "$0")/common.sh"

expect_exit 0 es lint --help
match_glob "$t/stdout" "$lintdir/help-lists-options.stdout.glob" || fail "--help changed"
pass
