#!/bin/bash
# unknown-incompat-feature: an incompat bit the kernel does not know (it refuses the mount).
. "$(dirname "$0")/common.sh"

make_lint_tree "$t/src"
mk "$t/ok.erofs" "$t/src" --xattr-inode-digest
cp "$t/ok.erofs" "$t/bad.erofs"
forge sb "$t/bad.erofs" incompat 0x240  # xattr_prefixes + an unknown 0x200
rule_test unknown-incompat-feature "$t/bad.erofs" "$t/ok.erofs"
expect_finding "$t/trigger.json" rule=unknown-incompat-feature severity=error
grep -q '0x200' "$t/trigger.json" || fail "the unknown bit is not named"
pass
