#!/bin/bash
# fingerprints-absent: an image built without --xattr-inode-digest has nothing that can share.
. "$(dirname "$0")/common.sh"

make_lint_tree "$t/src"
mk "$t/plain.erofs" "$t/src"
mk "$t/fp.erofs" "$t/src" --xattr-inode-digest
rule_test fingerprints-absent "$t/plain.erofs" "$t/fp.erofs"
expect_finding "$t/trigger.json" rule=fingerprints-absent path=- severity=warning
# Said once for the image, not once per file.
[ "$(count "$t/trigger.json")" -eq 1 ] || fail "expected exactly one finding"
pass
