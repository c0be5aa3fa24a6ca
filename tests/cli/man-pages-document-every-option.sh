#!/bin/bash
# Every subcommand in `erofs-share --help` has a man page and is named in erofs-share(1);
# every long option of every --help text appears in the matching roff page and in its
# markdown source, so the pages cannot silently fall behind the CLI.
. "$(dirname "$0")/common.sh"

man=$EROFS_SHARE_SRCDIR/man

# options FILE: the long options a --help text lists.
options() { grep -oE '^ +(-[a-zA-Z],)?--[a-z][a-z0-9-]*' "$1" | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u; }

# documented PAGE OPTION: the roff page spells OPTION as \-\-name and the .md source as --name.
documented() {
  local roff=$man/$1 opt=$2
  grep -qF -- "${opt//-/\\-}" "$roff" || fail "$1 does not document $opt"
  grep -qF -- "$opt" "$roff.md" || fail "$1.md does not document $opt"
}

es --help >"$t/help"
for opt in $(options "$t/help"); do documented erofs-share.1 "$opt"; done

commands=$(sed -n '/^Subcommands:/,/^$/p' "$t/help" | grep -oE '^  [a-z][a-z0-9-]*' | tr -d ' ')
[ -n "$commands" ] || fail "no subcommands found in --help"
for cmd in $commands; do
  page=erofs-share-$cmd.1
  [ -f "$man/$page" ] || fail "no man page $page for subcommand $cmd"
  # (No `| grep -q` under pipefail: an early exit of grep would fail the pipeline.)
  sed 's/\\-/-/g' "$man/erofs-share.1" >"$t/erofs-share.1.txt"
  grep -qF "erofs-share-$cmd (1)" "$t/erofs-share.1.txt" || fail "erofs-share.1 does not refer to $page"
  es "$cmd" --help >"$t/help-$cmd"
  for opt in $(options "$t/help-$cmd"); do documented "$page" "$opt"; done
done

pass
