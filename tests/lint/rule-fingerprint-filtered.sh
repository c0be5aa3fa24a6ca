#!/bin/bash
# fingerprint-filtered: the inode's xattr name bloom filter claims the fingerprint is absent,
# so the kernel's lookup stops early.
. "$(dirname "$0")/common.sh"

make_lint_tree "$t/src"
mk "$t/ok.erofs" "$t/src" --xattr-inode-digest
cp "$t/ok.erofs" "$t/bad.erofs"
forge filter-bit "$t/bad.erofs" /d
rule_test fingerprint-filtered "$t/bad.erofs" "$t/ok.erofs"
expect_finding "$t/trigger.json" rule=fingerprint-filtered path=/d severity=error
grep -q 'bit 8 set' "$t/trigger.json" || fail "the filter bit of erofs.fingerprint.v1 (8) is not named"
pass
