#!/bin/bash
# Images made by mkfs.erofs >= 1.9 --xattr-inode-digest lint clean: no finding at all, exit 0,
# every fingerprint verified, across layouts, compressors, block sizes, shared xattrs, tar
# input and fingerprint names. fsck.erofs --xattr-inode-digest agrees on each (except
# metabox images, where fsck.erofs 1.9.4 reports a false "digest MISMATCH" for inline files;
# there lint's digests are checked against sha256sum of the source files instead).
. "$(dirname "$0")/common.sh"
need_fsck

src=$t/src
make_lint_tree "$src"
seq 1 200000 >"$src/big.txt"                 # compressible, several pclusters
cp "$src/big.txt" "$src/sub/dup.txt"          # identical content (dedupe, fragments)
data "$src/rnd" 300000 7                      # incompressible
truncate -s 3M "$src/sparse"                  # holes around a little data
printf 'data' | dd of="$src/sparse" bs=1 seek=1000000 conv=notrunc 2>/dev/null
for f in a b c big.txt rnd; do                # the same xattr on many files: -x shares it
  "$PYTHON3" -c 'import os, sys; os.setxattr(sys.argv[1], "user.note", b"shared-value")' "$src/$f"
done
regular=$(find "$src" -type f -size +0 -links 1 | wc -l)
regular=$((regular + 1))  # /a and /sub/hard-a are one inode

matrix=(
  ""
  "-zlz4"
  "-zlz4hc,level=12 -C65536"
  "-zlz4hc -Eztailpacking"
  "-zlz4hc -Eztailpacking,fragments"
  "-zlz4hc -Eall-fragments"
  "-zlzma"
  "-zdeflate"
  "-zzstd"
  "-zlz4hc:zstd"
  "-zlz4hc -Ededupe"
  "--zD=1 -zlz4hc"
  "--chunksize=8192"
  "-b 1024"
  "-b 512"
  "-x 1"
  "-E48bit"
  "-Eplain-xattr-prefixes"
  "--xattr-prefix=trusted.overlay."
  "-zlz4hc -m4096"
)
names=("" "=trusted.erofs.fingerprint")

check() {  # check IMAGE LABEL [metabox]
  lint_json "$t/report.json" "$1"
  [ "$rc" -eq 0 ] || fail "$2: lint exited $rc"
  expect_clean "$t/report.json"
  "$PYTHON3" - "$t/report.json" "$regular" "$2" <<'PY' || fail "$2: not every fingerprint was verified"
import json, sys
i = json.load(open(sys.argv[1]))["images"][0]
want = int(sys.argv[2])
if (i["regular_files"], i["fingerprinted"], i["verified"], i["mismatched"]) != (want, want, want, 0):
    sys.exit(f"{sys.argv[3]}: {i}")
PY
  if [ "${3:-}" = metabox ]; then
    "$EROFS_SHARE" inspect --digest --format json "$1" >"$t/inspect.json"
    "$PYTHON3" - "$t/inspect.json" "$src" <<'PY' || fail "$2: digests differ from the source files"
import hashlib, json, os, sys
for f in json.load(open(sys.argv[1]))["files"]:
    if f.get("digest"):
        want = hashlib.sha256(open(os.path.join(sys.argv[2], f["path"].lstrip("/")), "rb").read()).hexdigest()
        if f["digest"] != want:
            sys.exit(f"{f['path']}: {f['digest']} != {want}")
PY
  else
    "$FSCK_EROFS_19" --xattr-inode-digest "$1" >"$t/fsck.log" 2>&1 || { cat "$t/fsck.log" >&2; fail "$2: fsck.erofs disagrees"; }
  fi
}

n=0
for opts in "${matrix[@]}"; do
  for name in "${names[@]}"; do
    n=$((n + 1))
    read -r -a o <<<"$opts"
    mk "$t/m$n.erofs" "$src" "${o[@]}" "--xattr-inode-digest$name"
    case "$opts" in *-m4096*) check "$t/m$n.erofs" "mkfs $opts --xattr-inode-digest$name" metabox ;;
                    *) check "$t/m$n.erofs" "mkfs $opts --xattr-inode-digest$name" ;; esac
  done
done

# Tarball input (--tar=f, streamed and sorted), mkfs >= 1.9 hashes while importing.
tar -C "$src" -cf "$t/src.tar" .
for sort in path none; do
  mk "$t/tar-$sort.erofs" "$t/src.tar" --tar=f --sort=$sort --xattr-inode-digest
  check "$t/tar-$sort.erofs" "mkfs --tar=f --sort=$sort"
done

# All of them at once: the same content in different layouts is not a conflict.
lint_json "$t/all.json" "$t"/m1.erofs "$t"/m3.erofs "$t"/m13.erofs "$t"/tar-path.erofs
expect_no_finding "$t/all.json" severity=error
pass
