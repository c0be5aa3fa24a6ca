#!/bin/bash
# tag never writes over an input it was not told to replace: -o and --sidecar naming IMAGE or
# a --device (directly, through a symlink, a hard link or /proc/self/fd/N) are refused with
# one error line and exit 2, the input byte-identical. `tag X -o X` points to --in-place;
# --in-place with --sidecar is refused too.
. "$(dirname "$0")/common.sh"

mkdir -p "$t/tree"
printf 'shared\n' >"$t/tree/a"
mkimage "$(mkfs_versions | tail -n 1)" "$t/a.erofs" "$t/tree"

for option in -o --output; do
  expect_refused_as_every_name "$t/a.erofs" es tag "$t/a.erofs" "$option" @OUT@
  expect_stderr_contains "the same file as IMAGE $t/a.erofs" "use --in-place"
done
expect_refused_as_every_name "$t/a.erofs" es tag "$t/a.erofs" --sidecar @OUT@
expect_stderr_contains "--sidecar /proc/self/fd/7: the same file as IMAGE $t/a.erofs"
expect_refused_as_every_name "$t/a.erofs" es tag --in-place "$t/a.erofs" --sidecar @OUT@
expect_refused_as_every_name "$t/a.erofs" es tag --format json --in-place @OUT@ --sidecar "$t/a.erofs"

cp "$t/a.erofs" "$t/dev.img"
for option in -o --sidecar; do
  expect_refused_as_every_name "$t/dev.img" es tag "$t/a.erofs" --device "$t/dev.img" "$option" @OUT@
  expect_stderr_contains "the same file as --device $t/dev.img"
done

# An existing directory is not an output; nothing is written next to it.
mkdir "$t/dir"
expect_exit 2 es tag "$t/a.erofs" -o "$t/dir"
expect_one_error_line
expect_stderr_contains "-o $t/dir: is a directory"

# The legitimate uses still work.
expect_exit 0 es tag -q "$t/a.erofs" -o "$t/tagged.erofs"
expect_exit 0 es inspect "$t/tagged.erofs"
cp "$t/a.erofs" "$t/b.erofs"
expect_exit 0 es tag -q --in-place "$t/b.erofs"
cmp "$t/tagged.erofs" "$t/b.erofs" || fail "--in-place and -o differ"

pass
