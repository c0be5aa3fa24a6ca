#!/bin/bash
# The forged-fingerprint corpus: every way of pairing a file with a fingerprint that is not
# its own (another file's, the same file with one byte changed, truncated or grown with its
# old fingerprint, swapped between files, bit-flipped, zero, the empty file's, ...) in every
# data layout (plain, lz4hc compressed, ztailpacking + fragments, chunked, 1 KiB blocks).
# lint must report every forged file as an error: 100%, no exceptions.
. "$(dirname "$0")/common.sh"

variants=(
  "plain:"
  "lz4hc:-zlz4hc"
  "fragments:-zlz4hc -Eztailpacking,fragments"
  "chunked:--chunksize=4096"
  "bs1k:-b 1024"
)

# edit FILE OP ARG: change a source file in place (OP: flip-at N, flip-last, truncate N, append).
edit() {
  "$PYTHON3" - "$@" <<'PY'
import os, sys
path, op = sys.argv[1], sys.argv[2]
b = bytearray(open(path, "rb").read())
if op == "flip-at":
    b[int(sys.argv[3])] ^= 0xFF
elif op == "flip-last":
    b[-1] ^= 0xFF
elif op == "truncate":
    del b[int(sys.argv[3]):]
elif op == "append":
    b += b"!"
open(path, "wb").write(b)
PY
}

sha_hex() { "$PYTHON3" -c 'import hashlib, sys; print(hashlib.sha256(sys.argv[1].encode()).hexdigest())' "$1"; }
fp_hex() { printf '%s%s' "$(printf 'sha256:' | od -An -tx1 | tr -d ' \n')" "$1"; }

images=()   # "image|forged paths (space separated)|what"
total=0

for v in "${variants[@]}"; do
  name=${v%%:*}
  read -r -a opts <<<"${v#*:}"
  d=$t/$name
  mkdir -p "$d"
  make_lint_tree "$d/T"
  data "$d/T/b2" 5000 11                 # same size as /b, other content
  mk "$d/base.erofs" "$d/T" "${opts[@]}" --xattr-inode-digest

  # derive KIND EDIT...: tree T with one change, imaged, then the original fingerprint put back.
  derive() {
    local kind=$1 path=$2
    shift 2
    rm -rf "$d/T-$kind"
    cp -a "$d/T" "$d/T-$kind"
    edit "$d/T-$kind$path" "$@"
    mk "$d/$kind.erofs" "$d/T-$kind" "${opts[@]}" --xattr-inode-digest
    forge copy-fp "$d/base.erofs" "$path" "$d/$kind.erofs" "$path"
    images+=("$d/$kind.erofs|$path|$name: $kind")
  }
  # forged KIND "FORGED-PATHS" OP ARGS...: a copy of base with `lint-forge OP IMAGE ARGS` applied.
  forged() {
    local kind=$1 paths=$2
    shift 2
    cp "$d/base.erofs" "$d/$kind.erofs"
    forge "$1" "$d/$kind.erofs" "${@:2}"
    images+=("$d/$kind.erofs|$paths|$name: $kind")
  }

  cp "$d/base.erofs" "$d/other-file.erofs"
  forge copy-fp "$d/base.erofs" /d "$d/other-file.erofs" /b
  images+=("$d/other-file.erofs|/b|$name: fingerprint of another file")
  cp "$d/base.erofs" "$d/other-same-size.erofs"
  forge copy-fp "$d/base.erofs" /b2 "$d/other-same-size.erofs" /b
  images+=("$d/other-same-size.erofs|/b|$name: fingerprint of another file of the same size")
  cp "$d/base.erofs" "$d/text-file.erofs"
  forge copy-fp "$d/base.erofs" /a "$d/text-file.erofs" /sub/f
  images+=("$d/text-file.erofs|/sub/f|$name: fingerprint of a small text file")

  derive byte-middle /d flip-at 50000
  derive byte-first /c flip-at 0
  derive byte-last-tail /b flip-last
  derive truncated /d truncate 50000
  derive truncated-to-block /b truncate 4096
  derive grown /e append
  derive byte-second-block /c flip-at 4096

  forged swapped "/b /c" swap-fp /b /c
  forged swapped-same-size "/b /b2" swap-fp /b /b2
  forged digest-bit-first /d flip-fp /d 7
  forged digest-bit-last /d flip-fp /d 38
  forged zero-digest /c set-fp /c "$(fp_hex "$(printf '%064d' 0)")"
  forged empty-file-digest /c set-fp /c "$(fp_hex "$(sha_hex '')")"
  forged hard-link /a set-fp /a "$(fp_hex "$(sha_hex 'hello world')")"
done

# Across images: a file whose fingerprint is the one of the same path in another image.
make_lint_tree "$t/x/T"
data "$t/x/T/d" 100000 1234
mk "$t/x/other-image.erofs" "$t/x/T" --xattr-inode-digest
forge copy-fp "$t/plain/base.erofs" /d "$t/x/other-image.erofs" /d
images+=("$t/x/other-image.erofs|/d|fingerprint of the same path in another image")

for entry in "${images[@]}"; do
  IFS='|' read -r img paths what <<<"$entry"
  total=$((total + 1))
  lint_json "$t/report.json" "$img"
  [ "$rc" -eq 1 ] || fail "$what: lint exited $rc, expected 1 ($img)"
  for p in $paths; do
    [ "$(count "$t/report.json" path="$p" severity=error)" -gt 0 ] || {
      "$PYTHON3" "$lintdir/findings.py" list "$t/report.json" >&2
      fail "$what: no error about $p in $img"
    }
  done
done
[ "$total" -ge 50 ] || fail "the corpus has only $total images, expected at least 50"
echo "forged corpus: $total images, all reported as errors"
pass
