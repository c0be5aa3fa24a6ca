#!/usr/bin/env bash
# inspect-vs-fsck.sh - benchmark `erofs-share inspect --digest` against
# `fsck.erofs --xattr-inode-digest` (erofs-utils >= 1.9) on the same image of
# real files, warm cache, in one run. Prints wall time, CPU time and peak RSS
# of each and the ratio. Not a test: numbers are for the release notes.
#
# The tree is a Debian bookworm minbase plus a compiler toolchain made with
# debootstrap (>= 1 GiB of real files), cached in $EROFS_SHARE_CACHE/bench.
# The archive URI is copied from the machine's own apt sources.
#
# Usage: tests/bench/inspect-vs-fsck.sh [MKFS_OPTIONS...]
#   e.g. tests/bench/inspect-vs-fsck.sh -zlz4hc,12
# Env: RUNS (default 3), BUILD_DIR (default build), EROFS_SHARE_CACHE.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=../../scripts/env.sh
source "$repo/scripts/env.sh" >/dev/null
# shellcheck source=../../scripts/lib/apt-uris.sh
source "$repo/scripts/lib/apt-uris.sh"

runs=${RUNS:-3}
bin="${BUILD_DIR:-$repo/build}/cli/erofs-share"
[[ -x "$bin" ]] || { echo "bench: build first ($bin missing)" >&2; exit 2; }
dir="$EROFS_SHARE_CACHE/bench"
tree="$dir/rootfs"
mkdir -p "$dir"

if [[ ! -f "$tree/.complete" ]]; then
  uri=$(machine_uris | head -n1)
  [[ -n "$uri" ]] || { echo "bench: no bookworm archive URI in the machine's apt sources" >&2; exit 2; }
  echo "bench: debootstrap bookworm minbase + toolchain into $tree (a few minutes, once)" >&2
  rm -rf "$tree"
  debootstrap --variant=minbase --include=clang-14,llvm-14-dev,g++-12,python3,perl \
    bookworm "$tree" "$uri" >"$dir/debootstrap.log" 2>&1
  touch "$tree/.complete"
fi
size=$(du -sb --exclude=proc --exclude=sys --exclude=dev "$tree" | cut -f1)
echo "tree: $((size / 1048576)) MiB of files" >&2

opts=("$@")
tag=$(printf '%s' "${opts[*]:-plain}" | tr -c 'A-Za-z0-9,' '_')
img="$dir/rootfs-$tag.erofs"
if [[ ! -f "$img" ]]; then
  echo "bench: mkfs.erofs ${opts[*]} --xattr-inode-digest" >&2
  "$MKFS_EROFS_19" -T0 --all-root "${opts[@]}" --xattr-inode-digest "$img.tmp" "$tree" >"$dir/mkfs-$tag.log" 2>&1
  mv "$img.tmp" "$img"
fi
echo "image: $img ($(($(stat -c %s "$img") / 1048576)) MiB)" >&2
cat "$img" >/dev/null  # warm cache

# measure NAME CMD...: prints "NAME wall user sys maxrss_kib" for each run.
measure() {
  local name=$1 i
  shift
  for ((i = 0; i < runs; i++)); do
    /usr/bin/time -f "$name %e %U %S %M" -o "$dir/time.out" "$@" >/dev/null 2>"$dir/$name.err" ||
      { echo "bench: $name failed:" >&2; tail -3 "$dir/$name.err" >&2; exit 1; }
    cat "$dir/time.out"
  done
}
{
  measure erofs-share "$bin" inspect --digest --format json "$img"
  measure fsck.erofs "$FSCK_EROFS_19" --xattr-inode-digest "$img"
} >"$dir/results.txt"

# Median wall time per tool, then the ratio.
awk -v img="$(basename "$img")" '
  { wall[$1] = wall[$1] " " $2; user[$1] = $3; sys[$1] = $4; if ($5 > rss[$1]) rss[$1] = $5 }
  function median(s,   a, n, i, j, t) {
    n = split(s, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return a[int((n + 1) / 2)]
  }
  END {
    printf "%-12s %10s %8s %8s %12s   (%s, median of runs)\n", "tool", "wall s", "user s", "sys s", "peak RSS", img
    for (t in wall) { m[t] = median(wall[t]); printf "%-12s %10.2f %8.2f %8.2f %9d KiB\n", t, m[t], user[t], sys[t], rss[t] }
    if (m["erofs-share"] > 0) printf "ratio: fsck.erofs / erofs-share = %.1fx\n", m["fsck.erofs"] / m["erofs-share"]
  }' "$dir/results.txt"
