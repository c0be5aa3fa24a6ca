#!/bin/bash
# superblock-checksum: a wrong stored CRC32C (the kernel: EBADMSG) is a finding, and lint still
# checks the rest of the image.
. "$(dirname "$0")/common.sh"

make_lint_tree "$t/src"
mk "$t/ok.erofs" "$t/src" --xattr-inode-digest
cp "$t/ok.erofs" "$t/bad.erofs"
forge break-checksum "$t/bad.erofs"
rule_test superblock-checksum "$t/bad.erofs" "$t/ok.erofs"
expect_finding "$t/trigger.json" rule=superblock-checksum path=- severity=error
# The rest was read: every fingerprint verified.
"$PYTHON3" -c 'import json,sys; i=json.load(open(sys.argv[1]))["images"][0]; sys.exit(i["verified"] != 6 or i["fingerprinted"] != 6)' \
  "$t/trigger.json" || fail "the files of an image with a bad checksum were not verified"
pass
