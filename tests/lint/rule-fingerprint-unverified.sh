#!/bin/bash
# fingerprint-unverified: the data lives on an extra device (mkfs --blobdev) that was not
# given, so the fingerprint cannot be checked; with --device it is verified.
. "$(dirname "$0")/common.sh"

make_lint_tree "$t/src"
mk "$t/blob.erofs" "$t/src" --blobdev="$t/blob.img" --chunksize=4096 --xattr-inode-digest
mk "$t/ok.erofs" "$t/src" --xattr-inode-digest
rule_test fingerprint-unverified "$t/blob.erofs" "$t/ok.erofs"
expect_finding "$t/trigger.json" rule=fingerprint-unverified path=/d severity=info
[ "$rc" -eq 0 ] || true
lint_json "$t/device.json" --device "$t/blob.img" "$t/blob.erofs"
expect_clean "$t/device.json"
pass
