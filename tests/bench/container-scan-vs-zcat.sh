#!/usr/bin/env bash
# container-scan-vs-zcat.sh - the number for the container release note (not a test): scanning a
# docker archive of gzip layers, `erofs-share scan --format json docker-archive:FILE`, against
# `zcat LAYER | sha256sum` over the same layers in turn (the least any tool that reads every file
# must do), warm cache, in one run; and the scan's peak RSS.
#
# The archive is made once and cached in $EROFS_SHARE_CACHE/bench/container-<MIB>: `docker save`
# form (manifest.json, the config with rootfs.diff_ids, layers named blobs/sha256/<digest>) with
# gzip layers, as `skopeo copy --dest-compress` writes them. Five layers of this machine's /usr
# (binaries and libraries, /usr/lib's other trees, /usr/share), one of incompressible data that
# also copies part of the first layer under another path, and a small top layer that replaces
# part of the second; the incompressible layer is sized so the gzip layers total >= MIB MiB.
#
# Timing: REPEAT rounds (default 5) each run the scan and the zcat loop once, the order
# alternating from round to round; each figure is the median of its runs (GNU time). BEFORE=BIN
# adds another erofs-share binary (e.g. the one before a change) to the same rounds.
# Usage: tests/bench/container-scan-vs-zcat.sh
# Env: MIB (1100), REPEAT (5), BEFORE, EROFS_SHARE (the binary; default BUILD_DIR/cli/erofs-share),
#      BUILD_DIR (build), EROFS_SHARE_CACHE, BENCH_DIR (the cache dir; ctest's smoke run,
#      bench/container-scan-vs-zcat-tiny, uses one in the build tree with MIB=8 REPEAT=1).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
if [[ -z "${EROFS_SHARE_CACHE:-}" && -z "${BENCH_DIR:-}" ]]; then
  # shellcheck source=../../scripts/env.sh
  source "$repo/scripts/env.sh" >/dev/null
fi
bin=${EROFS_SHARE:-"${BUILD_DIR:-$repo/build}/cli/erofs-share"}
[[ -x "$bin" ]] || { echo "bench: build first ($bin missing)" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "bench: GNU time (/usr/bin/time) is missing" >&2; exit 2; }
mib=${MIB:-1100}
repeat=${REPEAT:-5}
dir=${BENCH_DIR:-"$EROFS_SHARE_CACHE/bench/container-$mib"}
archive="$dir/image.tar"
mkdir -p "$dir"

# list NAME CAP_MIB DIR...: regular files and symlinks under / DIR..., in name order, until CAP MiB.
list() {
  local name=$1 cap=$(($2 * 1048576))
  shift 2
  (cd / && find "$@" \( -type f -o -type l \) -print0 2>/dev/null | sort -z |
    xargs -0 stat -c '%s %n' 2>/dev/null |
    awk -v cap="$cap" '{ s += $1; if (s <= cap) print substr($0, index($0, " ") + 1) }') >"$dir/$name.list"
}
# layer NAME TAR_ARGS...: the gzip layer NAME.gz (gzip -6, as docker and skopeo write them).
layer() {
  local name=$1
  shift
  tar -cf - --no-recursion --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 "$@" |
    gzip -6 >"$dir/$name.gz.tmp"
  mv "$dir/$name.gz.tmp" "$dir/$name.gz"
}
gz_total() { cat "$dir"/l?.gz 2>/dev/null | wc -c; }

