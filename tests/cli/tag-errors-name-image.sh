#!/bin/bash
# tag's errors name the image like every other command's: "erofs-share: IMAGE: ..." on one
# line, exit 2, for an image that is not EROFS and for a corrupt one, in every output mode.
. "$(dirname "$0")/common.sh"

mkdir -p "$t/tree"
for i in $(seq 1 200); do printf "%s\n" "$i" >"$t/tree/file-with-a-name-long-enough-to-fill-blocks-$i"; done
printf 'not an image\n%.0s' $(seq 500) >"$t/junk.img"
versions=$(mkfs_versions)
for v in $versions; do
  mkimage "$v" "$t/corrupt-$v.erofs" "$t/tree"
  "$PYTHON3" "$testdir/corrupt.py" "$t/corrupt-$v.erofs" child-inode >/dev/null
  for img in "$t/junk.img" "$t/corrupt-$v.erofs"; do
    cp "$img" "$t/in-place.img"
    for mode in "-o $t/out.erofs" "--sidecar $t/meta.erofs" "--in-place"; do
      target=$img
      [ "$mode" != --in-place ] || target=$t/in-place.img
      # shellcheck disable=SC2086  # $mode is two words on purpose
      expect_exit 2 es tag -q $mode "$target"
      expect_one_error_line
      expect_stderr_contains "erofs-share: $target: "
    done
  done
  expect_stderr_contains "bogus i_mode @ nid"
done
[ ! -e "$t/out.erofs" ] && [ ! -e "$t/meta.erofs" ] || fail "an output was left behind"

pass
