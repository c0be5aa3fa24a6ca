#!/usr/bin/env bash
# bench-scan.sh - the numbers for the scan release note (not a test), one run each, warm cache:
#   1. hashing scan of two root filesystem images vs `fsck.erofs --xattr-inode-digest` on each
#      image in turn (the only other tool that hashes every file),
#   2. `--trust-fingerprints` scan vs the hashing scan,
#   3. hashing throughput (--verify-all: every byte of every file) vs
#      `openssl speed -evp sha256 -multi NPROC` (16 KiB blocks),
#   4. peak RSS per million files (a generated image of many small files).
# The root filesystem tree is the debootstrap tree of tests/bench/inspect-vs-fsck.sh (run that
# once first); image 1 is all of it, image 2 leaves out /usr/lib/llvm-14 and /usr/lib/gcc (a
# sibling image: same base, another toolchain set). Both carry mkfs.erofs fingerprints.
# Scans are timed as the median of REPEAT interleaved rounds (default 9; see below), with the
# default text output.
# Usage: tests/scan/bench-scan.sh     Env: BUILD_DIR (build), EROFS_SHARE_CACHE, MANY (200000), REPEAT
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=../../scripts/env.sh
source "$repo/scripts/env.sh" >/dev/null
bin="${BUILD_DIR:-$repo/build}/cli/erofs-share"
[[ -x "$bin" ]] || { echo "bench-scan: build first ($bin missing)" >&2; exit 2; }
dir="$EROFS_SHARE_CACHE/bench"
tree="$dir/rootfs"
[[ -f "$tree/.complete" ]] || { echo "bench-scan: run tests/bench/inspect-vs-fsck.sh once (it makes $tree)" >&2; exit 2; }
out="$dir/scan"
mkdir -p "$out"
cpus=$(nproc)

img1="$out/rootfs-full.erofs"
img2="$out/rootfs-nollvm.erofs"
[[ -f "$img1" ]] || "$MKFS_EROFS_19" -T0 --all-root --xattr-inode-digest "$img1" "$tree" >"$out/mkfs1.log" 2>&1
[[ -f "$img2" ]] || "$MKFS_EROFS_19" -T0 --all-root --xattr-inode-digest \
  --exclude-regex='^usr/lib/(llvm-14|gcc)(/|$)' "$img2" "$tree" >"$out/mkfs2.log" 2>&1
