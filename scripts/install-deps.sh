#!/usr/bin/env bash
# install-deps.sh - install the Debian 12 (bookworm) packages erofs-share needs
# to build, test and fuzz, plus what scripts/erofs-utils.sh needs to build
# erofs-utils >= 1.9 from Debian's source package.
#
# Idempotent: when every package is already installed (checked with
# dpkg-query) it returns at once without touching apt or the network.
# Otherwise it runs `apt-get update` once and installs the missing packages
# non-interactively. Needs root only when something is missing.
#
# Usage: bash scripts/install-deps.sh        (as root on a fresh Debian 12)
# Env:   EROFS_SHARE_SKIP_DEPS=1   do nothing (you manage packages yourself)
set -euo pipefail

log() { printf 'install-deps: %s\n' "$*" >&2; }

if [[ "${EROFS_SHARE_SKIP_DEPS:-0}" == 1 ]]; then
  log "EROFS_SHARE_SKIP_DEPS=1, skipping package checks"
  exit 0
fi

packages=(
  # toolchain and build system
  build-essential cmake pkg-config git clang libclang-rt-14-dev
  # libraries linked by erofs-share
  libcli11-dev nlohmann-json3-dev libssl-dev liblz4-dev liblzma-dev
  libzstd-dev libdeflate-dev libfmt-dev libarchive-dev libxxhash-dev libmimalloc-dev
  android-libsparse-dev libtomlplusplus-dev
  # test / benchmark frameworks
  libgtest-dev libbenchmark-dev
  # tools used by tests and scripts (erofs-utils = Debian 12's 1.5 tools,
  # time = GNU time for peak RSS, attr = setfattr/getfattr)
  erofs-utils attr acl python3 python3-jsonschema debootstrap time sqlite3 chromium
  # container tests: a real OCI tool to check the fixtures, zstd for tar+zstd layers
  skopeo zstd
  # shell completion tests: the generated zsh and fish scripts are loaded by those shells
  zsh fish
  # android inputs: img2simg/simg2img make and check sparse fixtures
  android-sdk-libsparse-utils
  # smoke: QEMU (TCG), a static busybox for the initramfs, xz for kernel modules
  qemu-system-x86 busybox-static xz-utils cpio
  # fetching + building erofs-utils >= 1.9 from Debian's source package
  # (apt-get source / dpkg-source need dpkg-dev; autogen.sh needs autotools;
  # configure's libraries: lz4/lzma/zlib/deflate/zstd/xxhash/uuid)
  dpkg-dev debian-archive-keyring autoconf automake libtool uuid-dev zlib1g-dev
  # static archives erofs-share links (EROFS_SHARE_STATIC_DEPS) beyond the -dev packages above
  libbz2-dev
)
# DuckDB for the merge.sql tests (scripts/duckdb.sh installs its npm package): Debian's nodejs
# and npm, unless a node and npm are already on PATH (e.g. a NodeSource nodejs, which bundles
# npm and conflicts with Debian's npm package).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  packages+=(nodejs npm)
fi

# Which of the packages are not (fully) installed? One dpkg-query call.
declare -A installed=()
while read -r status pkg; do
  [[ "$status" == ii* ]] && installed[$pkg]=1
done < <(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "${packages[@]}" 2>/dev/null || true)
missing=()
for p in "${packages[@]}"; do
  [[ -n "${installed[$p]:-}" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  log "all ${#packages[@]} packages already installed"
  exit 0
fi

if [[ "$(id -u)" != 0 ]]; then
  log "missing packages: ${missing[*]}"
  log "run this script as root (or install them yourself and set EROFS_SHARE_SKIP_DEPS=1)"
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
log "installing ${#missing[@]} missing package(s): ${missing[*]}"
log "apt-get update"
apt-get update -qq
# apt's progress goes to /dev/null; errors still reach stderr (minus the
# harmless debconf note about apt-utils).
set +o pipefail
apt-get install -y -qq --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
  "${missing[@]}" 2>&1 >/dev/null | { grep -v '^debconf: delaying package configuration' >&2 || true; }
rc=${PIPESTATUS[0]}
set -o pipefail
((rc == 0)) || { log "apt-get install failed (exit $rc)"; exit "$rc"; }
log "done"
