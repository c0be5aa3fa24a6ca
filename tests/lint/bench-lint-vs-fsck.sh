#!/usr/bin/env bash
# bench-lint-vs-fsck.sh - benchmark `erofs-share lint` (fingerprints verified against content,
# the default) against `fsck.erofs --xattr-inode-digest` (erofs-utils >= 1.9) on the same image,
# warm cache. Prints wall, user and system time and peak RSS of each, and the wall-time ratio.
# Not a test (not registered with CTest): numbers are for the closing note.
#
# Usage: tests/lint/bench-lint-vs-fsck.sh [IMAGE]
#   IMAGE defaults to the >= 1 GiB debootstrap image tests/bench/inspect-vs-fsck.sh builds
#   ($EROFS_SHARE_CACHE/bench/plain.erofs, mkfs.erofs --xattr-inode-digest).
# Env: RUNS (default 1), BUILD_DIR (default build), FSCK_EROFS_19.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cache=${EROFS_SHARE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/erofs-share}
img=${1:-$cache/bench/plain.erofs}
bin=${BUILD_DIR:-$repo/build}/cli/erofs-share
runs=${RUNS:-1}
: "${FSCK_EROFS_19:?set FSCK_EROFS_19 (source \$HOME/.cache/erofs-share/env)}"
[[ -x "$bin" ]] || { echo "bench: build first ($bin missing)" >&2; exit 2; }
[[ -f "$img" ]] || { echo "bench: no image $img (run tests/bench/inspect-vs-fsck.sh once)" >&2; exit 2; }
echo "image: $img ($(($(stat -c %s "$img") / 1048576)) MiB), $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
cat "$img" >/dev/null  # warm cache for both

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# measure NAME CMD...: runs CMD $runs times; prints the fastest "wall user sys maxrss".
measure() {
  local name=$1 i best=
  shift
  for ((i = 0; i < runs; i++)); do
    /usr/bin/time -f "%e %U %S %M" -o "$out/time" "$@" >"$out/$name.out" 2>"$out/$name.err" ||
      { echo "bench: $name failed:" >&2; tail -3 "$out/$name.err" "$out/$name.out" >&2; exit 1; }
    if [[ -z "$best" ]] || awk -v a="$(cut -d' ' -f1 "$out/time")" -v b="${best%% *}" 'BEGIN { exit !(a < b) }'; then
      best=$(cat "$out/time")
    fi
  done
  read -r wall user sys rss <<<"$best"
  printf '%-32s wall %7.2f s  user %7.2f s  sys %6.2f s  max RSS %7d KiB\n' "$name" "$wall" "$user" "$sys" "$rss"
  echo "$wall" >"$out/$name.wall"
}
measure "fsck.erofs --xattr-inode-digest" "$FSCK_EROFS_19" --xattr-inode-digest "$img"
measure "erofs-share lint" "$bin" lint "$img"
measure "erofs-share lint --jobs 1" "$bin" lint --jobs 1 "$img"
measure "erofs-share lint --no-verify" "$bin" lint --no-verify "$img"
tail -n 2 "$out/erofs-share lint.out"
awk -v f="$(cat "$out/fsck.erofs --xattr-inode-digest.wall")" -v l="$(cat "$out/erofs-share lint.wall")" \
  -v s="$(cat "$out/erofs-share lint --jobs 1.wall")" \
  'BEGIN { printf "ratio fsck/lint: %.1fx (one thread: %.1fx)\n", f / l, f / s }'