many="$out/many.erofs"
n_many=${MANY:-200000}
if [[ ! -f "$many" ]]; then
  rm -rf "$out/many"
  python3 - "$out/many" "$n_many" <<'EOF'
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
r = random.Random(1)
for d in range(max(1, n // 500)):
    os.makedirs(f"{root}/d{d:04d}")
for i in range(n):
    size = r.randint(1, 3000)
    with open(f"{root}/d{i % max(1, n // 500):04d}/file-{i:07d}.txt", "wb") as f:
        f.write((b"%07d" % (i % (n // 4))) * (size // 7 + 1))
EOF
  "$MKFS_EROFS_19" -T0 --all-root --xattr-inode-digest "$many" "$out/many" >"$out/mkfs-many.log" 2>&1
  rm -rf "$out/many"
fi
# Warm cache, in one known state: each image is dropped from the page cache and read back, as
# the kernel reads a file from disk (readahead, large folios). Pages left by mkfs's small
# writes are 4 KiB folios, and mapping those costs far more: on this machine the metadata-only
# scan took 30-35 ms instead of 23-26, and hashing 78% of openssl's speed instead of 86-88%.
for f in "$img1" "$img2" "$many"; do
  python3 -c 'import os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)' "$f"
  cat "$f" >/dev/null
done

# t NAME CMD...: runs CMD once; prints "NAME wall user sys" in seconds to the millisecond (bash's
# time: a metadata-only scan takes tens of milliseconds, below what time(1) resolves).
t() {
  local name=$1 TIMEFORMAT='%3R %3U %3S' timing
  shift
  { timing=$({ time "$@" >"$out/$name.out" 2>"$out/$name.err"; } 2>&1); } ||
    { echo "bench-scan: $name failed:" >&2; tail -3 "$out/$name.err" >&2; exit 1; }
  echo "$name $timing"
}
# rss NAME CMD...: peak RSS of one run in KiB (time(1)).
rss() {
  local name=$1
  shift
  /usr/bin/time -f "%M" -o "$out/$name.rss" "$@" >"$out/$name.out" 2>"$out/$name.err" ||
    { echo "bench-scan: $name failed:" >&2; tail -3 "$out/$name.err" >&2; exit 1; }
  cat "$out/$name.rss"
}
# Each ratio compares runs made under the same conditions: REPEAT rounds (default 9), each
# running the hashing scan, the --trust-fingerprints scan, the --verify-all scan and one second
# of `openssl speed` once, in an order that changes from round to round (a run right after
# another one is slower, most after openssl's 2-core burst); every figure is the median of its
# runs (this machine's speed drifts by 10% within a minute). fsck.erofs takes seconds and runs
# once per image.
median() { sort -k2,2n | sed -n "$(((${REPEAT:-9} + 1) / 2))p"; }
# openssl speed on 16 KiB blocks, one second per run: "openssl <bytes per second>"
ossl_run() {
  echo "openssl $(openssl speed -evp sha256 -multi "$cpus" -seconds 1 -bytes 16384 2>/dev/null |
    awk '/^sha256/ { v = $NF } END { sub("k", "", v); print v * 1000 }')"
}
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg), $cpus cores" >&2
{
  # Timed runs write the default text report; the JSON runs after them give the figures.
  run_one() {
    case $1 in
      0) t scan "$bin" scan --no-progress "$img1" "$img2" ;;
      1) t trust "$bin" scan --no-progress --trust-fingerprints "$img1" "$img2" ;;
      2) t verify "$bin" scan --no-progress --verify-all "$img1" "$img2" ;;
      3) ossl_run ;;
    esac
  }
  orders=("0 1 2 3" "3 2 1 0" "1 3 0 2" "2 0 3 1")  # each command after each of the others
  for ((i = 0; i < ${REPEAT:-9}; i++)); do
    for k in ${orders[i % 4]}; do run_one "$k"; done
  done >"$out/rounds.txt"
  for name in scan trust verify openssl; do grep "^$name " "$out/rounds.txt" | median; done
  t fsck1 "$FSCK_EROFS_19" --xattr-inode-digest "$img1"
  t fsck2 "$FSCK_EROFS_19" --xattr-inode-digest "$img2"
} >"$out/results.txt"
many_rss=$(rss many "$bin" scan --no-progress --format json "$many")
"$bin" scan --no-progress --format json "$img1" "$img2" >"$out/scan.json"
"$bin" scan --no-progress --verify-all --format json "$img1" "$img2" >"$out/verify.json"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
ossl=$(awk '$1 == "openssl" { print $2 }' "$out/results.txt")
bytes=$(json "$out/verify.json" "d['totals']['data_bytes']")
files=$(json "$out/scan.json" "d['totals']['files']")
many_files=$(json "$out/many.out" "d['totals']['files']")
saved=$(json "$out/scan.json" "d['totals']['saved_percent_now']")

awk -v bytes="$bytes" -v ossl="$ossl" -v files="$files" -v many="$many_files" -v saved="$saved" -v many_rss="$many_rss" \
    -v i1="$(($(stat -c %s "$img1") >> 20))" -v i2="$(($(stat -c %s "$img2") >> 20))" '
  $1 == "openssl" { next }
  { wall[$1] = $2; user[$1] = $3; sys[$1] = $4 }
  END {
    printf "images: %d MiB + %d MiB, %d regular files, %.1f%% saved by sharing\n", i1, i2, files, saved
    printf "%-8s %8s %8s %8s\n", "run", "wall s", "user s", "sys s"
    for (k in wall) printf "%-8s %8.3f %8.3f %8.3f\n", k, wall[k], user[k], sys[k]
    fsck = wall["fsck1"] + wall["fsck2"]
    printf "hashing scan vs fsck.erofs on each image in turn: %.3f s vs %.2f s = %.1fx faster\n", wall["scan"], fsck, fsck / wall["scan"]
    printf "--trust-fingerprints vs hashing scan: %.3f s vs %.3f s = %.1fx faster\n", wall["trust"], wall["scan"], wall["scan"] / wall["trust"]
    printf "hashing throughput (--verify-all, %.0f bytes): %.0f MB/s = %.0f%% of openssl speed sha256 (%.0f MB/s)\n",
           bytes, bytes / wall["verify"] / 1e6, 100 * bytes / wall["verify"] / ossl, ossl / 1e6
    printf "peak RSS: %.0f MiB for %d files = %.0f MiB per million files\n", many_rss / 1024, many, many_rss / 1024 / many * 1e6
  }' "$out/results.txt"
