#!/usr/bin/env bash
# debian-kernel.sh - provide a Debian cloud kernel (vmlinuz + its modules) for
# `erofs-share smoke`, cached, and tell callers where it is.
#
#   bash scripts/debian-kernel.sh             newest Debian cloud kernel >= 7.0
#                                             (inode page-cache sharing) from
#                                             the suites below
#   bash scripts/debian-kernel.sh --bookworm  Debian 12's own 6.1 cloud kernel,
#                                             from the machine's own apt sources
#                                             (a kernel WITHOUT inode_share)
#
# The >= 7.0 kernel comes from a PRIVATE apt setup under the cache dir (the
# archive URI(s) are copied from the machine's bookworm entry, see
# lib/private-apt.sh; signed by the Debian archive keyring; the machine's apt
# sources are never modified). `apt-get download` checks hashes and
# signatures. The 6.1 kernel is fetched with the machine's plain apt-get.
# The package is unpacked with dpkg-deb into
#
#   $EROFS_SHARE_CACHE/kernel/<kernel release>/vmlinuz
#   $EROFS_SHARE_CACHE/kernel/<kernel release>/modules/   (lib/modules/<release>,
#                                                          kernel/**/*.ko.xz)
#
# and a stamp file marks it complete; later runs use the cache without any
# network access (EROFS_SHARE_REFRESH=1 asks the archive for a newer one).
#
# Output: `export VAR=value` lines on stdout, so
#   eval "$(bash scripts/debian-kernel.sh)"
# sets EROFS_SHARE_KERNEL (the vmlinuz), EROFS_SHARE_MODULES (the modules
# directory) and EROFS_SHARE_KERNEL_RELEASE. Progress goes to stderr.
#
# Env:
#   EROFS_SHARE_CACHE          cache dir [${XDG_CACHE_HOME:-$HOME/.cache}/erofs-share]
#   EROFS_SHARE_REFRESH=1      look for a newer kernel even if one is cached
#   EROFS_SHARE_KERNEL_SUITES  suites to search for >= 7.0 [trixie-backports sid]
#   EROFS_SHARE_DEBIAN_URIS    archive URI(s) instead of the machine's own
set -euo pipefail

MIN_VERSION=7.0
CACHE=${EROFS_SHARE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/erofs-share}
SUITES=${EROFS_SHARE_KERNEL_SUITES:-trixie-backports sid}
MODE=new

log() { printf 'debian-kernel: %s\n' "$*" >&2; }
die() { printf 'debian-kernel: ERROR: %s\n' "$*" >&2; exit 1; }

case "${1:-}" in
  "") ;;
  --bookworm) MODE=bookworm ;;
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
  *) die "unknown argument '$1' (see --help)" ;;
esac

for tool in apt-get apt-cache dpkg dpkg-deb flock; do
  command -v "$tool" >/dev/null || die "'$tool' not found; run scripts/install-deps.sh first"
done

mkdir -p "$CACHE/kernel"
CACHE=$(cd "$CACHE" && pwd)
exec 9>"$CACHE/kernel/.lock"
flock 9

# kernel_release_of linux-image-7.2.13+deb14-cloud-amd64 -> 7.2.13+deb14-cloud-amd64
kernel_release_of() { printf '%s\n' "${1#linux-image-}"; }

# release_ok RELEASE: true if it belongs to the requested kind.
release_ok() {
  local base=${1%%[-+]*}
  if [[ $MODE == bookworm ]]; then
    [[ $base == 6.1.* ]]
  else
    dpkg --compare-versions "$base" ge "$MIN_VERSION"
  fi
}

finish() {
  local dir=$1 rel
  rel=${dir##*/}
  printf 'export EROFS_SHARE_KERNEL=%q\n' "$dir/vmlinuz"
  printf 'export EROFS_SHARE_MODULES=%q\n' "$dir/modules"
  printf 'export EROFS_SHARE_KERNEL_RELEASE=%q\n' "$rel"
  exit 0
}

# newest_cached: the newest complete cache entry of the requested kind.
newest_cached() {
  local d rel best=""
  for d in "$CACHE"/kernel/*/; do
    d=${d%/}
    [[ -f "$d/.erofs-share-complete" && -f "$d/vmlinuz" && -d "$d/modules/kernel" ]] || continue
    rel=${d##*/}
    release_ok "$rel" || continue
    if [[ -z "$best" ]] || dpkg --compare-versions "${rel%%-cloud*}" gt "${best##*/}"; then
      best=$d
    fi
  done
  [[ -n "$best" ]] && printf '%s\n' "$best"
}

if [[ "${EROFS_SHARE_REFRESH:-0}" != 1 ]] && dir=$(newest_cached); then
  log "using cached $dir"
  finish "$dir"
fi

