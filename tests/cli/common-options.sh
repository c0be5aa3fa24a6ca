#!/bin/bash
# Every subcommand accepts -q, --progress never|always and --color always|never
# (erofs-share(1) CONVENTIONS). NO_COLOR=1 and --color never give no escape byte on stdout
# or stderr; --color always colours lint's severities and scan's statuses; --progress always
# draws the progress line on stderr (not a terminal here) and clears it at the end.
. "$(dirname "$0")/common.sh"

make_tree "$t/tree"
rm -f "$t/tree/fifo" "$t/tree/socket"
v=$(mkfs_versions | tail -n 1)
mkimage "$v" "$t/a.erofs" "$t/tree"
mkimage "$v" "$t/b.erofs" "$t/tree"
esc=$'\033'

# no_escape FILE...: fails if one of the files holds an ESC byte.
no_escape() {
  local f
  for f in "$@"; do
    if grep -q "$esc" "$f"; then fail "escape byte in $(basename "$f"): $(head -c 200 "$f" | od -c | head -3)"; fi
  done
}

# Each command once with every convention option; exit status as without them.
for opts in "-q" "--progress never" "--progress always" "--color always" "--color never" \
            "-q --progress always --color never"; do
  # shellcheck disable=SC2086  # $opts is a list of words
  {
    expect_exit 0 es inspect $opts "$t/a.erofs"
    expect_exit 1 es lint $opts "$t/a.erofs"  # untagged: a warning
    expect_exit 0 es scan $opts "$t/a.erofs" "$t/b.erofs"
    rm -f "$t/tagged.erofs"
    expect_exit 0 es tag $opts "$t/a.erofs" -o "$t/tagged.erofs"
    rm -f "$t/built.erofs"
    expect_exit 0 es build $opts --mkfs "$(mkfs_any)" "$t/tree" -o "$t/built.erofs" -- -T0
    # smoke needs a kernel: the options are accepted, the missing kernel is the error.
    run env -u EROFS_SHARE_KERNEL -u EROFS_SHARE_MODULES "$EROFS_SHARE" smoke $opts "$t/a.erofs"
    [ "$rc" -eq 2 ] && grep -q 'smoke needs a kernel' "$t/stderr" || fail "smoke $opts: exit $rc: $(cat "$t/stderr")"
  }
done

# No colour: NO_COLOR (auto) and --color never, whatever else is asked.
for cmd in "lint $t/a.erofs" "scan $t/a.erofs $t/b.erofs" "inspect $t/a.erofs" "tag $t/a.erofs -o $t/c.erofs"; do
  rm -f "$t/c.erofs"
  # shellcheck disable=SC2086
  run env NO_COLOR=1 "$EROFS_SHARE" $cmd --progress always
  no_escape "$t/stdout" "$t/stderr"
  rm -f "$t/c.erofs"
  # shellcheck disable=SC2086
  run es $cmd --color never --progress always
  no_escape "$t/stdout" "$t/stderr"
done

# --color always colours the text reports (also over NO_COLOR: the option wins).
run env NO_COLOR=1 "$EROFS_SHARE" lint --color always "$t/a.erofs"
grep -q "${esc}\[33mwarning${esc}\[0m fingerprints-absent" "$t/stdout" || fail "lint: no coloured warning: $(cat "$t/stdout")"
grep -q "FAILED" "$t/stdout" && grep -q "${esc}\[1;31mFAILED" "$t/stdout" || fail "lint: FAILED not coloured"
run es scan --color always "$t/a.erofs" "$t/b.erofs"
grep -q "${esc}\[33mwould_share_once_tagged${esc}\[0m" "$t/stdout" || fail "scan: status not coloured: $(cat "$t/stdout")"
# ... and nothing else: without the escapes it is the uncoloured report.
sed "s/${esc}\[[0-9;]*m//g" "$t/stdout" >"$t/decolored"
es scan --color never "$t/a.erofs" "$t/b.erofs" >"$t/plain"
cmp "$t/decolored" "$t/plain" || fail "scan --color always differs from --color never beyond the colours"
# JSON is never coloured.
run es lint --color always --format json "$t/a.erofs"
no_escape "$t/stdout"

# --progress always: the line is drawn on stderr and cleared (spaces, then CR) at the end.
for cmd in "scan $t/a.erofs $t/b.erofs" "tag $t/a.erofs -o $t/p.erofs" "lint $t/a.erofs" "inspect $t/a.erofs"; do
  rm -f "$t/p.erofs"
  # shellcheck disable=SC2086
  run es $cmd --progress always
  grep -q $'^\rerofs-share: [a-z]' "$t/stderr" || fail "$cmd: no progress line on stderr: $(od -c "$t/stderr" | head)"
  "$PYTHON3" - "$t/stderr" "$cmd" <<'PY'
import re, sys
data = open(sys.argv[1], "rb").read()
last = data.rsplit(b"\r", 2)
# ... "\r" + spaces + "\r" and nothing after: the line is cleared.
if not (data.endswith(b"\r") and len(last) == 3 and last[1].strip(b" ") == b"" and len(last[1]) >= 10):
    sys.exit(f"{sys.argv[2]}: progress not cleared at the end: {data[-120:]!r}")
if b"\n" in data:
    sys.exit(f"{sys.argv[2]}: stderr has lines besides the progress: {data[:300]!r}")
PY
  # Without a terminal, auto draws nothing.
  rm -f "$t/p.erofs"
  # shellcheck disable=SC2086
  run es $cmd
  [ ! -s "$t/stderr" ] || fail "$cmd: stderr without a terminal: $(head -c 200 "$t/stderr")"
done
# scan: files and bytes are counted.
run es scan --progress always "$t/a.erofs" "$t/b.erofs"
grep -qE 'erofs-share: [a-z]+: [0-9]+ files' "$t/stderr" || fail "scan progress counts no files: $(tr '\r' '\n' <"$t/stderr" | head)"
# The deprecated alias still works.
run es scan --no-progress --progress always "$t/a.erofs"
[ ! -s "$t/stderr" ] || fail "scan --no-progress drew progress"

pass
