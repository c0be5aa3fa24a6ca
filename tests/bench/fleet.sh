#!/usr/bin/env bash
# fleet.sh - the fleet benchmark of issue 15 (not a test): a synthetic fleet of IMAGES EROFS
# images, scanned directly (`erofs-share scan` of all images at once) against one
# `scan --manifest-out` job per image plus the merge of the manifests by share/scan/merge.sql on
# DuckDB (scripts/duckdb.sh) and on sqlite3, and by `erofs-share scan` itself. Reports wall time,
# peak anonymous RSS and peak file-backed RSS (RssAnon/RssFile sampled from /proc/PID/status
# every 20 ms; a process shorter than that shows 0) and checks all merges agree with the direct
# scan's totals.
#
# The fleet (cached in $EROFS_SHARE_CACHE/bench/fleet-<IMAGES>-<BASE_MIB>-v2): a base tree of about
# BASE_MIB MiB of files < 512 KiB of this machine's /usr (a debootstrap tree if $EROFS_SHARE_CACHE/bench/rootfs
# exists), and per "release" i a copy in which 2% of the files (a different slice each release)
# are rewritten; every third image is compressed (-zlz4hc), and image i is mounted in domain
# d<i mod 4>. Images are built by mkfs.erofs >= 1.9 with --xattr-inode-digest.
# Usage: tests/bench/fleet.sh        Env: IMAGES (100), BASE_MIB (40), EROFS_SHARE, BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=../../scripts/env.sh
source "$repo/scripts/env.sh" >/dev/null
bin=${EROFS_SHARE:-"$BUILD_DIR/cli/erofs-share"}
[[ -x "$bin" ]] || { echo "fleet: build first ($bin missing)" >&2; exit 2; }
[[ -n "${DUCKDB_NODE_MODULES:-}" ]] || { echo "fleet: no DuckDB (scripts/duckdb.sh)" >&2; exit 2; }
images=${IMAGES:-100}
base_mib=${BASE_MIB:-40}
dir="$EROFS_SHARE_CACHE/bench/fleet-$images-$base_mib-v2"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [[ ! -f "$dir/.complete" ]]; then
  echo "fleet: building $images images in $dir (once)" >&2
  rm -rf "$dir" && mkdir -p "$dir/images" "$dir/base"
  src=/usr
  [[ -d "$EROFS_SHARE_CACHE/bench/rootfs/usr" ]] && src="$EROFS_SHARE_CACHE/bench/rootfs/usr"
  (cd "$src" && find share lib bin -type f -size -512k -print0 2>/dev/null | sort -z |
    xargs -0 stat -c '%s %n' 2>/dev/null |
    awk -v cap=$((base_mib * 1048576)) '{ s += $1; if (s <= cap) print substr($0, index($0, " ") + 1) }') >"$dir/base.list"
  tar -C "$src" -cf - --no-recursion -T "$dir/base.list" 2>/dev/null | tar -C "$dir/base" -xf -
  nfiles=$(wc -l <"$dir/base.list")
  for ((i = 0; i < images; i++)); do
    rel="$work/rel"
    rm -rf "$rel" && cp -al "$dir/base" "$rel"
    # release i rewrites 2% of the files: those of its own slice of the list
    awk -v n="$nfiles" -v i="$i" 'NR % 50 == i % 50 && NR > 0' "$dir/base.list" | while read -r f; do
      rm -f "$rel/$f" && { cat "$dir/base/$f"; echo "release $i"; } >"$rel/$f" 2>/dev/null || true
    done
    opts=(--xattr-inode-digest)
    ((i % 3 == 2)) && opts+=(-zlz4hc)
    "$MKFS_EROFS_19" -T0 --all-root "${opts[@]}" "$dir/images/img-$(printf %04d "$i").erofs" "$rel" >/dev/null 2>&1
  done
  rm -rf "$work/rel"
  touch "$dir/.complete"
fi

