#!/bin/bash
# Bytes that are not an EROFS image exit 2 with one stderr line: "erofs-share: FILE: not an
# EROFS image (magic 0x...) (byte 0x400)"; files too small for a superblock say so.
. "$(dirname "$0")/common.sh"

# Fixed pseudo-random bytes, so a failure can be reproduced.
"$PYTHON3" -c 'import random, sys; random.seed(7); sys.stdout.buffer.write(random.randbytes(8192))' >"$t/random.img"
expect_exit 2 es inspect "$t/random.img"
expect_one_error_line
expect_stderr_contains "erofs-share: $t/random.img: not an EROFS image (magic 0x" '(byte 0x400)'

# The same with JSON requested: still text on stderr, nothing on stdout.
expect_exit 2 es inspect --format json --digest "$t/random.img"
expect_one_error_line
expect_stderr_contains 'not an EROFS image'

# A text file, an empty file and a file shorter than the superblock.
printf 'hello\n%.0s' $(seq 400) >"$t/text.img"
expect_exit 2 es inspect "$t/text.img"
expect_one_error_line
expect_stderr_contains 'not an EROFS image'
for size in 0 100 1100; do
  head -c "$size" /dev/zero >"$t/small-$size.img"
  expect_exit 2 es inspect "$t/small-$size.img"
  expect_one_error_line
  expect_stderr_contains "$t/small-$size.img: image too small for a superblock"
done

pass
