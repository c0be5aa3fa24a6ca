#!/bin/bash
# fingerprint-name-differs: two images linted together name their fingerprints differently.
. "$(dirname "$0")/common.sh"

make_lint_tree "$t/src"
mk "$t/default.erofs" "$t/src" --xattr-inode-digest
mk "$t/default2.erofs" "$t/src" --xattr-inode-digest
mk "$t/trusted.erofs" "$t/src" --xattr-inode-digest=trusted.erofs.fingerprint
lint_json "$t/trigger.json" "$t/default.erofs" "$t/trusted.erofs" "$t/default2.erofs"
expect_finding "$t/trigger.json" rule=fingerprint-name-differs image="$t/trusted.erofs" severity=info
[ "$(count "$t/trigger.json" rule=fingerprint-name-differs)" -eq 1 ] || fail "only the odd one out is reported"
lint_json "$t/clean.json" "$t/default.erofs" "$t/default2.erofs"
expect_no_finding "$t/clean.json" rule=fingerprint-name-differs
pass
