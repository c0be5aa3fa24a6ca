#!/usr/bin/env bash
# erofs-utils.sh - provide erofs-utils >= 1.9 (mkfs/fsck/dump.erofs) next to
# Debian 12's own erofs-utils 1.5, and tell callers where both are.
#
# Debian 12 ships erofs-utils 1.5, which cannot write the inode digest xattrs
# (`--xattr-inode-digest`) that Linux 7.0 inode page-cache sharing relies on.
# This script builds a newer one from Debian's OWN source package:
#
#   1. Copy the archive URI(s) of the machine's bookworm entry from its own
#      apt sources (/etc/apt/sources.list.d/*.sources, falling back to
#      one-line `deb URI bookworm ...` entries) into a PRIVATE apt setup under
#      the cache dir: deb-src for `sid` (override: EROFS_SHARE_DEBIAN_SUITES),
#      signed by the Debian archive keyring, own lists and cache dirs.
#      The machine's apt sources are never modified.
#   2. Pick the newest erofs-utils source version those suites offer
#      (must be >= 1.9), `apt-get source -d` it (signature + hash checked by
#      apt), `dpkg-source -x`, then autogen/configure/make/make install into
#      $EROFS_SHARE_CACHE/erofs-utils-<upstream version>/.
#   3. Verify that mkfs.erofs and fsck.erofs know `--xattr-inode-digest`,
#      then write a stamp file; later runs reuse the install without network.
#
# Output: `export VAR=value` lines on stdout (so `eval "$(bash
# scripts/erofs-utils.sh)"` works) for MKFS_EROFS_15 FSCK_EROFS_15
# DUMP_EROFS_15 (Debian 12's /usr/bin tools) and MKFS_EROFS_19 FSCK_EROFS_19
# DUMP_EROFS_19 (the built ones); the same lines go to $EROFS_SHARE_CACHE/env.
# All progress messages go to stderr.
#
# Env:
#   EROFS_SHARE_CACHE     cache dir  [${XDG_CACHE_HOME:-$HOME/.cache}/erofs-share]
#   EROFS_SHARE_REFRESH=1 ask the archive for a newer version even if a
#                         build is cached
#   EROFS_SHARE_EROFS_UTILS_VERSION   build this Debian version (e.g. 1.9.4-1)
#                         instead of the newest one
#   EROFS_SHARE_DEBIAN_SUITES  deb-src suites to search  [sid]
#   EROFS_SHARE_DEBIAN_URIS    archive URI(s) to use instead of the ones
#                         copied from the machine's apt sources
#   JOBS                  make parallelism  [nproc]
set -euo pipefail

MIN_VERSION=1.9
CACHE=${EROFS_SHARE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/erofs-share}
SUITES=${EROFS_SHARE_DEBIAN_SUITES:-sid}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}

log() { printf 'erofs-utils: %s\n' "$*" >&2; }
die() { printf 'erofs-utils: ERROR: %s\n' "$*" >&2; exit 1; }

for tool in apt-get apt-cache dpkg dpkg-source flock make; do
  command -v "$tool" >/dev/null || die "'$tool' not found; run scripts/install-deps.sh first"
done

mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)

# One build at a time per cache dir (e.g. two shells sourcing env.sh).
exec 9>"$CACHE/.erofs-utils.lock"
flock 9

# ---------------------------------------------------------------------------
# helpers

# version_ge A B: true if Debian version A >= B
version_ge() { dpkg --compare-versions "$1" ge "$2"; }

