#!/bin/bash
# An image or --device file that cannot be opened exits 2 with one stderr line naming the
# path and the system error, and nothing on stdout.
. "$(dirname "$0")/common.sh"

expect_exit 2 es inspect "$t/no-such.erofs"
expect_one_error_line
expect_stderr_contains "$t/no-such.erofs" 'No such file or directory'

expect_exit 2 es inspect --format json "$t/no-such.erofs"
expect_one_error_line

# A directory is not an image either.
mkdir "$t/dir"
expect_exit 2 es inspect "$t/dir"
expect_one_error_line
expect_stderr_contains "$t/dir"

# A missing extra device (checked only after the image itself opened fine).
versions=$(mkfs_versions)
v=$(echo "$versions" | tail -n 1)
mkdir "$t/tree"
printf 'x\n' >"$t/tree/x"
mkimage "$v" "$t/ok.erofs" "$t/tree"
expect_exit 2 es inspect --device "$t/no-such-blob" "$t/ok.erofs"
expect_one_error_line

pass
