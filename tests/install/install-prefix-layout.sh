#!/bin/bash
# `cmake --install BUILD --prefix P` installs the binary, the probe, every man page (gzip -9n),
# the schemas, merge.sql, the lint data and the scripts erofs-share runs. The installed
# erofs-share works, finds its probe and its scripts relative to its own executable (as the
# build tree's does), still does after the prefix is moved, and says what is missing when they
# are removed.
. "$(dirname "$0")/common.sh"
src=$EROFS_SHARE_SRCDIR
p=$t/prefix

timed install "$CMAKE" --install "$EROFS_SHARE_BUILD_DIR" --prefix "$p" >"$t/install.log" 2>&1 ||
  { cat "$t/install.log" >&2; fail "cmake --install failed"; }

# 1. The files.
[ -x "$p/bin/erofs-share" ] || fail "no bin/erofs-share"
[ -x "$p/libexec/erofs-share/erofs-share-probe" ] || fail "no libexec/erofs-share/erofs-share-probe"
cmp -s "$EROFS_SHARE_BUILD_DIR/cli/erofs-share-probe" "$p/libexec/erofs-share/erofs-share-probe" ||
  fail "the installed probe is not the built one"
pages=0
for page in "$src"/man/*.1; do
  gz=$p/share/man/man1/$(basename "$page").gz
  [ -f "$gz" ] || fail "man page $(basename "$page") not installed as $gz"
  gzip -dc "$gz" | cmp -s - "$page" || fail "$gz is not man/$(basename "$page")"
  # gzip -9n: magic, deflate, no flags (no file name), time stamp 0 (Debian policy 12.1).
  [ "$(od -An -tx1 -N8 "$gz" | tr -d ' \n')" = 1f8b080000000000 ] || fail "$gz has a name or a time stamp (not gzip -n)"
  pages=$((pages + 1))
done
[ "$pages" -ge 7 ] || fail "only $pages man pages in man/"
[ "$(find "$p/share/man" -type f | wc -l)" -eq "$pages" ] || fail "other files under share/man: $(find "$p/share/man" -type f)"
for dir in schema scan lint; do
  for f in "$src/share/$dir"/*; do
    cmp -s "$f" "$p/share/erofs-share/$dir/$(basename "$f")" || fail "share/$dir/$(basename "$f") not installed"
  done
done
# Shell completions, where bash-completion, zsh and fish look for packaged ones.
for pair in erofs-share.bash:bash-completion/completions/erofs-share _erofs-share:zsh/vendor-completions/_erofs-share \
            erofs-share.fish:fish/vendor_completions.d/erofs-share.fish; do
  cmp -s "$EROFS_SHARE_BUILD_DIR/share/completions/${pair%%:*}" "$p/share/${pair#*:}" ||
    fail "completion ${pair%%:*} not installed as share/${pair#*:}"
done
grep -q 'complete .*erofs-share' "$p/share/bash-completion/completions/erofs-share" ||
  fail "the installed bash completion registers no completion for erofs-share"
scripts=$p/share/erofs-share/scripts
for s in debian-kernel.sh erofs-utils.sh; do
  cmp -s "$src/scripts/$s" "$scripts/$s" || fail "scripts/$s not installed in $scripts"
  # Every helper a script sources is installed next to it.
  for helper in $(grep -o 'lib/[a-z-]*\.sh' "$src/scripts/$s" | sort -u); do
    cmp -s "$src/scripts/$helper" "$scripts/$helper" || fail "$s sources $helper, not installed"
    for inner in $(grep -o '[a-z-]*\.sh' "$src/scripts/$helper" | sort -u); do
      [ ! -f "$src/scripts/lib/$inner" ] || cmp -s "$src/scripts/lib/$inner" "$scripts/lib/$inner" ||
        fail "$helper names lib/$inner, not installed"
    done
  done
done

# 2. The installed binary works: the same version and the same report as the build tree's.
expect_exit 0 "$p/bin/erofs-share" --version
[ "$(cat "$t/stdout")" = "erofs-share $EROFS_SHARE_EXPECTED_VERSION" ] || fail "--version printed '$(cat "$t/stdout")'"
make_tree "$t/tree"
mkimage "$(mkfs_versions | tail -n 1)" "$t/small.erofs" "$t/tree"
(cd "$t" && "$EROFS_SHARE" inspect --digest --format json small.erofs) >"$t/build-tree.json"
(cd "$t" && "$p/bin/erofs-share" inspect --digest --format json small.erofs) >"$t/installed.json" ||
  fail "the installed erofs-share inspect failed"
cmp -s "$t/build-tree.json" "$t/installed.json" || fail "installed and build-tree inspect reports differ"

# 3. smoke's helpers, found relative to the executable. No images and no MKFS_EROFS_19: smoke
# runs erofs-utils.sh (cached by scripts/env.sh), then needs the probe, then the kernel, which
# does not exist: exit 2 naming the kernel means the script ran and the probe was found.
smoke_until_kernel() {
  local bin=$1
  shift
  env -u MKFS_EROFS_19 -u EROFS_SHARE_SCRIPTS -u EROFS_SHARE_PROBE -u EROFS_SHARE_KERNEL -u EROFS_SHARE_MODULES \
    "$bin" smoke --kernel "$t/no-vmlinuz" --modules "$t" --qemu true --busybox /bin/sh "$@"
}
for bin in "$EROFS_SHARE" "$p/bin/erofs-share"; do
  expect_exit 2 smoke_until_kernel "$bin"
  expect_stderr_contains "erofs-utils: " "erofs-share: $t/no-vmlinuz: kernel image not readable"
done

mv "$p" "$t/moved"
p=$t/moved
expect_exit 2 smoke_until_kernel "$p/bin/erofs-share"
expect_stderr_contains "erofs-share: $t/no-vmlinuz: kernel image not readable"

mv "$p/share/erofs-share/scripts" "$p/share/erofs-share/scripts.away"
expect_exit 2 smoke_until_kernel "$p/bin/erofs-share"
expect_one_error_line
expect_stderr_contains "scripts/erofs-utils.sh not found (set EROFS_SHARE_SCRIPTS to its directory)"
# With images given no script runs; without the probe smoke names the first place it looked.
mv "$p/libexec/erofs-share/erofs-share-probe" "$t/probe.away"
expect_exit 2 smoke_until_kernel "$p/bin/erofs-share" -q "$t/small.erofs"
expect_one_error_line
expect_stderr_contains "erofs-share: $p/bin/erofs-share-probe: probe executable not found"

report_timings
pass
