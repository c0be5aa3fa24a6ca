#!/bin/bash
# The Debian package: cpack builds erofs-share_<version>-1_<arch>.deb (stripped binaries, man
# pages gzip -9n, Depends from the shared libraries), and on a fresh Debian 12 root (debootstrap
# minbase + man-db, cached by scripts/bookworm-root.sh) `apt-get install ./PKG.deb` resolves
# its dependencies; then `erofs-share --version`, `inspect` of an image made here and
# `man erofs-share-scan` work in that root, smoke finds the installed probe and scripts, and
# `apt-get purge` leaves nothing behind.
. "$(dirname "$0")/common.sh"
[ "$(id -u)" = 0 ] || skip "needs root (debootstrap, chroot, mounting /proc in the root)"
command -v dpkg-shlibdeps >/dev/null || fail "dpkg-shlibdeps (dpkg-dev) missing: run scripts/install-deps.sh"
version=$EROFS_SHARE_EXPECTED_VERSION
src=$EROFS_SHARE_SRCDIR

# 1. The package.
timed cpack "$CPACK" -G DEB -B "$t/pkg" --config "$EROFS_SHARE_BUILD_DIR/CPackConfig.cmake" >"$t/cpack.log" 2>&1 ||
  { tail -n 30 "$t/cpack.log" >&2; fail "cpack -G DEB failed"; }