cd "$dir"
mapfile -t imgs < <(LC_ALL=C ls images/*.erofs)
domains=()
for ((i = 0; i < ${#imgs[@]}; i++)); do domains+=(--domain "${imgs[i]}=d$((i % 4))"); done

# measure OUT CMD...: run CMD, print "seconds peak_anon_kib peak_file_kib" (sampled).
measure() {
  local out=$1 start end pid anon=0 file=0 a f
  shift
  start=$(date +%s.%N)
  "$@" >"$out" &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    if read -r a f < <(awk '/^RssAnon/ {a=$2} /^RssFile/ {f=$2} END {print a+0, f+0}' "/proc/$pid/status" 2>/dev/null); then
      ((a > anon)) && anon=$a
      ((f > file)) && file=$f
    fi
    sleep 0.02
  done
  wait "$pid"
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" -v a="$anon" -v f="$file" 'BEGIN { printf "%.2f %d %d\n", e - s, a, f }'
}
row() { printf '%-44s %8s s %10s KiB %10s KiB\n' "$@"; }

files=$(for i in "${imgs[@]}"; do "$DUMP_EROFS_19" -s "$i" 2>/dev/null | awk '/Filesystem inode count/ {print $NF}'; done | awk '{ s += $1 } END { print s }')
echo "fleet: ${#imgs[@]} images, $(du -sm images | cut -f1) MiB, about $files inodes (dump.erofs)"
row "what" "wall" "peak anon" "peak file"
read -r s a f < <(measure "$work/direct.json" "$bin" scan --no-progress --format json "${domains[@]}" "${imgs[@]}")
row "direct scan of all images" "$s" "$a" "$f"

rm -rf "$work/manifests"
total=0 maxa=0 maxf=0
for img in "${imgs[@]}"; do
  read -r s a f < <(measure /dev/null "$bin" scan --no-progress --manifest-out "$work/manifests" "$img")
  total=$(awk -v t="$total" -v s="$s" 'BEGIN { print t + s }'); ((a > maxa)) && maxa=$a; ((f > maxf)) && maxf=$f
done
row "manifest jobs (sum of ${#imgs[@]}; peak of one)" "$(printf %.2f "$total")" "$maxa" "$maxf"

mdomains=()
for ((i = 0; i < ${#imgs[@]}; i++)); do
  mdomains+=(--domain "$work/manifests/${imgs[i]#images/}.ndjson=d$((i % 4))")
done
mapfile -t mans < <(LC_ALL=C ls "$work"/manifests/*.ndjson)
read -r s a f < <(measure "$work/merged.json" "$bin" scan --no-progress --format json "${mdomains[@]}" "${mans[@]}")
row "merge: erofs-share scan of the manifests" "$s" "$a" "$f"

cols="{input: 'VARCHAR', path: 'VARCHAR', size: 'BIGINT', class: 'VARCHAR', fingerprint: 'VARCHAR', fingerprint_value: 'VARCHAR', sha256: 'VARCHAR'}"
cat >"$work/duck.sql" <<SQL
CREATE TABLE m AS SELECT * FROM read_ndjson('$work/manifests/*.ndjson', filename = true, columns = $cols);
CREATE VIEW files AS SELECT * FROM m WHERE path IS NOT NULL;
CREATE VIEW inputs AS SELECT input, row_number() OVER (ORDER BY filename) - 1 AS position,
  'd' || ((row_number() OVER (ORDER BY filename) - 1) % 4) AS domain, 'block' AS mount_mode FROM m WHERE path IS NULL;
CREATE VIEW params AS SELECT 4096 AS page_size;
SQL
export NODE_PATH=$DUCKDB_NODE_MODULES
read -r s a f < <(measure "$work/duck.json" node "$repo/tests/scan/duckdb_run.mjs" "$work/duck.sql" "$repo/share/scan/merge.sql")
row "merge: merge.sql on DuckDB (NDJSON)" "$s" "$a" "$f"

cat >"$work/sqlite.sql" <<SQL
CREATE TABLE m AS SELECT d.name AS manifest, j.value AS line FROM fsdir('$work/manifests') AS d,
  json_each('[' || replace(rtrim(CAST(d.data AS TEXT), char(10)), char(10), ',') || ']') AS j WHERE d.name LIKE '%.ndjson';
CREATE TABLE files AS SELECT line->>'input' AS input, line->>'path' AS path, line->>'size' AS size, line->>'class' AS class,
  line->>'fingerprint' AS fingerprint, line->>'fingerprint_value' AS fingerprint_value, line->>'sha256' AS sha256
  FROM m WHERE line->>'path' IS NOT NULL;
CREATE TABLE inputs AS SELECT line->>'input' AS input, row_number() OVER (ORDER BY manifest) - 1 AS position,
  'd' || ((row_number() OVER (ORDER BY manifest) - 1) % 4) AS domain, 'block' AS mount_mode FROM m WHERE line->>'path' IS NULL;
DROP TABLE m;
CREATE TABLE params AS SELECT 4096 AS page_size;
.mode json
.read $repo/share/scan/merge.sql
SQL
read -r s a f < <(measure "$work/sqlite.json" sqlite3 :memory: -init /dev/null -cmd ".read $work/sqlite.sql" .quit)
row "merge: merge.sql on sqlite3" "$s" "$a" "$f"

python3 - "$work" <<'EOF'
import json, sys
w = sys.argv[1]
d = json.load(open(f"{w}/direct.json"))["totals"]
m = json.load(open(f"{w}/merged.json"))["totals"]
keys = ["cache_bytes_without_sharing", "cache_bytes_now", "cache_bytes_if_tagged", "saved_bytes_now", "saved_bytes_if_tagged"]
for eng in ("duck", "sqlite"):
    t = [r for r in json.load(open(f"{w}/{eng}.json")) if int(r["position"]) == -1][0]
    bad = [k for k in keys if int(t[k]) != d[k]]
    print(f"fleet: {eng}: {'totals equal the direct scan' if not bad else 'DIFFERS in ' + str(bad)}")
print(f"fleet: erofs-share merge: {'totals equal' if m == d else 'DIFFERS'}; direct totals {[d[k] for k in keys]}")
EOF
