#!/bin/bash
# image-unreadable: an image whose root inode is broken cannot be opened; lint reports it as a
# finding and as an input error (exit status 2, whatever the threshold), not a crash, and still
# lints the other images given with it.
. "$(dirname "$0")/common.sh"

make_lint_tree "$t/src"
mk "$t/ok.erofs" "$t/src" --xattr-inode-digest
cp "$t/ok.erofs" "$t/broken.erofs"
forge break-inode "$t/broken.erofs" /
lint_json_failed "$t/trigger.json" "$t/broken.erofs"
expect_finding "$t/trigger.json" rule=image-unreadable path=- severity=error
grep -q "^erofs-share: $t/broken.erofs: cannot open the image: " "$t/stderr" || fail "no input error on stderr"
lint_json "$t/clean.json" "$t/ok.erofs"
[ "$rc" -eq 0 ] || fail "clean image: exit $rc"
expect_no_finding "$t/clean.json" rule=image-unreadable

# Not even a threshold or a disabled rule makes an image that cannot be read pass.
lint_json_failed "$t/none.json" --severity-threshold none "$t/broken.erofs"
lint_json_failed "$t/off.json" --disable image-unreadable "$t/broken.erofs"
expect_no_finding "$t/off.json" rule=image-unreadable

# Together: the broken one is reported, the good one is still fully verified.
lint_json_failed "$t/both.json" "$t/broken.erofs" "$t/ok.erofs"
expect_finding "$t/both.json" rule=image-unreadable image="$t/broken.erofs"
expect_no_finding "$t/both.json" image="$t/ok.erofs"
"$PYTHON3" -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["summary"]["failed"] is True, d["summary"]
assert [i["image"] for i in d["images"]] == [sys.argv[2], sys.argv[3]], d["images"]
assert d["images"][1]["verified"] > 0, d["images"]' "$t/both.json" "$t/broken.erofs" "$t/ok.erofs" || fail "report of both"
pass
