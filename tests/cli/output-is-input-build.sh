#!/bin/bash
# build never writes into its source: -o naming SRC itself (a directory), a file in SRC
# (directly, through a symlink or /proc/self/fd/N), or a new file inside SRC (mkfs would read
# its own output) is refused with one error line and exit 2 before mkfs runs; SRC is
# unchanged. A tar SRC may not be the output under any name, hard links included.
. "$(dirname "$0")/common.sh"

mkfs=$(mkfs_any)
mkdir -p "$t/src/sub"
printf 'shared\n' >"$t/src/a"
printf 'other\n' >"$t/src/sub/b"
listing() { (cd "$t/src" && find . -printf '%p %s %i\n' | sort && cat a sub/b | sha256sum); }
before=$(listing)

ln -s src/a "$t/link-to-a"
exec 7<"$t/src/a"
for out in "$t/src" "$t/src/sub" "$t/src/a" "$t/link-to-a" /proc/self/fd/7 "$t/src/new.erofs" "$t/src/sub/new.erofs"; do
  expect_exit 2 es build --mkfs "$mkfs" "$t/src" -o "$out"
  expect_one_error_line
  expect_stderr_contains "-o $out:"
  case $out in
    */sub | "$t/src") expect_stderr_contains "is a directory" ;;
    *) expect_stderr_contains "inside input directory $t/src" ;;
  esac
done
exec 7<&-
[ "$(listing)" = "$before" ] || fail "the source tree changed"

# A hard link to a source file outside the tree is a name like any other: the image replaces
# that name (a new file renamed into place), so the file in the tree keeps its bytes.
ln "$t/src/a" "$t/hardlink-to-a"
expect_exit 0 es build --mkfs "$mkfs" "$t/src" -o "$t/hardlink-to-a"
[ "$(listing)" = "$before" ] || fail "the source tree changed through a hard link"

# A tar source (mkfs --tar=f) is an input file like any other.
if [ -n "${MKFS_EROFS_19:-}" ]; then
  tar -C "$t/src" -cf "$t/src.tar" .
  expect_refused_as_every_name "$t/src.tar" es build --mkfs "$MKFS_EROFS_19" "$t/src.tar" -o @OUT@ -- --tar=f
  expect_stderr_contains "the same file as SRC $t/src.tar"
fi

expect_exit 0 es build --mkfs "$mkfs" "$t/src" -o "$t/out.erofs"
expect_exit 0 es inspect "$t/out.erofs"
[ "$(listing)" = "$before" ] || fail "the source tree changed"

pass