if [[ ! -f "$dir/.complete" ]]; then
  echo "bench: making a docker archive of >= $mib MiB of gzip layers in $dir (minutes, once)" >&2
  rm -rf "$dir" && mkdir -p "$dir"
  list l1 $((mib * 3 / 2)) usr/bin usr/lib/x86_64-linux-gnu usr/include
  l2_dirs=()
  for d in /usr/lib/*; do [[ $d == /usr/lib/x86_64-linux-gnu ]] || l2_dirs+=("${d#/}"); done
  list l2 $((mib * 7 / 10)) "${l2_dirs[@]}"
  list l3 $((mib * 4 / 5)) usr/share
  list l5 $((mib / 20 + 1)) usr/libexec
  head -n "$(($(wc -l <"$dir/l2.list") / 10))" "$dir/l2.list" >>"$dir/l5.list"  # replaces part of l2
  head -n "$(($(wc -l <"$dir/l1.list") / 4))" "$dir/l1.list" >"$dir/l4-copies.list"
  layer l1 -C / -T "$dir/l1.list" &
  layer l2 -C / -T "$dir/l2.list" &
  wait
  layer l3 -C / -T "$dir/l3.list" &
  layer l5 -C / -T "$dir/l5.list" &
  wait
  # The incompressible layer: random files of 4 KiB to 64 MiB, filling up to MIB, plus a quarter
  # of l1's files again as opt/copy/... (the same contents in two layers).
  rest=$((mib * 1048576 - $(gz_total)))
  rnd=$((rest > mib * 1048576 / 5 ? rest : mib * 1048576 / 5))
  mkdir -p "$dir/l4/rnd"
  python3 - "$dir/l4/rnd" "$rnd" <<'EOF'
import os, random, sys
root, left = sys.argv[1], int(sys.argv[2])
r, i = random.Random(14), 0
while left > 0:
    n = min(left, r.choice([4096, 65536, 1 << 20, 8 << 20, 64 << 20]) + r.randrange(4096))
    with open(f"{root}/data-{i:04d}.bin", "wb") as f:
        f.write(os.urandom(n))
    left -= n
    i += 1
EOF
  (cd "$dir/l4" && find rnd -type f | sort) >"$dir/l4-rnd.list"
  layer l4 -C "$dir/l4" -T "$dir/l4-rnd.list" -C / --transform='s,^usr/,opt/copy/,' -T "$dir/l4-copies.list"
  rm -rf "$dir/l4"
  # docker save: manifest.json, the config (diff_ids: digests of the uncompressed tars), blobs.
  mkdir -p "$dir/a/blobs/sha256"
  layers="" diff_ids=""
  for l in l1 l2 l3 l4 l5; do
    d=$(sha256sum <"$dir/$l.gz" | cut -c1-64)
    ln -f "$dir/$l.gz" "$dir/a/blobs/sha256/$d"
    layers+="${layers:+,}\"blobs/sha256/$d\""
    diff_ids+="${diff_ids:+,}\"sha256:$(zcat "$dir/$l.gz" | sha256sum | cut -c1-64)\""
  done
  printf '{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":[%s]}}' \
    "$diff_ids" >"$dir/config.json"
  c=$(sha256sum <"$dir/config.json" | cut -c1-64)
  mv "$dir/config.json" "$dir/a/blobs/sha256/$c"
  printf '[{"Config":"blobs/sha256/%s","RepoTags":["bench:latest"],"Layers":[%s]}]' "$c" "$layers" \
    >"$dir/a/manifest.json"
  tar -cf "$archive.tmp" -C "$dir/a" --owner=0 --group=0 --numeric-owner manifest.json blobs
  mv "$archive.tmp" "$archive"
  rm -rf "$dir/a"
  touch "$dir/.complete"
fi
layers=("$dir"/l?.gz)
gz=$(gz_total)
raw=0
for l in "${layers[@]}"; do raw=$((raw + $(zcat "$l" | wc -c))); done  # also warms the cache
cat "$archive" >/dev/null

# measure NAME CMD...: one run; prints "NAME wall user sys maxrss_kib".
measure() {
  local name=$1
  shift
  /usr/bin/time -f "$name %e %U %S %M" -o "$dir/time.out" "$@" >"$dir/$name.out" 2>"$dir/$name.err" ||
    { echo "bench: $name failed:" >&2; tail -3 "$dir/$name.err" >&2; exit 1; }
  cat "$dir/time.out"
}
zcat_all() { for l in "$@"; do zcat "$l" | sha256sum; done; }
export -f zcat_all
run_one() {
  case $1 in
    scan) measure scan "$bin" scan --no-progress --format json "docker-archive:$archive" ;;
    before) measure before "$BEFORE" scan --no-progress --format json "docker-archive:$archive" ;;
    zcat) measure zcat bash -c 'zcat_all "$@"' zcat_all "${layers[@]}" ;;
  esac
}
names=(scan zcat)
[[ -n "${BEFORE:-}" ]] && names+=(before)
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores" >&2
for ((i = 0; i < repeat; i++)); do
  if ((i % 2 == 0)); then order=("${names[@]}"); else order=(); for ((k = ${#names[@]} - 1; k >= 0; k--)); do order+=("${names[k]}"); done; fi
  for n in "${order[@]}"; do run_one "$n"; done
done >"$dir/rounds.txt"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["totals"]["files"] > 0, "no files"' "$dir/scan.out"

awk -v gz="$gz" -v raw="$raw" -v n="${#layers[@]}" -v repeat="$repeat" '
  { wall[$1] = wall[$1] " " $2; user[$1] = user[$1] " " $3; sys[$1] = sys[$1] " " $4; if ($5 > rss[$1]) rss[$1] = $5 }
  function median(s,   a, k, i, j, t) {
    k = split(s, a, " ")
    for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return a[int((k + 1) / 2)]
  }
  END {
    printf "archive: %d gzip layers, %.0f MiB compressed, %.0f MiB uncompressed\n", n, gz / 1048576, raw / 1048576
    printf "%-8s %8s %8s %8s %12s   (median of %d interleaved rounds)\n", "run", "wall s", "user s", "sys s", "peak RSS", repeat
    for (t in wall) {
      m[t] = median(wall[t])
      printf "%-8s %8.2f %8.2f %8.2f %8.0f MiB\n", t, m[t], median(user[t]), median(sys[t]), rss[t] / 1024
    }
    if (m["scan"] > 0) printf "ratio: zcat | sha256sum / scan = %.2fx (%.0f MB/s of tar through the scan)\n", m["zcat"] / m["scan"], raw / m["scan"] / 1e6
    if (m["before"] > 0 && m["scan"] > 0) printf "ratio: before / scan = %.2fx\n", m["before"] / m["scan"]
  }' "$dir/rounds.txt"
