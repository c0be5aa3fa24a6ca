#!/bin/bash
# image-truncated: an image cut short (head -c) is one finding naming its size and the size
# the superblock declares, not one "outside the image" finding per inode; inspect and scan
# say the same in their one-line error. A whole image, a --tar=i image (data on the tar,
# the device) and a multi-device image with its blob are not truncated.
. "$(dirname "$0")/common.sh"

mkdir -p "$t/src"
for i in $(seq 1 40); do data "$t/src/f$i" $((i * 3000)) "$i"; done
mk "$t/whole.erofs" "$t/src" --xattr-inode-digest
size=$(stat -c %s "$t/whole.erofs")
head -c $((size / 3)) "$t/whole.erofs" >"$t/cut.erofs"
want="image is truncated: $("$PYTHON3" -c 'import sys; print(f"{int(sys.argv[1]):,} bytes, the superblock declares {int(sys.argv[2]) // 4096:,} blocks ({int(sys.argv[2]):,} bytes)")' $((size / 3)) "$size")"

rule_test image-truncated "$t/cut.erofs" "$t/whole.erofs"
[ "$(count "$t/trigger.json" rule=image-truncated)" -eq 1 ] || fail "not exactly one image-truncated finding"
grep -qF "$want" "$t/trigger.json" || fail "message lacks '$want'"
n=$(count "$t/trigger.json" rule=corrupt-inode)
[ "$n" -eq 0 ] || fail "$n corrupt-inode findings besides image-truncated"

# inspect and scan: one line that says the image is truncated.
expect_exit 2 es inspect --digest "$t/cut.erofs"
expect_one_error_line
expect_stderr_contains "$want"
expect_exit 2 es scan "$t/cut.erofs"
expect_stderr_contains "$want"

# Not truncated: a tar-index image (its data is on the tar) and a multi-device image.
tar -cf "$t/src.tar" -C "$t/src" .
"$MKFS_EROFS_19" --tar=i "$t/ti.erofs" "$t/src.tar" >/dev/null 2>&1 || fail "mkfs --tar=i"
lint_json "$t/ti.json" --device "$t/src.tar" "$t/ti.erofs"
expect_no_finding "$t/ti.json" rule=image-truncated
mk "$t/md.erofs" "$t/src" --blobdev="$t/blob" --chunksize=4096 --xattr-inode-digest
lint_json "$t/md.json" --device "$t/blob" "$t/md.erofs"
expect_no_finding "$t/md.json" rule=image-truncated
pass
