#!/bin/bash
# fingerprint-conflict: one fingerprint value on files of different content (same size) and of
# different size across two images; the kernel would mix their pages in one domain.
. "$(dirname "$0")/common.sh"

make_lint_tree "$t/a"
make_lint_tree "$t/b"
data "$t/b/d" 100000 99       # same size, other content
head -c 4000 "$t/a/b" >"$t/b/b"  # shorter
mk "$t/a.erofs" "$t/a" --xattr-inode-digest
mk "$t/b.erofs" "$t/b" --xattr-inode-digest
forge copy-fp "$t/a.erofs" /d "$t/b.erofs" /d
forge copy-fp "$t/a.erofs" /b "$t/b.erofs" /b
lint_json "$t/trigger.json" "$t/a.erofs" "$t/b.erofs"
for img in a b; do
  expect_finding "$t/trigger.json" rule=fingerprint-conflict image="$t/$img.erofs" path=/d severity=error
  expect_finding "$t/trigger.json" rule=fingerprint-conflict image="$t/$img.erofs" path=/b severity=error
done
grep -q '(4000 bytes)' "$t/trigger.json" || fail "the size difference is not named"
# --no-verify still sees the size conflict, not the content one.
lint_json "$t/noverify.json" --no-verify "$t/a.erofs" "$t/b.erofs"
expect_finding "$t/noverify.json" rule=fingerprint-conflict path=/b
expect_no_finding "$t/noverify.json" rule=fingerprint-conflict path=/d

mk "$t/a2.erofs" "$t/a" --xattr-inode-digest
lint_json "$t/clean.json" "$t/a.erofs" "$t/a2.erofs"
expect_no_finding "$t/clean.json" rule=fingerprint-conflict
pass