arch=$(dpkg --print-architecture)
deb=$t/pkg/erofs-share_${version}-1_${arch}.deb
[ -f "$deb" ] || fail "no $deb: $(ls "$t/pkg")"
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = erofs-share ] || fail "Package: $(field Package)"
[ "$(field Version)" = "$version-1" ] || fail "Version: $(field Version), expected $version-1"
[ "$(field Architecture)" = "$arch" ] || fail "Architecture: $(field Architecture)"
# Depends names the package of every shared library the binary loads (as the host resolves it).
depends=$(field Depends)
for soname in $(readelf -d "$EROFS_SHARE_BUILD_DIR/cli/erofs-share" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
  # As the loader resolves it for this binary (its RUNPATH too: libsparse is in android/).
  lib=$(ldd "$EROFS_SHARE_BUILD_DIR/cli/erofs-share" | awk -v s="$soname" '$1 == s && $3 ~ /^\// { print $3; exit }
  $1 ~ "/" s "$" { print $1; exit }')  # the loader itself: "/lib64/ld-linux-x86-64.so.2 (0x...)"
  [ -n "$lib" ] || fail "cannot resolve $soname on this host"
  pkg=$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null | head -n 1 | cut -d: -f1) || true
  [ -n "$pkg" ] || pkg=$(dpkg -S "$lib" | head -n 1 | cut -d: -f1)
  grep -Eq "(^|, )$pkg( |,|$)" <<<"$depends" || fail "Depends '$depends' lacks $pkg (for $soname)"
done
dpkg-deb -c "$deb" | awk '{ print $NF }' >"$t/contents"
for f in ./usr/bin/erofs-share ./usr/libexec/erofs-share/erofs-share-probe \
         ./usr/share/erofs-share/scan/merge.sql ./usr/share/erofs-share/scripts/debian-kernel.sh; do
  grep -qxF "$f" "$t/contents" || fail "$f not in the package"
done
for page in "$src"/man/*.1; do
  grep -qxF "./usr/share/man/man1/$(basename "$page").gz" "$t/contents" || fail "$(basename "$page").gz not in the package"
done
mkdir "$t/unpacked"
dpkg-deb -x "$deb" "$t/unpacked"
for bin in usr/bin/erofs-share usr/libexec/erofs-share/erofs-share-probe; do
  ! readelf -S "$t/unpacked/$bin" | grep -qE '\.(debug_info|symtab)' || fail "$bin is not stripped"
done

# 2. A fresh Debian 12 root (made once, cached), unpacked for this run only.
start=$SECONDS
exports=$(bash "$src/scripts/bookworm-root.sh" 2>"$t/bookworm-root.log") ||
  { cat "$t/bookworm-root.log" >&2; fail "scripts/bookworm-root.sh failed"; }
eval "$exports"
made=$(grep -o 'made in [0-9]* s' "$t/bookworm-root.log" || true)  # only when it ran debootstrap
timings+="bookworm-root.sh: $((SECONDS - start)) s${made:+ (debootstrap: $made)}; "
root=$t/root
mkdir "$root"
timed unpack-root tar -C "$root" --numeric-owner --xattrs -xpf - < <(zstd -dc "$EROFS_SHARE_BOOKWORM_ROOT")
{ [ -x "$root/usr/bin/apt-get" ] && [ -x "$root/usr/bin/man" ]; } || fail "$EROFS_SHARE_BOOKWORM_ROOT is not a root with apt and man-db"
umount_proc() {
  if mountpoint -q "$root/proc"; then umount "$root/proc" || umount -l "$root/proc" || passed=0; fi
}
mount -t proc proc "$root/proc"
at_teardown umount_proc
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
in_root() {
  chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

# 3. Install: apt resolves the dependencies. The .debs it downloads are kept in the cache dir
# for the next run (apt checks them against the root's lists); stale lists get one update.
archives=$(dirname "$EROFS_SHARE_BOOKWORM_ROOT")/archives
mkdir -p "$archives"
cp "$archives"/*.deb "$root/var/cache/apt/archives/" 2>/dev/null || true
cp "$deb" "$root/tmp/"
apt_install() { in_root apt-get install -y -q "/tmp/$(basename "$deb")" >>"$t/apt.log" 2>&1; }
if ! timed apt-install apt_install; then
  in_root apt-get update -q >>"$t/apt.log" 2>&1 || true
  apt_install || { tail -n 30 "$t/apt.log" >&2; fail "apt-get install ./$(basename "$deb") failed in the root"; }
fi
cp -n "$root"/var/cache/apt/archives/*.deb "$archives/" 2>/dev/null || true
# shellcheck disable=SC2016  # dpkg-query's own ${Field} syntax
[ "$(in_root dpkg-query -W -f '${Status} ${Version}' erofs-share)" = "install ok installed $version-1" ] ||
  fail "erofs-share is not installed in the root: $(in_root dpkg-query -W -f '${Status} ${Version}' erofs-share)"

# 4. It runs there.
expect_exit 0 in_root erofs-share --version
[ "$(cat "$t/stdout")" = "erofs-share $version" ] || fail "--version in the root printed '$(cat "$t/stdout")'"

make_tree "$t/tree"
mkimage "$(mkfs_versions | tail -n 1)" "$root/tmp/small.erofs" "$t/tree"
expect_exit 0 in_root sh -c 'cd /tmp && erofs-share inspect --digest --format json small.erofs'
cp "$t/stdout" "$t/in-root.json"
(cd "$root/tmp" && "$EROFS_SHARE" inspect --digest --format json small.erofs) >"$t/build-tree.json"
cmp -s "$t/build-tree.json" "$t/in-root.json" || fail "inspect in the root differs from the build tree's"
# ... and the report is the tree's: every path, and each regular file's SHA-256.
"$PYTHON3" - "$t/in-root.json" "$t/tree" <<'EOF' || fail "inspect in the root does not describe the tree"
import hashlib, json, os, sys
report, tree = json.load(open(sys.argv[1])), sys.argv[2]
want = {"/": None}
for d, dirs, files in os.walk(tree):
    for n in dirs + files:
        p = os.path.join(d, n)
        rel = "/" + os.path.relpath(p, tree)
        regular = os.path.isfile(p) and not os.path.islink(p)
        want[rel] = hashlib.sha256(open(p, "rb").read()).hexdigest() if regular else None
got = {f["path"]: f.get("digest") if f["type"] == "file" else None for f in report["files"]}
if got != want:
    sys.exit(f"paths/digests differ:\n got  {sorted(got.items())}\n want {sorted(want.items())}")
EOF

start=$SECONDS
expect_exit 0 in_root man erofs-share-scan
grep -qx 'NAME' "$t/stdout" || fail "man erofs-share-scan has no NAME line: $(head -c 300 "$t/stdout")"
grep -A1 -x 'NAME' "$t/stdout" | grep -q 'erofs-share-scan - ' || fail "man erofs-share-scan: NAME is not erofs-share-scan"
for page in "$src"/man/*.1; do
  name=$(basename "$page" .1)
  [ "$(in_root man -w "$name")" = "/usr/share/man/man1/$name.1.gz" ] || fail "man -w $name: $(in_root man -w "$name" 2>&1)"
done
timings+="man: $((SECONDS - start)) s; "

# smoke finds the installed scripts (erofs-utils.sh runs and stops: this root has no dpkg-dev)
# and the installed probe (with an image no script runs; the missing kernel is the error).
expect_exit 2 in_root erofs-share smoke --kernel /no-vmlinuz --modules /tmp --qemu true --busybox /bin/sh
expect_stderr_contains "erofs-utils: ERROR: " "erofs-share: /usr/share/erofs-share/scripts/erofs-utils.sh failed (exit 1)"
expect_exit 2 in_root erofs-share smoke --kernel /no-vmlinuz --modules /tmp --qemu true --busybox /bin/sh -q /tmp/small.erofs
expect_one_error_line
expect_stderr_contains "erofs-share: /no-vmlinuz: kernel image not readable"

# 5. Purge leaves nothing of it.
timed purge in_root apt-get purge -y -q erofs-share >>"$t/apt.log" 2>&1 || fail "apt-get purge erofs-share failed"
for f in usr/bin/erofs-share usr/libexec/erofs-share usr/share/erofs-share usr/share/man/man1/erofs-share.1.gz; do
  [ ! -e "$root/$f" ] || fail "/$f left after purge"
done

run_teardown
timed remove-root rm -rf --one-file-system "$root"
timings+="total: $SECONDS s; "
report_timings
pass
