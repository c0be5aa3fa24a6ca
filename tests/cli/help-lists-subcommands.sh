#!/bin/bash
# `erofs-share --help` (and -h) prints the usage, the options and every subcommand on stdout
# and exits 0; the text is pinned by help-lists-subcommands.stdout.glob.
. "$(dirname "$0")/common.sh"

for flag in --help -h; do
  expect_exit 0 es "$flag"
  [ ! -s "$t/stderr" ] || fail "$flag wrote to stderr"
  match_glob "$t/stdout" "$testdir/$testname.stdout.glob"
done

# A subcommand is also listed with its one-line summary.
grep -Eq '^  inspect +[A-Z]' "$t/stdout" || fail "inspect has no summary line"

pass
