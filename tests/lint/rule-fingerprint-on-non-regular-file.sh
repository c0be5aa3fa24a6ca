#!/bin/bash
# fingerprint-on-non-regular-file: a directory carrying the fingerprint xattr (the kernel
# shares regular files only).
. "$(dirname "$0")/common.sh"

make_lint_tree "$t/src"
cp -a "$t/src" "$t/src2"
"$PYTHON3" -c 'import os, sys; os.setxattr(sys.argv[1], "user.fp", b"sha256:" + bytes(32))' "$t/src/sub"
mk "$t/dir.erofs" "$t/src" --xattr-inode-digest=user.fp
mk "$t/ok.erofs" "$t/src2" --xattr-inode-digest=user.fp
rule_test fingerprint-on-non-regular-file "$t/dir.erofs" "$t/ok.erofs"
expect_finding "$t/trigger.json" rule=fingerprint-on-non-regular-file path=/sub severity=info
# Not a regular file, so no format or mismatch finding about it.
[ "$(count "$t/trigger.json" path=/sub)" -eq 1 ] || fail "other rules fired on the directory"
pass
