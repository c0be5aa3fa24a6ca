#!/bin/bash
# run_fuzz.sh FUZZER WORKDIR SECONDS [SEEDS]
# Builds a seed corpus, then runs the libFuzzer binary for SECONDS. SEEDS "images" (default):
# images made with the real mkfs.erofs 1.5 and >= 1.9 (MKFS_EROFS_15 / MKFS_EROFS_19; fails if
# they are unset) from a small generated tree; "container": container_seeds.py's layers and OCI
# and docker archives; "android": android_seeds.py's super.img, sparse image and zip. The fuzzer runs
# SECONDS with libFuzzer seed FUZZ_SEED (default 1, so CI runs explore alike). Exits non-zero
# on any crash, sanitizer report, timeout or out-of-memory.
set -euo pipefail
fuzzer=$1 work=$2 seconds=${3:-60} seeds=${4:-images}

rm -rf "$work"
mkdir -p "$work/seeds" "$work/corpus" "$work/artifacts"
run() {
  ls -l "$work/seeds"
  set +e
  "$fuzzer" -seed="${FUZZ_SEED:-1}" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" "$work/corpus" "$work/seeds" 2>&1 | tail -n 40
  status=${PIPESTATUS[0]}
  set -e
  if [[ $status -ne 0 ]]; then
    echo "run_fuzz.sh: FAIL: the fuzzer exited with $status; reproducer(s) in $work/artifacts:" >&2
    ls -l "$work/artifacts" >&2
    exit 1
  fi
  echo "run_fuzz.sh: no crash in ${seconds}s"
  exit 0
}
if [[ $seeds == android ]]; then
  python3 "$(dirname "$0")/android_seeds.py" "$work/seeds"
  run
fi
if [[ $seeds == container ]]; then
  python3 "$(dirname "$0")/container_seeds.py" "$work/seeds"
  run
fi

for var in MKFS_EROFS_15 MKFS_EROFS_19; do
  if [[ -z "${!var:-}" ]]; then
    echo "run_fuzz.sh: FAIL: $var is not set (source scripts/env.sh): the seed corpus is built with it" >&2
    exit 1
  fi
  if [[ ! -x "${!var}" ]]; then
    echo "run_fuzz.sh: FAIL: $var=${!var} is not executable" >&2
    exit 1
  fi
done

mkdir -p "$work/tree"
t=$work/tree
printf 'hello\n' > "$t/small"
head -c 5000 /dev/zero | tr '\0' 'a' > "$t/two-blocks"
head -c 600 /dev/zero | tr '\0' 'b' > "$t/bs512-plus"
seq 1 3000 > "$t/text"
: > "$t/empty"
ln "$t/small" "$t/hard"
ln -s small "$t/link"
ln -s "$(printf 'd/%.0s' $(seq 1 100))x" "$t/long-link"
mkdir -p "$t/dir/sub" "$t/xattr"
for i in $(seq 1 40); do printf '%d' "$i" > "$t/dir/f$i"; done
mkfifo "$t/dir/fifo"
mknod "$t/dir/null" c 1 3 2>/dev/null || echo "run_fuzz.sh: warning: no device node in the seeds" >&2
for f in a b c; do
  printf '%s\n' "$f" > "$t/xattr/$f"
  setfattr -n user.shared -v same "$t/xattr/$f" 2>/dev/null || true
  setfattr -n trusted.overlay.opaque -v y "$t/xattr/$f" 2>/dev/null || true
done
setfattr -n user.only -v "$(printf 'v%.0s' $(seq 1 80))" "$t/xattr/a" 2>/dev/null || true

common=(--quiet -T0 -U 6e8b4a3e-1b2c-4d5e-8f90-a1b2c3d4e5f6 --all-root)
mk() {  # mk TOOL NAME FLAGS...
  local tool=$1 name=$2
  shift 2
  if ! "$tool" "${common[@]}" "$@" "$work/seeds/$name.erofs" "$t" > "$work/$name.mkfs.log" 2>&1; then
    echo "run_fuzz.sh: FAIL: $tool $* failed:" >&2
    cat "$work/$name.mkfs.log" >&2
    exit 1
  fi
}
mk "$MKFS_EROFS_15" 15-default -x1
mk "$MKFS_EROFS_15" 15-chunk --chunksize=4096 -Eforce-chunk-indexes
mk "$MKFS_EROFS_19" 19-512-digest -b512 -x1 --xattr-inode-digest --xattr-prefix=trusted.overlay.
mk "$MKFS_EROFS_19" 19-512-chunk -b512 --chunksize=1024 -Enoinline_data -Eforce-inode-extended
mk "$MKFS_EROFS_15" 15-lz4hc -zlz4hc
mk "$MKFS_EROFS_19" 19-512-lzma-frag -b512 -zlzma -Eztailpacking,fragments,dedupe
mk "$MKFS_EROFS_19" 19-512-zstd-dirs -b512 -zzstd --zD
run
