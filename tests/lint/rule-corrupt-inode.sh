#!/bin/bash
# corrupt-inode: an inode with an invalid data layout is a finding with its path.
. "$(dirname "$0")/common.sh"

make_lint_tree "$t/src"
mk "$t/ok.erofs" "$t/src" --xattr-inode-digest
cp "$t/ok.erofs" "$t/bad.erofs"
forge break-inode "$t/bad.erofs" /c
rule_test corrupt-inode "$t/bad.erofs" "$t/ok.erofs"
expect_finding "$t/trigger.json" rule=corrupt-inode path=/c severity=error
pass
