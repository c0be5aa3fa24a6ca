#!/bin/bash
# fingerprint-mismatch: a fingerprint copied from another file does not match the content.
. "$(dirname "$0")/common.sh"

make_lint_tree "$t/src"
mk "$t/ok.erofs" "$t/src" --xattr-inode-digest
cp "$t/ok.erofs" "$t/bad.erofs"
forge copy-fp "$t/ok.erofs" /b "$t/bad.erofs" /c
rule_test fingerprint-mismatch "$t/bad.erofs" "$t/ok.erofs"
expect_finding "$t/trigger.json" rule=fingerprint-mismatch path=/c severity=error
[ "$(count "$t/trigger.json" rule=fingerprint-mismatch)" -eq 1 ] || fail "only /c is forged"
# --no-verify cannot see it.
lint_json "$t/noverify.json" --no-verify "$t/bad.erofs"
expect_no_finding "$t/noverify.json" rule=fingerprint-mismatch
pass
