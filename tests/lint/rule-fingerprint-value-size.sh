#!/bin/bash
# fingerprint-value-size: a value longer than a block (here a 1500-byte xattr made the
# fingerprint in a 1 KiB-block image) or an empty one; the kernel ignores both.
. "$(dirname "$0")/common.sh"

mkdir -p "$t/src"
data "$t/src/f" 5000
"$PYTHON3" -c 'import os, sys; os.setxattr(sys.argv[1], "user.big", b"v" * 1500)' "$t/src/f"
mk "$t/b1k.erofs" "$t/src" -b 1024 --xattr-prefix=user.big --xattr-inode-digest
cp "$t/b1k.erofs" "$t/big.erofs"
forge sb "$t/big.erofs" ishare_prefix_id 0  # prefix 0 is "user.big"
rule_test fingerprint-value-size "$t/big.erofs" "$t/b1k.erofs"
grep -q 'fingerprint value is 1500 bytes; the kernel accepts 1 to 1024' "$t/trigger.json" || fail "size not reported"

make_lint_tree "$t/src2"
mk "$t/ok.erofs" "$t/src2" --xattr-inode-digest
cp "$t/ok.erofs" "$t/empty.erofs"
forge set-fp-size "$t/empty.erofs" /b 0
lint_json "$t/empty.json" "$t/empty.erofs"
expect_finding "$t/empty.json" rule=fingerprint-value-size path=/b severity=error
expect_no_finding "$t/empty.json" rule=fingerprint-format
pass
