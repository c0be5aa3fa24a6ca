#!/bin/bash
# A corrupt image exits 2 with one stderr line in erofs-utils' style that says what is wrong
# and where: "erofs-share: IMAGE: <what> @ nid N[, path P] (byte 0x...)". Images are built
# by every configured mkfs.erofs and then damaged by corrupt.py outside block 0.
. "$(dirname "$0")/common.sh"

versions=$(mkfs_versions)
mkdir "$t/tree"
for i in $(seq 1 200); do
  printf '%s\n' "$i" >"$t/tree/file-with-a-name-long-enough-to-fill-blocks-$i"
done

for v in $versions; do
  mkimage "$v" "$t/good-$v.erofs" "$t/tree"
  expect_exit 0 es inspect "$t/good-$v.erofs"

  for what in root-inode child-inode; do
    img=$t/$what-$v.erofs
    cp "$t/good-$v.erofs" "$img"
    where=$("$PYTHON3" "$testdir/corrupt.py" "$img" "$what")  # waits until the image is written
    read -r nid byte <<<"$where"
    for format in text json; do
      expect_exit 2 es inspect --format "$format" "$img"
      expect_one_error_line
      expect_stderr_contains "erofs-share: $img: bogus i_mode @ nid $nid" "$(printf '(byte %#x)' "$byte")"
    done
  done
  # The child is reached through a directory, so its path is known too.
  expect_stderr_contains ', path /file-with-a-name'

  img=$t/root-dirent-$v.erofs
  cp "$t/good-$v.erofs" "$img"
  where=$("$PYTHON3" "$testdir/corrupt.py" "$img" root-dirent)
  read -r nid byte <<<"$where"
  expect_exit 2 es inspect --digest "$img"
  expect_one_error_line
  # Dirent offsets are reported inside the directory block ("(dir block 0 byte 0x8)").
  expect_stderr_contains "erofs-share: $img: invalid dirent nameoff @ nid $nid" "$(printf 'byte %#x)' "$byte")"
done

pass
