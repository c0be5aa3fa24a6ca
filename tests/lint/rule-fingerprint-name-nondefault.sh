#!/bin/bash
# fingerprint-name-nondefault (off by default): a fingerprint name other than
# erofs.fingerprint.v1; reported only with --enable.
. "$(dirname "$0")/common.sh"

make_lint_tree "$t/src"
mk "$t/default.erofs" "$t/src" --xattr-inode-digest
mk "$t/trusted.erofs" "$t/src" --xattr-inode-digest=trusted.erofs.fingerprint
rule_test fingerprint-name-nondefault "$t/trusted.erofs" "$t/default.erofs" --enable fingerprint-name-nondefault
lint_json "$t/off.json" "$t/trusted.erofs"
expect_no_finding "$t/off.json" rule=fingerprint-name-nondefault
pass
