#!/bin/bash
# A corrupt inode is a finding, not the end: with a broken file, a broken directory and a
# forged fingerprint in one image, lint reports all three and still verifies the rest.
. "$(dirname "$0")/common.sh"

make_lint_tree "$t/src"
mkdir -p "$t/src/z"
data "$t/src/z/late" 3000 5
mk "$t/img.erofs" "$t/src" --xattr-inode-digest
forge break-inode "$t/img.erofs" /c
forge break-inode "$t/img.erofs" /sub
forge copy-fp "$t/img.erofs" /b "$t/img.erofs" /d
lint_json "$t/report.json" "$t/img.erofs"
[ "$rc" -eq 1 ] || fail "exit $rc"
expect_finding "$t/report.json" rule=corrupt-inode path=/c
expect_finding "$t/report.json" rule=corrupt-inode path=/sub
expect_finding "$t/report.json" rule=fingerprint-mismatch path=/d
# Files after the broken ones (in walk order) were checked: /z/late verified, no finding.
expect_no_finding "$t/report.json" path=/z/late
"$PYTHON3" -c 'import json,sys; i=json.load(open(sys.argv[1]))["images"][0]; sys.exit(i["verified"] < 4)' "$t/report.json" ||
  fail "files after the corrupt inodes were not verified"
# inspect, by contrast, stops at the first corruption (exit 2): lint is the tolerant reader.
expect_exit 2 es inspect "$t/img.erofs"
pass
