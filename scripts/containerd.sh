#!/usr/bin/env bash
# containerd.sh - provide containerd >= 2.1 (containerd and ctr) for the tests
# that import images into a real containerd node with the EROFS snapshotter.
#
# Debian 12 has no containerd 2 package; Debian sid's `containerd` (a Go
# binary needing only libc6 >= 2.34) runs on Debian 12. This script:
#
#   1. Copies the archive URI(s) of the machine's bookworm entry from its own
#      apt sources into a PRIVATE apt setup under the cache dir (binary
#      packages of `sid`, override: EROFS_SHARE_DEBIAN_SUITES), signed by the
#      Debian archive keyring (scripts/lib/private-apt.sh). The machine's own
#      apt setup is never modified and nothing is installed system-wide.
#   2. `apt-get download`s the newest `containerd` the suites offer (must be
#      >= 2.1; apt checks its hash against the signed index) and `dpkg -x`es it
#      into $EROFS_SHARE_CACHE/containerd-<version>/.
#   3. Checks `containerd --version` and writes a stamp file; later runs reuse
#      the unpacked binaries without network.
#
# Output: `export CONTAINERD_BIN_DIR=...` and `export CONTAINERD_VERSION=...`
# on stdout (so `eval "$(bash scripts/containerd.sh)"` works); the same lines
# go to $EROFS_SHARE_CACHE/containerd.env. Progress goes to stderr.
#
# Env:
#   EROFS_SHARE_CACHE     cache dir  [${XDG_CACHE_HOME:-$HOME/.cache}/erofs-share]
#   EROFS_SHARE_REFRESH=1 ask the archive for a newer version even if cached
#   EROFS_SHARE_CONTAINERD_VERSION  download this Debian version instead
#   EROFS_SHARE_DEBIAN_SUITES  suites to search  [sid]
#   EROFS_SHARE_DEBIAN_URIS    archive URI(s) instead of the machine's
set -euo pipefail

MIN_VERSION=2.1
CACHE=${EROFS_SHARE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/erofs-share}
SUITES=${EROFS_SHARE_DEBIAN_SUITES:-sid}

log() { printf 'containerd: %s\n' "$*" >&2; }
die() { printf 'containerd: ERROR: %s\n' "$*" >&2; exit 1; }

for tool in apt-get apt-cache dpkg flock; do
  command -v "$tool" >/dev/null || die "'$tool' not found; run scripts/install-deps.sh first"
done

mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
exec 9>"$CACHE/.containerd.lock"
flock 9

version_ge() { dpkg --compare-versions "$1" ge "$2"; }
upstream_of() { local v=${1#*:}; printf '%s\n' "${v%-*}"; }

# verify PREFIX: containerd and ctr run and containerd reports >= MIN_VERSION.
verify() {
  local bin=$1/usr/bin v
  [[ -x "$bin/containerd" && -x "$bin/ctr" ]] || return 1
  v=$("$bin/containerd" --version 2>/dev/null | awk '{print $3}') || return 1
  v=${v#v}
  if [[ -z "$v" ]] || ! version_ge "$v" "$MIN_VERSION"; then
    log "$bin/containerd reports '$v', need >= $MIN_VERSION"
    return 1
  fi
  printf '%s\n' "$v"
}

finish() {
  local prefix=$1 v
  v=$(verify "$prefix") || die "$prefix does not hold a working containerd >= $MIN_VERSION"
  {
    printf 'export CONTAINERD_BIN_DIR=%q\n' "$prefix/usr/bin"
    printf 'export CONTAINERD_VERSION=%q\n' "$v"
  } >"$CACHE/containerd.env.tmp"
  mv -f "$CACHE/containerd.env.tmp" "$CACHE/containerd.env"
  cat "$CACHE/containerd.env"
  exit 0
}

newest_cached() {
  local d v best="" bestv=""
  for d in "$CACHE"/containerd-*/; do
    d=${d%/}
    [[ -f "$d/.erofs-share-complete" ]] || continue
    v=${d##*/containerd-}
    version_ge "$v" "$MIN_VERSION" || continue
    if [[ -z "$bestv" ]] || version_ge "$v" "$bestv"; then best=$d bestv=$v; fi
  done
  [[ -n "$best" ]] && printf '%s\n' "$best"
}

# fast path: a cached unpack, no network
if [[ "${EROFS_SHARE_REFRESH:-0}" != 1 ]]; then
  if [[ -n "${EROFS_SHARE_CONTAINERD_VERSION:-}" ]]; then
    want="$CACHE/containerd-$(upstream_of "$EROFS_SHARE_CONTAINERD_VERSION")"
    if [[ -f "$want/.erofs-share-complete" ]] &&
       grep -qxF "debian_version=$EROFS_SHARE_CONTAINERD_VERSION" "$want/.erofs-share-complete" &&
       verify "$want" >/dev/null; then
      finish "$want"
    fi
  elif prefix=$(newest_cached) && verify "$prefix" >/dev/null; then
    finish "$prefix"
  fi
fi

# shellcheck source=lib/private-apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/private-apt.sh"
# A directory of its own: the erofs-utils setup holds deb-src lists only.
private_apt_setup "$CACHE/apt-bin" deb "$SUITES"
log "binary suites '$SUITES' from the machine's archive URI(s)"
papt_update
update_log="$PAPT_DIR/update.log"

available=$( { papt_cache madison containerd 2>/dev/null || true; } |
             awk -F'|' '{gsub(/ /, "", $1); gsub(/ /, "", $2); if ($1 == "containerd") print $2}' | sort -u)
[[ -n "$available" ]] ||
  die "no containerd package found in suite(s) '$SUITES' (see $update_log); need containerd >= $MIN_VERSION"

debver=$(papt_pick_version containerd "$available" "${EROFS_SHARE_CONTAINERD_VERSION:-}" "$MIN_VERSION") || exit 1

upver=$(upstream_of "$debver")
PREFIX="$CACHE/containerd-$upver"
STAMP="$PREFIX/.erofs-share-complete"
if [[ -f "$STAMP" ]] && grep -qxF "debian_version=$debver" "$STAMP" && verify "$PREFIX" >/dev/null; then
  finish "$PREFIX"
fi

log "downloading containerd $debver (available: $(paste -sd ' ' <<<"$available"))"
DL="$CACHE/src/containerd-$debver"
rm -rf "$DL"
mkdir -p "$DL"
if [[ "$(id -u)" == 0 && $PAPT_SANDBOXED == 1 ]]; then
  chown _apt "$DL"   # the sandboxed downloader writes here
fi
(cd "$DL" && papt_get download "containerd=$debver" >download.log 2>&1) ||
  { cat "$DL/download.log" >&2; die "apt-get download containerd=$debver failed"; }
deb=$(find "$DL" -maxdepth 1 -name 'containerd_*.deb' | head -n 1)
[[ -n "$deb" ]] || die "apt-get download left no containerd_*.deb in $DL"

rm -rf "$PREFIX" "$PREFIX.tmp"
dpkg -x "$deb" "$PREFIX.tmp" || die "dpkg -x $deb failed"
mv "$PREFIX.tmp" "$PREFIX"
v=$(verify "$PREFIX") || die "the unpacked containerd $debver does not run or is older than $MIN_VERSION"
{
  echo "debian_version=$debver"
  echo "containerd_version=$v"
  echo "suites=$SUITES"
  echo "downloaded=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
} >"$STAMP"
rm -rf "$DL"
log "unpacked containerd $debver into $PREFIX"
finish "$PREFIX"
