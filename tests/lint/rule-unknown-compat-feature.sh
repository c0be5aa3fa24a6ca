#!/bin/bash
# unknown-compat-feature: a compat bit nobody defines (the kernel ignores it; a warning).
. "$(dirname "$0")/common.sh"

make_lint_tree "$t/src"
mk "$t/ok.erofs" "$t/src" --xattr-inode-digest
cp "$t/ok.erofs" "$t/bad.erofs"
forge sb "$t/bad.erofs" compat 0x437  # the usual 0x37 + an unknown 0x400
rule_test unknown-compat-feature "$t/bad.erofs" "$t/ok.erofs"
expect_finding "$t/trigger.json" rule=unknown-compat-feature severity=warning
pass
