#!/usr/bin/env bash
# bookworm-root.sh - provide a fresh Debian 12 (bookworm) root filesystem, as a
# cached tarball, for tests that install erofs-share's .deb into a clean system.
#
# The first run makes it with `debootstrap --variant=minbase --include=man-db`
# from the archive URI of the machine's own bookworm apt entry (see
# lib/apt-uris.sh; no host name is written here), runs `apt-get update` inside
# it (so `apt-get install ./PKG.deb` can resolve dependencies) and packs it into
#
#   $EROFS_SHARE_CACHE/bookworm-root/bookworm-minbase-man-db.tar.zst
#
# Later runs reuse that file without network access. The tarball is written
# under a lock and renamed into place, so a partial one is never used.
#
# Output: one `export EROFS_SHARE_BOOKWORM_ROOT=TARBALL` line on stdout, so
#   eval "$(bash scripts/bookworm-root.sh)"
# works. Progress goes to stderr. Needs root (debootstrap, chroot).
#
# Env:
#   EROFS_SHARE_CACHE        cache dir [${XDG_CACHE_HOME:-$HOME/.cache}/erofs-share]
#   EROFS_SHARE_REFRESH=1    make the root again even if one is cached
#   EROFS_SHARE_DEBIAN_URIS  archive URI to use instead of the machine's own
set -euo pipefail

CACHE=${EROFS_SHARE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/erofs-share}
INCLUDE=man-db

log() { printf 'bookworm-root: %s\n' "$*" >&2; }
die() { printf 'bookworm-root: ERROR: %s\n' "$*" >&2; exit 1; }

case "${1:-}" in
  "") ;;
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
  *) die "unknown argument '$1' (see --help)" ;;
esac

mkdir -p "$CACHE/bookworm-root"
CACHE=$(cd "$CACHE" && pwd)
dir="$CACHE/bookworm-root"
tarball="$dir/bookworm-minbase-$INCLUDE.tar.zst"
exec 9>"$dir/.lock"
flock 9

if [[ "${EROFS_SHARE_REFRESH:-0}" != 1 && -s "$tarball" ]]; then
  log "using cached $tarball"
  printf 'export EROFS_SHARE_BOOKWORM_ROOT=%q\n' "$tarball"
  exit 0
fi

[[ "$(id -u)" == 0 ]] || die "making the root needs root (debootstrap, chroot)"
for tool in debootstrap chroot mount umount zstd tar flock; do
  command -v "$tool" >/dev/null || die "'$tool' not found; run scripts/install-deps.sh first"
done

if [[ -n "${EROFS_SHARE_DEBIAN_URIS:-}" ]]; then
  uri=${EROFS_SHARE_DEBIAN_URIS%% *}
else
  # shellcheck source=lib/apt-uris.sh
  source "$(dirname "${BASH_SOURCE[0]}")/lib/apt-uris.sh"
  uri=$(machine_uris | head -n 1)
fi
[[ -n "$uri" ]] || die "found no 'bookworm' entry in the machine's apt sources to copy the archive URI from; set EROFS_SHARE_DEBIAN_URIS"

work=$(mktemp -d "$dir/.work.XXXXXX")
root="$work/root"
# Never remove a tree that still has something mounted in it.
cleanup() {
  if mountpoint -q "$root/proc" 2>/dev/null; then umount "$root/proc" || umount -l "$root/proc" || true; fi
  if mountpoint -q "$root/proc" 2>/dev/null; then
    log "warning: $root/proc is still mounted; leaving $work in place"
  else
    rm -rf --one-file-system "$work"
  fi
}
trap cleanup EXIT

start=$SECONDS
log "debootstrap --variant=minbase --include=$INCLUDE bookworm (log: $work/debootstrap.log)"
debootstrap --variant=minbase --include="$INCLUDE" bookworm "$root" "$uri" >"$work/debootstrap.log" 2>&1 ||
  { tail -n 20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }

# The machine's own apt may be told not to reject old Release files (a pinned snapshot
# mirror); the root reads the same archive, so it gets the same two settings.
{
  printf '// Copied from the machine that made this root (scripts/bookworm-root.sh).\n'
  for key in Acquire::Check-Valid-Until Acquire::Check-Date; do
    value=""
    eval "$(apt-config shell value "$key")"
    if [[ -n "$value" ]]; then printf '%s "%s";\n' "$key" "$value"; fi
  done
} >"$root/etc/apt/apt.conf.d/99erofs-share-machine"

mount -t proc proc "$root/proc"
log "apt-get update inside the root"
chroot "$root" apt-get -q update >"$work/update.log" 2>&1 || { cat "$work/update.log" >&2; die "apt-get update in the root failed"; }
chroot "$root" apt-get -q clean
umount "$root/proc"

log "packing $tarball"
tar -C "$root" --numeric-owner --xattrs -cf - . | zstd -q -T0 -3 -o "$tarball.tmp"
mv -f "$tarball.tmp" "$tarball"
log "made in $((SECONDS - start)) s ($(du -h "$tarball" | cut -f1))"
printf 'export EROFS_SHARE_BOOKWORM_ROOT=%q\n' "$tarball"
