#!/bin/bash
# compression-class-mismatch: the same file compressed in one image and not in the other
# cannot share (the kernel keeps compressed and uncompressed inodes apart).
. "$(dirname "$0")/common.sh"

mkdir -p "$t/src"
seq 1 50000 >"$t/src/text"  # compressible, so -zlz4hc really compresses it
mk "$t/plain.erofs" "$t/src" --xattr-inode-digest
mk "$t/z.erofs" "$t/src" -zlz4hc --xattr-inode-digest
mk "$t/plain2.erofs" "$t/src" --xattr-inode-digest
lint_json "$t/trigger.json" "$t/plain.erofs" "$t/z.erofs"
expect_finding "$t/trigger.json" rule=compression-class-mismatch image="$t/plain.erofs" path=/text severity=warning
expect_finding "$t/trigger.json" rule=compression-class-mismatch image="$t/z.erofs" path=/text
lint_json "$t/clean.json" "$t/plain.erofs" "$t/plain2.erofs"
expect_no_finding "$t/clean.json" rule=compression-class-mismatch
pass
