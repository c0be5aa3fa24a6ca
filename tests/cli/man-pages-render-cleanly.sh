#!/bin/bash
# The installed man pages (man/*.1, hand-written man(7) roff) render without a single groff
# warning. Skips when groff is not installed (Debian: groff-base).
. "$(dirname "$0")/common.sh"

command -v groff >/dev/null || skip "groff is not installed"
pages=("$EROFS_SHARE_SRCDIR"/man/*.1)
[ -f "${pages[0]}" ] || fail "no man pages in $EROFS_SHARE_SRCDIR/man"
for page in "${pages[@]}"; do
  LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$page" 2>"$t/stderr" || fail "groff failed on $page"
  [ ! -s "$t/stderr" ] || fail "groff warns about $page"
  # Lines the formatter would fold badly: roff source lines starting with "'" or an unescaped ".".
  not grep -n "^'" "$page" || fail "$page has a line starting with an apostrophe"
done

pass
