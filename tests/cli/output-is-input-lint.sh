#!/bin/bash
# lint never writes over an input: -o and --write-baseline naming an image, a --device, the
# --config or (for -o) the --baseline, directly, through a symlink, a hard link or
# /proc/self/fd/N, are refused with one error line and exit 2; the input is byte-identical.
# --write-baseline may name the --baseline it updates.
. "$(dirname "$0")/common.sh"

mkdir -p "$t/tree"
printf 'shared\n' >"$t/tree/a"
mkimage "$(mkfs_versions | tail -n 1)" "$t/a.erofs" "$t/tree"
cp "$t/a.erofs" "$t/b.erofs"

for option in -o --output --write-baseline; do
  expect_refused_as_every_name "$t/a.erofs" es lint "$option" @OUT@ "$t/a.erofs"
  expect_stderr_contains "the same file as input $t/a.erofs"
  expect_refused_as_every_name "$t/b.erofs" es lint --format json "$option" @OUT@ "$t/a.erofs" "$t/b.erofs"
done
# --list-rules reads no image, but -o still may not name one given.
expect_refused_as_every_name "$t/a.erofs" es lint --list-rules -o @OUT@ "$t/a.erofs"

cp "$t/a.erofs" "$t/dev.img"
expect_refused_as_every_name "$t/dev.img" es lint -o @OUT@ --device "$t/dev.img" "$t/a.erofs"
expect_stderr_contains "the same file as --device $t/dev.img"

printf '{}\n' >"$t/config.json"
expect_refused_as_every_name "$t/config.json" es lint --config "$t/config.json" --write-baseline @OUT@ "$t/a.erofs"
expect_stderr_contains "the same file as --config $t/config.json"


run es lint --write-baseline "$t/baseline.json" "$t/a.erofs"
[ -s "$t/baseline.json" ] || fail "no baseline written"
expect_refused_as_every_name "$t/baseline.json" es lint --baseline "$t/baseline.json" -o @OUT@ "$t/a.erofs"
expect_stderr_contains "the same file as --baseline $t/baseline.json"
# Updating a baseline in place is what --write-baseline is for.
run es lint --baseline "$t/baseline.json" --write-baseline "$t/baseline.json" "$t/a.erofs"
[ "$rc" -le 1 ] || fail "exit status $rc updating the baseline in place"

# Two outputs of one run may not be one file.
expect_exit 2 es lint -o "$t/r.json" --write-baseline "$t/r.json" "$t/a.erofs"
expect_one_error_line
expect_stderr_contains "each output needs a file of its own"

pass