# pick_package NAMES...: the newest linux-image-<release>-cloud-amd64 (not
# -dbg, not -unsigned) of the requested kind.
pick_package() {
  local name rel best="" bestrel=""
  while read -r name; do
    [[ $name =~ ^linux-image-[0-9][^[:space:]]*-cloud-amd64$ ]] || continue
    rel=$(kernel_release_of "$name")
    release_ok "$rel" || continue
    if [[ -z "$best" ]] || dpkg --compare-versions "${rel%-cloud-amd64}" gt "${bestrel%-cloud-amd64}"; then
      best=$name bestrel=$rel
    fi
  done
  [[ -n "$best" ]] && printf '%s\n' "$best"
}

work=$(mktemp -d "$CACHE/kernel/.work.XXXXXX")
trap 'rm -rf "$work"' EXIT
if [[ "$(id -u)" == 0 ]] && id _apt >/dev/null 2>&1; then
  chown _apt "$work"   # apt's sandboxed downloader writes here
fi

if [[ $MODE == bookworm ]]; then
  pkg=$(apt-cache pkgnames linux-image-6.1 | pick_package) ||
    die "the machine's apt lists offer no linux-image-6.1*-cloud-amd64 (run apt-get update)"
  log "downloading $pkg with the machine's apt-get"
  if ! (cd "$work" && apt-get -q download "$pkg" >download.log 2>&1) && [[ "$(id -u)" == 0 ]]; then
    # Stale lists name a file the archive no longer has: refresh them once and retry.
    log "download failed; running apt-get update once and retrying"
    apt-get -q update >"$work/update.log" 2>&1 || true
    pkg=$(apt-cache pkgnames linux-image-6.1 | pick_package) || die "no linux-image-6.1*-cloud-amd64 after apt-get update"
    (cd "$work" && apt-get -q download "$pkg" >download.log 2>&1) ||
      { cat "$work/download.log" >&2; die "apt-get download $pkg failed"; }
  fi
  [[ -n "$(ls "$work"/*.deb 2>/dev/null)" ]] || { cat "$work/download.log" >&2; die "apt-get download $pkg failed"; }
else
  # shellcheck source=lib/private-apt.sh
  source "$(dirname "${BASH_SOURCE[0]}")/lib/private-apt.sh"
  private_apt_setup "$CACHE/apt-kernel" deb "$SUITES"
  log "looking for a cloud kernel >= $MIN_VERSION in suite(s) '$SUITES'"
  papt_update
  pkg=$(papt_cache pkgnames linux-image- | pick_package) ||
    die "no linux-image-*-cloud-amd64 >= $MIN_VERSION in suite(s) '$SUITES' (see $PAPT_DIR/update.log)"
  # Newer Debian kernels split the image package: vmlinuz is in linux-binary-*
  # and the modules in linux-modules-*, both exact dependencies of it.
  rel=$(kernel_release_of "$pkg")
  pkgs=("$pkg")
  for extra in "linux-binary-$rel" "linux-modules-$rel"; do
    if papt_cache show "$extra" >/dev/null 2>&1; then pkgs+=("$extra"); fi
  done
  log "downloading ${pkgs[*]}"
  (cd "$work" && papt_get download "${pkgs[@]}" >download.log 2>&1) ||
    { cat "$work/download.log" >&2; die "apt-get download ${pkgs[*]} failed"; }
fi

rel=$(kernel_release_of "$pkg")
shopt -s nullglob
debs=("$work"/*.deb)
shopt -u nullglob
[[ ${#debs[@]} -gt 0 ]] || die "apt-get download left no .deb in $work"
for deb in "${debs[@]}"; do dpkg-deb -x "$deb" "$work/root"; done
deb=""
for d in "${debs[@]}"; do
  [[ -z "$deb" && ${d##*/} == linux-image-* ]] && deb=$d
done
[[ -n "$deb" ]] || deb=${debs[0]}
moddir=""
for d in "$work/root/usr/lib/modules/$rel" "$work/root/lib/modules/$rel"; do
  [[ -d "$d" ]] && moddir=$d
done
[[ -n "$moddir" ]] || die "$pkg has no modules for $rel"
vmlinuz=""
for f in "$work/root/boot/vmlinuz-$rel" "$moddir/vmlinuz"; do
  [[ -f "$f" ]] && vmlinuz=$f
done
[[ -n "$vmlinuz" ]] || die "$pkg has no vmlinuz for $rel"
mv "$vmlinuz" "$work/vmlinuz"

dest="$CACHE/kernel/$rel"
rm -rf "$dest"
mkdir -p "$dest"
mv "$work/vmlinuz" "$dest/vmlinuz"
mv "$moddir" "$dest/modules"
{
  echo "package=$pkg"
  echo "version=$(dpkg-deb -f "$deb" Version)"
  echo "fetched=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
} >"$dest/.erofs-share-complete"
log "installed $pkg into $dest"
finish "$dest"
