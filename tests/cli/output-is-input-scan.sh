#!/bin/bash
# scan never writes over an input: -o and the manifests of --manifest-out naming an input
# (directly, through a symlink, a hard link or /proc/self/fd/N) are refused with one error
# line and exit 2 before any work, and the input is byte-identical afterwards.
. "$(dirname "$0")/common.sh"

mkdir -p "$t/tree" "$t/m"
printf 'shared\n' >"$t/tree/a"
mkimage "$(mkfs_versions | tail -n 1)" "$t/a.erofs" "$t/tree"

# -o naming the image, and naming a --device of it.
expect_refused_as_every_name "$t/a.erofs" es scan -o @OUT@ "$t/a.erofs"
expect_stderr_contains "the same file as input $t/a.erofs"
expect_refused_as_every_name "$t/a.erofs" es scan --format json --output @OUT@ "$t/a.erofs" "$t/tree"
cp "$t/a.erofs" "$t/dev.img"
expect_refused_as_every_name "$t/dev.img" es scan -o @OUT@ --device "$t/a.erofs=$t/dev.img" "$t/a.erofs"
expect_stderr_contains "the same file as --device $t/dev.img"

# -o naming a manifest given as input.
expect_exit 0 es scan --manifest-out "$t/m" "$t/a.erofs"
[ -s "$t/m/a.erofs.ndjson" ] || fail "no manifest written"
expect_refused_as_every_name "$t/m/a.erofs.ndjson" es scan -o @OUT@ "$t/m/a.erofs.ndjson"

# --manifest-out: the manifest it would write for an input is that input...
expect_exit 2 es scan --manifest-out "$t/m" "$t/m/a.erofs.ndjson"
expect_one_error_line
expect_stderr_contains "--manifest-out $t/m/a.erofs.ndjson: the same file as input $t/m/a.erofs.ndjson"
# ...also when the manifest is reached through other names of the directory.
ln -s m "$t/m-link"
cp "$t/m/a.erofs.ndjson" "$t/saved.ndjson"
expect_exit 2 es scan --manifest-out "$t/m-link" "$t/m/a.erofs.ndjson"
expect_one_error_line
cmp "$t/m/a.erofs.ndjson" "$t/saved.ndjson" || fail "the input manifest changed"
# ...or the directory is an input tree or inside one (before any work: nothing is created).
for dir in "$t/tree" "$t/tree/manifests" "$t/tree/new/deeper"; do
  expect_exit 2 es scan --manifest-out "$dir" "$t/tree" "$t/a.erofs"
  expect_one_error_line
  expect_stderr_contains "--manifest-out $dir:" "input directory $t/tree"
done
[ "$(ls "$t/tree")" = a ] || fail "something was written into the input tree: $(ls "$t/tree")"

# A hard link to the image in the manifest directory under the manifest's name.
ln "$t/a.erofs" "$t/m/a.erofs.ndjson.tmp" && mv "$t/m/a.erofs.ndjson.tmp" "$t/m/a.erofs.ndjson"
expect_exit 2 es scan --manifest-out "$t/m" "$t/a.erofs"
expect_one_error_line
expect_stderr_contains "the same file as input $t/a.erofs"

# Two outputs of one run may not be one file.
rm -f "$t/m/a.erofs.ndjson"
expect_exit 2 es scan --manifest-out "$t/m" -o "$t/m/a.erofs.ndjson" "$t/a.erofs"
expect_one_error_line
expect_stderr_contains "each output needs a file of its own"

# The legitimate uses still work.
expect_exit 0 es scan -o "$t/report.txt" "$t/a.erofs"
[ -s "$t/report.txt" ] || fail "no report written"
expect_exit 0 es scan -o - "$t/a.erofs"
[ -s "$t/stdout" ] || fail "no report on standard output"

pass
