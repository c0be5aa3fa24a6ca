#!/bin/bash
# status says in one line why it cannot run, and exits 2 (erofs-share-status(1) EXIT STATUS):
# no EROFS mount, not root, a kernel without inode_share (the live host, when its kernel is
# older than 7.0), a --domain that names no mount, a --mounts file that is not mountinfo, an
# output that is a mounted image.
. "$(dirname "$0")/common.sh"

printf '1 0 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n25 1 0:22 / /proc rw - proc proc rw\n' >"$t/no-erofs"
expect_exit 2 es status --mounts "$t/no-erofs"
expect_one_error_line
expect_stderr_contains "no EROFS mount in $t/no-erofs"
expect_exit 2 es status --mounts "$t/no-erofs" --format json
expect_one_error_line
check_kind() {
  "$PYTHON3" -c 'import json,sys; e=json.load(open(sys.argv[1]))["error"]; sys.exit(0 if e["command"]=="status" and e["exit_status"]==2 else 1)' "$t/stdout" ||
    fail "JSON error object lacks command status"
}
check_kind

printf 'not mountinfo\n' >"$t/bad"
expect_exit 2 es status --mounts "$t/bad"
expect_one_error_line
expect_stderr_contains "$t/bad: line 1: not a mountinfo line"

head -c 4096 /dev/zero >"$t/x.img"
printf '20 1 0:120 / /mnt/x ro - erofs %s ro,inode_share\n' "$t/x.img" >"$t/one"
expect_exit 2 es status --mounts "$t/one" --domain /mnt/y=web
expect_one_error_line
expect_stderr_contains "--domain /mnt/y=web: /mnt/y is not an EROFS mount point" "(see --help)"

# -o naming a mounted image (directly or through a link) is refused before any work: the report
# would overwrite what the kernel reads.
ln -s x.img "$t/x-link.img"
sum=$(sha256sum <"$t/x.img")
for out in "$t/x.img" "$t/x-link.img"; do
  expect_exit 2 es status --mounts "$t/one" -o "$out"
  expect_one_error_line
  expect_stderr_contains "-o $out: the same file as mounted image $t/x.img; refusing to overwrite an input"
done
[ "$(sha256sum <"$t/x.img")" = "$sum" ] || fail "status -o changed the mounted image"

# Not root: the nobody user (needs root to switch to it; this suite runs as root).
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
  chmod -R a+rX "$t"
  run setpriv --reuid=65534 --regid=65534 --clear-groups "$EROFS_SHARE" status --mounts "$t/no-erofs"
  [ "$rc" -eq 2 ] || fail "not root: exit $rc, expected 2 ($(cat "$t/stderr"))"
  expect_one_error_line
  expect_stderr_contains "status needs root" "effective uid 65534"
  run setpriv --reuid=65534 --regid=65534 --clear-groups "$EROFS_SHARE" status --format json
  [ "$rc" -eq 2 ] || fail "not root (json): exit $rc"
  expect_one_error_line
else
  printf '%s: not run as root: the non-root case is left out\n' "$testname"
fi

# The live host: a kernel older than 7.0 has no inode_share.
major=$(uname -r | cut -d. -f1)
if [ "$major" -lt 7 ]; then
  expect_exit 2 es status
  expect_one_error_line
  expect_stderr_contains "kernel $(uname -r) lacks inode_share" "inode_share came with Linux 7.0"
fi
pass
