#!/bin/bash
# erofs-utils' rebuild mode (mkfs.erofs --clean=data with an EROFS image as the source) with
# --xattr-inode-digest hashes the wrong bytes for layout-2 source files that have at least one
# full block (format reference §6.2): it reads i_size bytes from the first data block instead
# of the inline tail. lint must report those fingerprints as errors and recognise the pattern.
# The source image keeps a large file after the affected one, so mkfs's bad read does not
# reach the end of the image (where it would spin forever); mkfs runs under `timeout` anyway.
. "$(dirname "$0")/common.sh"
need_fsck

mkdir -p "$t/src"
data "$t/src/a-tail" 5000 1     # layout 2: one full block + an inline tail  -> wrong digest
data "$t/src/b-blocks" 8192 2   # layout 0: whole blocks                     -> right digest
printf 'small\n' >"$t/src/c-inline"  # all inline: rebuild writes no fingerprint
data "$t/src/z-big" 1048576 3   # after the others: keeps the bad read inside the image
mk "$t/source.erofs" "$t/src"
timeout 60 "$MKFS_EROFS_19" -T0 -U 6b1e0f5a-3c2d-4e8f-9a7b-1c2d3e4f5a6b --clean=data --xattr-inode-digest \
  "$t/rebuilt.erofs" "$t/source.erofs" >"$t/mkfs.log" 2>&1 || { cat "$t/mkfs.log" >&2; fail "rebuild failed or hung"; }

# fsck.erofs agrees that the digest is wrong (a cross-check of the premise).
not "$FSCK_EROFS_19" --xattr-inode-digest "$t/rebuilt.erofs" >"$t/fsck.log" 2>&1 || fail "fsck.erofs found no mismatch"
grep -q 'digest MISMATCH' "$t/fsck.log" || fail "fsck.erofs did not report a mismatch"

lint_json "$t/report.json" "$t/rebuilt.erofs"
[ "$rc" -eq 1 ] || fail "lint exited $rc"
expect_finding "$t/report.json" rule=fingerprint-mismatch path=/a-tail severity=error
grep -q 'signature of erofs-utils 1.9.3 mkfs --clean=data' "$t/report.json" || fail "the rebuild bug is not recognised"
expect_no_finding "$t/report.json" rule=fingerprint-mismatch path=/b-blocks
expect_no_finding "$t/report.json" rule=fingerprint-mismatch path=/z-big
expect_finding "$t/report.json" rule=fingerprint-missing path=/c-inline

# A genuine forgery of the same file is not mistaken for the bug.
mk "$t/good.erofs" "$t/src" --xattr-inode-digest
forge flip-fp "$t/good.erofs" /a-tail 10
lint_json "$t/forged.json" "$t/good.erofs"
expect_finding "$t/forged.json" rule=fingerprint-mismatch path=/a-tail
not grep -q 'signature of erofs-utils' "$t/forged.json" || fail "a forgery was blamed on the rebuild bug"
pass
