#!/usr/bin/env bash
# bench-tag.sh - the numbers for the tag release note (not a test), one run each, warm cache:
#   retrofit (`erofs-share tag IMG -o OUT`) of a real root filesystem image made by Debian 12's
#   mkfs.erofs 1.5 vs what users do without erofs-share: `fsck.erofs --extract` of the image
#   followed by `mkfs.erofs --xattr-inode-digest` (>= 1.9) of the extracted tree; bytes written
#   by the retrofit as a share of the image size; the sidecar's size.
# The tree is the debootstrap tree of tests/bench/inspect-vs-fsck.sh (run that once first).
# Usage: tests/tag/bench-tag.sh [MKFS_1.5_OPTIONS...]   Env: BUILD_DIR (build), EROFS_SHARE_CACHE
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=../../scripts/env.sh
source "$repo/scripts/env.sh" >/dev/null
bin="${BUILD_DIR:-$repo/build}/cli/erofs-share"
[[ -x "$bin" ]] || { echo "bench-tag: build first ($bin missing)" >&2; exit 2; }
dir="$EROFS_SHARE_CACHE/bench"
tree="$dir/rootfs"
[[ -f "$tree/.complete" ]] || { echo "bench-tag: run tests/bench/inspect-vs-fsck.sh once (it makes $tree)" >&2; exit 2; }
out="$dir/tag"
mkdir -p "$out"
opts=("$@")
name=$(printf '%s' "${opts[*]:-plain}" | tr -c 'A-Za-z0-9,' '_')
img="$out/rootfs15-$name.erofs"
[[ -f "$img" ]] || { "$MKFS_EROFS_15" -T0 --all-root "${opts[@]}" "$img.tmp" "$tree" >"$out/mkfs15.log" 2>&1 && mv "$img.tmp" "$img"; }
rm -rf "$out/extract" "$out/tagged.erofs" "$out/rebuilt.erofs" "$out/sidecar.erofs"
cat "$img" >/dev/null  # warm cache

# t NAME CMD...: runs CMD once; prints "NAME wall user sys maxrss_kib". Dirty pages of the
# step before are written back first, so that no step pays for another's writes.
t() {
  local name=$1
  shift
  sync
  /usr/bin/time -f "%e %U %S %M" -o "$out/time.out" "$@" >"$out/$name.out" 2>"$out/$name.err" ||
    { echo "bench-tag: $name failed:" >&2; tail -3 "$out/$name.err" >&2; exit 1; }
  echo "$name $(cat "$out/time.out")"
}
{
  t retrofit "$bin" tag -q "$img" -o "$out/tagged.erofs"
  mkdir "$out/extract"
  t extract "$FSCK_EROFS_19" --extract="$out/extract" "$img"
  t mkfs "$MKFS_EROFS_19" -T0 --all-root "${opts[@]}" --xattr-inode-digest "$out/rebuilt.erofs" "$out/extract"
  t sidecar "$bin" tag -q "$img" --sidecar "$out/sidecar.erofs"
} >"$out/results.txt"
"$bin" lint "$out/tagged.erofs" >/dev/null || { echo "bench-tag: the retrofitted image does not lint clean" >&2; exit 1; }
# Bytes the retrofit changed or appended: compare input and output.
changed=$(cmp -l "$img" "$out/tagged.erofs" 2>/dev/null | wc -l || true)
size_in=$(stat -c %s "$img") size_out=$(stat -c %s "$out/tagged.erofs") side=$(stat -c %s "$out/sidecar.erofs")
files=$("$bin" inspect --format json "$img" | grep -c '"type":"file"' || true)
awk -v isz="$size_in" -v osz="$size_out" -v changed="$changed" -v side="$side" -v files="$files" -v img="$(basename "$img")" '
  { wall[$1] = $2; user[$1] = $3; sys[$1] = $4; rss[$1] = $5 }
  END {
    printf "image: %s, %d MiB, %d regular-file paths (mkfs.erofs 1.5)\n", img, isz / 1048576, files
    printf "%-9s %8s %8s %8s %10s\n", "run", "wall s", "user s", "sys s", "peak KiB"
    split("retrofit extract mkfs sidecar", order, " ")
    for (i = 1; i <= 4; i++) { k = order[i]; printf "%-9s %8.2f %8.2f %8.2f %10d\n", k, wall[k], user[k], sys[k], rss[k] }
    base = wall["extract"] + wall["mkfs"]
    printf "retrofit vs fsck --extract + mkfs --xattr-inode-digest: %.2f s vs %.2f s = %.1fx faster\n", wall["retrofit"], base, base / wall["retrofit"]
    written = (osz - isz) + changed
    printf "bytes written by the retrofit: %.1f MiB appended + %d bytes changed in place = %.2f%% of the image\n", (osz - isz) / 1048576, changed, 100 * written / isz
    printf "sidecar: %.1f MiB = %.2f%% of the image\n", side / 1048576, 100 * side / isz
  }' "$out/results.txt"
rm -rf "$out/extract"
