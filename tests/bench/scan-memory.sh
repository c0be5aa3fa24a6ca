#!/usr/bin/env bash
# scan-memory.sh - memory and time of `erofs-share scan` as the number of files grows (a
# benchmark for the fleet release note, not a test). A set of SET_IMAGES generated EROFS images
# of FILES files each (releases of one tree: 5% of the files change per release, the last image
# lz4hc-compressed) is scanned as 1x, 4x and 16x the set (each further copy of the set is the
# same images under other names, so the model sees 4x and 16x the files). For each run: files,
# wall time, peak anonymous RSS (private memory) and peak file-backed RSS (mapped image pages),
# sampled from /proc/PID/status every 10 ms, and anonymous bytes per file.
# Usage: tests/bench/scan-memory.sh      Env: BUILD_DIR (build), FILES (80000), SET_IMAGES (4),
#        SCALES ("1 4 16"), FORMAT (text), EROFS_SHARE_CACHE
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=../../scripts/env.sh
source "$repo/scripts/env.sh" >/dev/null
bin="${BUILD_DIR:-$repo/build}/cli/erofs-share"
[[ -x "$bin" ]] || { echo "scan-memory: build first ($bin missing)" >&2; exit 2; }
files=${FILES:-80000}
set_images=${SET_IMAGES:-4}
dir="$EROFS_SHARE_CACHE/bench/scan-memory-$files-$set_images"
mkdir -p "$dir"

# One release of the tree: the same shape every time (seed 1), 5% of the files changed (seed v).
gen() {
  python3 - "$1" "$files" "$2" <<'PY'
import os, random, sys
root, n, release = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
shape, change = random.Random(1), random.Random(release)
words = ["lib", "share", "python3", "dist-packages", "locale", "doc", "include", "x86_64-linux-gnu",
         "perl5", "icons", "hicolor", "scalable", "apps", "man", "site-packages", "node_modules",
         "zoneinfo", "firmware"]
dirs = []
for d in range(max(1, n // 40)):
    depth = shape.randint(2, 5)
    dirs.append("/".join(shape.choice(words) + (str(shape.randint(0, 99)) if k else "") for k in range(depth)) + f"/d{d}")
for d in dirs:
    os.makedirs(os.path.join(root, d), exist_ok=True)
for i in range(n):
    name = f"{shape.choice(words)}-{i}.{shape.choice(['so', 'py', 'txt', 'mo', 'gz', 'h'])}"
    size = min(int(shape.paretovariate(1.2) * 600), 200000)
    tag = release if change.random() < 0.05 else 0
    body = (b"%09d:%d|" % (i, tag)) * (size // 12 + 1)
    with open(os.path.join(root, dirs[i % len(dirs)], name), "wb") as f:
        f.write(body[:size])
PY
}
images=()
for ((v = 1; v <= set_images; ++v)); do
  img="$dir/release-$v.erofs"
  if [[ ! -f "$img" ]]; then
    rm -rf "$dir/tree"
    gen "$dir/tree" "$v"
    opts=(--xattr-inode-digest)
    ((v == set_images)) && opts+=(-zlz4hc)
    "$MKFS_EROFS_19" -T0 --all-root "${opts[@]}" "$img.tmp" "$dir/tree" >"$dir/mkfs.log" 2>&1
    mv "$img.tmp" "$img"
    rm -rf "$dir/tree"
  fi
  images+=("$img")
done

# peak PID: "anon_kib file_kib" peaks of a running process, sampled until it exits.
peak() {
  local pid=$1 anon=0 file=0 a f
  while kill -0 "$pid" 2>/dev/null; do
    read -r a f < <(awk '/^RssAnon/ {a=$2} /^RssFile/ {f=$2} END {print a+0, f+0}' "/proc/$pid/status" 2>/dev/null || echo "0 0")
    ((a > anon)) && anon=$a
    ((f > file)) && file=$f
    sleep 0.01
  done
  echo "$anon $file"
}

set_files=$("$bin" scan --no-progress --trust-fingerprints --format json "${images[@]}" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["totals"]["files"])')
printf '%-6s %10s %9s %12s %12s %10s\n' scale files wall_s anon_MiB file_MiB anon_B/file
for scale in ${SCALES:-1 4 16}; do
  inputs=()
  for ((k = 0; k < scale; ++k)); do
    for img in "${images[@]}"; do
      if ((k == 0)); then inputs+=("$img"); continue; fi
      link="$dir/copy-$k-$(basename "$img")"
      [[ -L "$link" ]] || ln -s "$(basename "$img")" "$link"
      inputs+=("$link")
    done
  done
  start=$(date +%s.%N)
  "$bin" scan --no-progress --format "${FORMAT:-text}" -o "$dir/report-$scale" "${inputs[@]}" &
  pid=$!
  read -r anon file < <(peak "$pid")
  wait "$pid"
  end=$(date +%s.%N)
  n=$((set_files * scale))
  awk -v s="$scale" -v n="$n" -v t0="$start" -v t1="$end" -v a="$anon" -v f="$file" \
    'BEGIN {printf "%-6s %10d %9.2f %12.1f %12.1f %10.0f\n", s"x", n, t1 - t0, a / 1024, f / 1024, a * 1024 / n}'
done
