#!/bin/bash
# ishare-prefix-id: ishare_xattr_prefix_id beyond the prefix table (the kernel refuses the
# mount even without inode_share).
. "$(dirname "$0")/common.sh"

make_lint_tree "$t/src"
mk "$t/ok.erofs" "$t/src" --xattr-inode-digest
cp "$t/ok.erofs" "$t/bad.erofs"
forge sb "$t/bad.erofs" ishare_prefix_id 5
rule_test ishare-prefix-id "$t/bad.erofs" "$t/ok.erofs"
expect_finding "$t/trigger.json" rule=ishare-prefix-id path=- severity=error
pass