# upstream_of 1:1.9.4-1 -> 1.9.4 (strip epoch and Debian revision)
upstream_of() {
  local v=${1#*:}
  printf '%s\n' "${v%-*}"
}

# The six variables, as `export` lines.
env_lines() {
  local prefix=$1
  printf 'export MKFS_EROFS_15=%q\n' /usr/bin/mkfs.erofs
  printf 'export FSCK_EROFS_15=%q\n' /usr/bin/fsck.erofs
  printf 'export DUMP_EROFS_15=%q\n' /usr/bin/dump.erofs
  printf 'export MKFS_EROFS_19=%q\n' "$prefix/bin/mkfs.erofs"
  printf 'export FSCK_EROFS_19=%q\n' "$prefix/bin/fsck.erofs"
  printf 'export DUMP_EROFS_19=%q\n' "$prefix/bin/dump.erofs"
}

# verify_install PREFIX: the built tools exist and know --xattr-inode-digest.
verify_install() {
  local prefix=$1 t
  for t in mkfs.erofs fsck.erofs dump.erofs; do
    [[ -x "$prefix/bin/$t" ]] || { log "missing $prefix/bin/$t"; return 1; }
  done
  for t in mkfs.erofs fsck.erofs; do
    # --help may exit non-zero; only its text matters.
    if ! { "$prefix/bin/$t" --help 2>&1 || true; } | grep -q -- '--xattr-inode-digest'; then
      log "$prefix/bin/$t --help does not mention --xattr-inode-digest"
      return 1
    fi
  done
}

# finish PREFIX: write the env file, print the exports, exit.
finish() {
  local prefix=$1
  if [[ ! -x /usr/bin/mkfs.erofs ]]; then
    log "warning: /usr/bin/mkfs.erofs (Debian 12's erofs-utils 1.5) is not installed;"
    log "         *_EROFS_15 point at it anyway (run scripts/install-deps.sh)"
  fi
  env_lines "$prefix" >"$CACHE/env.tmp"
  mv -f "$CACHE/env.tmp" "$CACHE/env"
  cat "$CACHE/env"
  exit 0
}

# newest_cached: print the prefix of the newest complete install (>= MIN).
newest_cached() {
  local d v best="" bestv=""
  for d in "$CACHE"/erofs-utils-*/; do
    d=${d%/}
    [[ -f "$d/.erofs-share-complete" ]] || continue
    v=${d##*/erofs-utils-}
    version_ge "$v" "$MIN_VERSION" || continue
    if [[ -z "$bestv" ]] || version_ge "$v" "$bestv"; then best=$d bestv=$v; fi
  done
  [[ -n "$best" ]] && printf '%s\n' "$best"
}

# ---------------------------------------------------------------------------
# fast path: reuse a cached build without touching the network

if [[ "${EROFS_SHARE_REFRESH:-0}" != 1 ]]; then
  if [[ -n "${EROFS_SHARE_EROFS_UTILS_VERSION:-}" ]]; then
    want="$CACHE/erofs-utils-$(upstream_of "$EROFS_SHARE_EROFS_UTILS_VERSION")"
    if [[ -f "$want/.erofs-share-complete" ]] &&
       grep -qxF "debian_version=$EROFS_SHARE_EROFS_UTILS_VERSION" "$want/.erofs-share-complete" &&
       verify_install "$want"; then
      log "using cached $want"
      finish "$want"
    fi
  elif prefix=$(newest_cached) && verify_install "$prefix"; then
    log "using cached $prefix"
    finish "$prefix"
  fi
fi

# ---------------------------------------------------------------------------
# private apt configuration (never touches the machine's own apt setup)

# shellcheck source=lib/private-apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/private-apt.sh"

private_apt_setup "$CACHE/apt" deb-src "$SUITES"
log "deb-src suites '$SUITES' from the machine's archive URI(s)"
papt_update
update_log="$PAPT_DIR/update.log"

# ---------------------------------------------------------------------------
# pick the version

available=$( { papt_cache showsrc --only-source erofs-utils 2>/dev/null || true; } |
            awk '/^Package: /{p=$2} /^Version: /{if (p=="erofs-utils") print $2}' | sort -u)
if [[ -z "$available" ]]; then
  if grep -q 'NO_PUBKEY\|EXPKEYSIG' "$update_log"; then
    log "the suite's signing keys are not in $PAPT_KEYRING; a newer debian-archive-keyring"
    log "is needed (signature checks are NOT disabled by this script)"
  fi
  die "no erofs-utils source package found in suite(s) '$SUITES' (see $update_log); need erofs-utils >= $MIN_VERSION"
fi

debver=$(papt_pick_version erofs-utils "$available" "${EROFS_SHARE_EROFS_UTILS_VERSION:-}" "$MIN_VERSION" "try EROFS_SHARE_DEBIAN_SUITES='sid forky trixie-backports'") || exit 1

upver=$(upstream_of "$debver")
PREFIX="$CACHE/erofs-utils-$upver"
STAMP="$PREFIX/.erofs-share-complete"
if [[ -f "$STAMP" ]] && grep -qxF "debian_version=$debver" "$STAMP" && verify_install "$PREFIX"; then
  log "erofs-utils $debver already built in $PREFIX"
  finish "$PREFIX"
fi

# ---------------------------------------------------------------------------
# download, unpack, build, install

log "building erofs-utils $debver (available: $(paste -sd ' ' <<<"$available"))"
SRC="$CACHE/src/erofs-utils-$debver"
rm -rf "$SRC"
mkdir -p "$SRC"
if [[ "$(id -u)" == 0 && $PAPT_SANDBOXED == 1 ]]; then
  chown _apt "$SRC"   # the sandboxed downloader writes here
fi
(
  cd "$SRC"
  papt_get source --download-only "erofs-utils=$debver" >download.log 2>&1 ||
    { cat download.log >&2; exit 1; }
  # The .dsc's uploader signature cannot be checked without the (large)
  # debian-keyring package; integrity already comes from apt, which verified
  # every file's hash against the Sources index of the signed InRelease.
  dpkg-source -x "erofs-utils_${debver#*:}.dsc" tree >>download.log 2>&1 ||
    { cat download.log >&2; exit 1; }
)
chown -R "$(id -u)" "$SRC"

# Configure: the tools only. No FUSE, SELinux, S3/OCI (curl/openssl/xml/json),
# ublk/fanotify/libnl; compression and hashing libraries as Debian uses them.
CONFIGURE_FLAGS=(
  --prefix="$PREFIX"
  --enable-multithreading
  --enable-lz4 --enable-lzma
  --with-zlib --with-libdeflate --with-libzstd --with-xxhash --with-uuid
  --disable-fuse --without-selinux
  --disable-s3 --disable-oci --without-libcurl --without-openssl
  --without-libxml2 --without-json-c --without-libnl3
  --disable-ublk --disable-fanotify
)
build_log="$SRC/build.log"
log "autogen/configure/make -j$JOBS (log: $build_log)"
rm -rf "$PREFIX"
if ! (
  cd "$SRC/tree"
  ./autogen.sh
  ./configure "${CONFIGURE_FLAGS[@]}"
  make -j"$JOBS"
  make install
) >"$build_log" 2>&1; then
  tail -n 40 "$build_log" >&2
  die "building erofs-utils $debver failed (full log: $build_log)"
fi

verify_install "$PREFIX" || die "built erofs-utils $debver does not pass the --xattr-inode-digest check"
{
  echo "debian_version=$debver"
  echo "upstream_version=$upver"
  echo "suites=$SUITES"
  echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "mkfs_version=$("$PREFIX/bin/mkfs.erofs" --version 2>&1 | head -n 1)"
} >"$STAMP"
log "installed erofs-utils $debver into $PREFIX"
finish "$PREFIX"
