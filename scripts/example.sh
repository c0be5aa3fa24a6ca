#!/usr/bin/env bash
# example.sh - a small end-to-end demo of erofs-share (README command a).
#
# 1. source scripts/env.sh (packages + erofs-utils >= 1.9, cached after the
#    first run),
# 2. build the erofs-share CLI (RelWithDebInfo) into $BUILD_DIR (build/),
# 3. generate two "builds" of a tiny root tree in a temp dir: they share most
#    files byte for byte (a library, a binary, a doc file, a symlink, a
#    subdirectory) and differ in two files,
# 4. make one EROFS image per build with `mkfs.erofs --xattr-inode-digest`
#    (erofs-utils >= 1.9), so every regular file carries its content digest,
# 5. run `erofs-share inspect --digest` on both images.
# Identical files show the same digest in both images: those are the inodes
# Linux 7.0 can share in the page cache. The temp dir is removed on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

# shellcheck source=scripts/env.sh
source scripts/env.sh
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}

echo "==== building erofs-share into $BUILD_DIR"
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" -j "$JOBS" --target erofs-share
CLI="$BUILD_DIR/cli/erofs-share"
[[ -x "$CLI" ]] || { echo "example.sh: $CLI was not built" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/erofs-share-example.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# fill FILE BYTES SEED: deterministic file content derived from SEED.
fill() {
  mkdir -p "$(dirname "$1")"
  { yes "$3" || true; } | head -c "$2" >"$1"   # yes dies of SIGPIPE
}

# make_tree DIR BUILD_NO: the base tree plus what differs per build.
make_tree() {
  local d=$1 n=$2
  # shared between both builds, byte for byte
  fill "$d/usr/lib/libshared.so.1" 98304 "shared library v1"
  ln -s libshared.so.1 "$d/usr/lib/libshared.so"
  fill "$d/usr/bin/tool" 40960 "tool binary v1"
  fill "$d/usr/share/doc/tool/README" 1200 "Read me. Nothing changes here."
  # different in each build
  fill "$d/usr/lib/libchanged.so.1" 49152 "changed library, build $n"
  mkdir -p "$d/etc"
  printf 'BUILD_ID=%s\n' "$n" >"$d/etc/build-info"
}

echo "==== generating two builds of a small tree and their images (mkfs.erofs from $MKFS_EROFS_19)"
for n in 1 2; do
  make_tree "$WORK/build$n" "$n"
  # A fixed timestamp, owner and UUID keep the images reproducible.
  "$MKFS_EROFS_19" --quiet --xattr-inode-digest -T0 --all-root \
    -U "00000000-0000-4000-8000-00000000000$n" \
    "$WORK/build$n.erofs" "$WORK/build$n"
  "$FSCK_EROFS_19" --xattr-inode-digest "$WORK/build$n.erofs"
done

for n in 1 2; do
  echo
  echo "==== erofs-share inspect --digest build$n.erofs"
  "$CLI" inspect --digest "$WORK/build$n.erofs"
done

echo
echo "==== a third build without fingerprints (Debian 12's mkfs.erofs 1.5) and a compressed one"
make_tree "$WORK/build3" 3
"$MKFS_EROFS_15" -T0 --all-root -U 00000000-0000-4000-8000-000000000003 \
  "$WORK/build3-untagged.erofs" "$WORK/build3" >/dev/null
"$MKFS_EROFS_19" --quiet --xattr-inode-digest -zlz4hc -T0 --all-root \
  -U 00000000-0000-4000-8000-000000000004 "$WORK/build1-lz4hc.erofs" "$WORK/build1"

# The main job: what would page-cache sharing save across these images, and what blocks the
# rest? The untagged image would share once tagged; the compressed copy is blocked (its
# I/O class differs from the uncompressed copies met first).
echo
echo "==== erofs-share scan build1.erofs build2.erofs build3-untagged.erofs build1-lz4hc.erofs"
"$CLI" scan "$WORK/build1.erofs" "$WORK/build2.erofs" "$WORK/build3-untagged.erofs" "$WORK/build1-lz4hc.erofs"

echo
echo "==== erofs-share lint build1.erofs build2.erofs"
"$CLI" lint "$WORK/build1.erofs" "$WORK/build2.erofs"
