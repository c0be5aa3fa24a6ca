#!/bin/bash
# fingerprint-duplicate-entry: a source file already carries the xattr mkfs uses as the
# fingerprint name, so the inode ends up with two entries of that name.
. "$(dirname "$0")/common.sh"

make_lint_tree "$t/src"
cp -a "$t/src" "$t/src2"
"$PYTHON3" -c 'import os, sys; os.setxattr(sys.argv[1], "user.fp", b"z" * 39)' "$t/src/b"
mk "$t/dup.erofs" "$t/src" --xattr-inode-digest=user.fp
mk "$t/ok.erofs" "$t/src2" --xattr-inode-digest=user.fp
rule_test fingerprint-duplicate-entry "$t/dup.erofs" "$t/ok.erofs"
expect_finding "$t/trigger.json" rule=fingerprint-duplicate-entry path=/b severity=warning
pass
