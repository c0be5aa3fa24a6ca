#!/bin/bash
# fingerprint-format: a value that is not "sha256:" + 32 raw bytes (another scheme name, or a
# truncated value).
. "$(dirname "$0")/common.sh"

make_lint_tree "$t/src"
mk "$t/ok.erofs" "$t/src" --xattr-inode-digest
cp "$t/ok.erofs" "$t/bad.erofs"
# "sha512:" + 32 bytes: same length, wrong scheme.
forge set-fp "$t/bad.erofs" /b "$(printf 'sha512:' | od -An -tx1 | tr -d ' \n')$(printf '%064d' 0)"
forge set-fp-size "$t/bad.erofs" /c 32
rule_test fingerprint-format "$t/bad.erofs" "$t/ok.erofs"
expect_finding "$t/trigger.json" rule=fingerprint-format path=/b severity=error
expect_finding "$t/trigger.json" rule=fingerprint-format path=/c severity=error
pass
