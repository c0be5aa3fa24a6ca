#!/bin/bash
# prefix-table-inconsistent: ISHARE_XATTRS without INCOMPAT_XATTR_PREFIXES, and fingerprint
# xattrs in an image whose superblock does not declare them.
. "$(dirname "$0")/common.sh"

make_lint_tree "$t/src"
mk "$t/ok.erofs" "$t/src" --xattr-inode-digest
cp "$t/ok.erofs" "$t/no-prefixes.erofs"
forge sb "$t/no-prefixes.erofs" incompat 0
rule_test prefix-table-inconsistent "$t/no-prefixes.erofs" "$t/ok.erofs"
grep -q 'INCOMPAT_XATTR_PREFIXES is not' "$t/trigger.json" || fail "message does not name the missing bit"

cp "$t/ok.erofs" "$t/no-ishare.erofs"
forge sb "$t/no-ishare.erofs" compat 0x17  # 0x37 without ISHARE_XATTRS
lint_json "$t/orphans.json" "$t/no-ishare.erofs"
expect_finding "$t/orphans.json" rule=prefix-table-inconsistent severity=error
grep -q 'erofs.fingerprint.v1 xattrs but the superblock lacks ISHARE_XATTRS' "$t/orphans.json" ||
  fail "orphan fingerprints are not explained"
pass
