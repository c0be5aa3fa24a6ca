#!/bin/bash
# inspect -o/--output writes the report to a file, but never over its image or a --device
# (directly, through a symlink, a hard link or /proc/self/fd/N): one error line, exit 2, the
# input byte-identical. The file holds exactly what standard output would.
. "$(dirname "$0")/common.sh"

mkdir -p "$t/tree"
printf 'shared\n' >"$t/tree/a"
mkimage "$(mkfs_versions | tail -n 1)" "$t/a.erofs" "$t/tree"

for option in -o --output; do
  expect_refused_as_every_name "$t/a.erofs" es inspect "$option" @OUT@ "$t/a.erofs"
  expect_stderr_contains "the same file as input $t/a.erofs"
done
cp "$t/a.erofs" "$t/dev.img"
expect_refused_as_every_name "$t/dev.img" es inspect --device "$t/dev.img" -o @OUT@ "$t/a.erofs"
expect_stderr_contains "the same file as --device $t/dev.img"

for format in text json; do
  expect_exit 0 es inspect --format "$format" "$t/a.erofs"
  cp "$t/stdout" "$t/expected.$format"
  expect_exit 0 es inspect --format "$format" -o "$t/report.$format" "$t/a.erofs"
  [ ! -s "$t/stdout" ] || fail "-o also printed to standard output"
  cmp "$t/expected.$format" "$t/report.$format" || fail "-o wrote something else than standard output shows"
  expect_exit 0 es inspect --format "$format" -o - "$t/a.erofs"
  cmp "$t/expected.$format" "$t/stdout" || fail "-o - is not standard output"
done
# Through a symlink, the file it points to is replaced, and the link stays.
ln -s report.text "$t/report-link"
expect_exit 0 es inspect -o "$t/report-link" "$t/a.erofs"
[ -L "$t/report-link" ] || fail "the symlink was replaced"
cmp "$t/expected.text" "$t/report.text" || fail "the file behind the symlink was not written"
# A character device is written to as it is (not replaced).
expect_exit 0 es inspect -o /dev/null "$t/a.erofs"
[ -c /dev/null ] || fail "/dev/null is not a device any more"

pass
