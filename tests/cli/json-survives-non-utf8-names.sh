#!/bin/bash
# File names and symlink targets are bytes, not UTF-8. JSON output must still be valid
# JSON (invalid sequences become U+FFFD) and exit 0; text output shows them escaped (\xNN).
# (Regression: the JSON dump used to abort with an uncaught nlohmann type_error.)
. "$(dirname "$0")/common.sh"

versions=$(mkfs_versions)
v=$(echo "$versions" | tail -n 1)
mkdir "$t/tree"
: >"$t/tree/$(printf 'bad\377name')"
ln -s "$(printf 'target\376')" "$t/tree/link"
# An xattr name with a non-UTF-8 byte (and a binary value, which only appears as value_hex).
"$PYTHON3" -c 'import os, sys; os.setxattr(sys.argv[1], b"user.x\xfd", b"\xff\x00")' "$t/tree/bad"* ||
  fail "cannot set a user xattr in $t (filesystem without user xattrs?)"
mkimage "$v" "$t/img.erofs" "$t/tree"

expect_exit 0 es inspect --format json --digest "$t/img.erofs"
[ ! -s "$t/stderr" ] || fail "JSON output wrote to stderr"
"$PYTHON3" - "$t/stdout" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
paths = [f["path"] for f in doc["files"]]
assert "/bad\ufffdname" in paths, paths
link = next(f for f in doc["files"] if f["path"] == "/link")
assert link["target"] == "target\ufffd", link
bad = next(f for f in doc["files"] if f["path"] == "/bad\ufffdname")
assert [(x["name"], x["value_hex"], "value" in x) for x in bad["xattrs"]] == [("user.x\ufffd", "ff00", False)], bad
PY

expect_exit 0 es inspect "$t/img.erofs"
grep -qF 'bad\xffname' "$t/stdout" || fail "text output does not show the invalid byte as \\xff"
grep -qF 'target\xfe' "$t/stdout" || fail "text output does not show the symlink target's invalid byte as \\xfe"
not env LC_ALL=C grep -q "$(printf '\377')" "$t/stdout" || fail "text output holds the raw invalid byte"

pass
