#!/bin/bash
# image-unreadable: an image whose root inode is broken cannot be opened; lint reports it as a
# finding (not a crash) and still lints the other images given with it.
. "$(dirname "$0")/common.sh"

make_lint_tree "$t/src"
mk "$t/ok.erofs" "$t/src" --xattr-inode-digest
cp "$t/ok.erofs" "$t/broken.erofs"
forge break-inode "$t/broken.erofs" /
rule_test image-unreadable "$t/broken.erofs" "$t/ok.erofs"
expect_finding "$t/trigger.json" rule=image-unreadable path=- severity=error

# Together: the broken one is reported, the good one is still fully verified.
lint_json "$t/both.json" "$t/broken.erofs" "$t/ok.erofs"
[ "$rc" -eq 1 ] || fail "exit $rc"
expect_finding "$t/both.json" rule=image-unreadable image="$t/broken.erofs"
expect_no_finding "$t/both.json" image="$t/ok.erofs"
pass
