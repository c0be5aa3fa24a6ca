#!/bin/bash
# feature-needs-newer-kernel: long xattr prefixes (fingerprint names) need Linux 6.4, zstd
# needs 6.10; --min-kernel below that is a finding, at or above it is not.
. "$(dirname "$0")/common.sh"

make_lint_tree "$t/src"
mk "$t/fp.erofs" "$t/src" --xattr-inode-digest
mk "$t/plain.erofs" "$t/src"
lint_json "$t/old.json" --min-kernel 6.1 "$t/fp.erofs"
expect_finding "$t/old.json" rule=feature-needs-newer-kernel severity=error
grep -q 'xattr_prefixes (Linux 6.4)' "$t/old.json" || fail "the feature and its kernel are not named"
lint_json "$t/new.json" --min-kernel 6.4 "$t/fp.erofs"
expect_no_finding "$t/new.json" rule=feature-needs-newer-kernel
lint_json "$t/plain.json" --min-kernel 5.4 "$t/plain.erofs"
expect_no_finding "$t/plain.json" rule=feature-needs-newer-kernel

mk "$t/zstd.erofs" "$t/src" -zzstd --xattr-inode-digest
lint_json "$t/zstd.json" --min-kernel 6.6 "$t/zstd.erofs"
grep -q 'zstd compression (Linux 6.10)' "$t/zstd.json" || fail "zstd's kernel is not named"
lint_json "$t/zstd-ok.json" --min-kernel 6.10.3 "$t/zstd.erofs"
expect_no_finding "$t/zstd-ok.json" rule=feature-needs-newer-kernel
# The default (7.0, the first kernel with page-cache sharing) accepts every known feature.
lint_json "$t/default.json" "$t/zstd.erofs"
expect_no_finding "$t/default.json" rule=feature-needs-newer-kernel
pass
