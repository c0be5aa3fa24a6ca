#!/bin/bash
# fingerprint-missing: one regular file lost its fingerprint; the finding names the file and
# gives the image's coverage.
. "$(dirname "$0")/common.sh"

make_lint_tree "$t/src"
mk "$t/ok.erofs" "$t/src" --xattr-inode-digest
cp "$t/ok.erofs" "$t/bad.erofs"
forge unname-fp "$t/bad.erofs" /d
rule_test fingerprint-missing "$t/bad.erofs" "$t/ok.erofs"
expect_finding "$t/trigger.json" rule=fingerprint-missing path=/d severity=warning
[ "$(count "$t/trigger.json" rule=fingerprint-missing)" -eq 1 ] || fail "only /d lacks a fingerprint"
grep -q 'coverage 83.3% (5 of 6 regular files)' "$t/trigger.json" || fail "coverage is not reported"
# The empty file is not expected to carry one (mkfs never fingerprints size 0).
expect_no_finding "$t/trigger.json" path=/empty
pass
