#!/bin/bash
# Android sparse images made by Debian's img2simg read exactly like their raw originals:
# inspect JSON (with --digest) identical, scan totals identical, lint findings identical.
# Hostile sparse files (sizes that overflow, chunks past the end, a bad chunk type) exit 2 with
# one error line and a peak RSS of at most 128 MiB.
. "$(dirname "$0")/common.sh"
command -v img2simg >/dev/null || fail 'img2simg missing: scripts/install-deps.sh installs android-sdk-libsparse-utils'

v=$(mkfs_versions | tail -n 1)
make_tree "$t/tree"
rm -f "$t/tree/fifo" "$t/tree/socket"
# Blocks of zeros and of one repeated 32-bit value become don't-care and fill chunks.
head -c 65536 /dev/zero >"$t/tree/zeros"
"$PYTHON3" -c 'import sys; sys.stdout.buffer.write(b"\xab\xcd\xef\x01" * 8192)' >"$t/tree/pattern"
mkdir "$t/raw" "$t/sparse"
mkimage "$v" "$t/raw/system.img" "$t/tree"
mkimage "$v" "$t/raw/vendor.img" "$t/tree" -zlz4hc
for p in system vendor; do img2simg "$t/raw/$p.img" "$t/sparse/$p.img"; done
# The fixture must really be sparse, and simg2img (libsparse) must give the original back.
for p in system vendor; do
  "$PYTHON3" -c 'import sys, struct; sys.exit(struct.unpack("<I", open(sys.argv[1], "rb").read(4))[0] != 0xED26FF3A)' \
    "$t/sparse/$p.img" || fail "img2simg did not write a sparse image"
  simg2img "$t/sparse/$p.img" "$t/roundtrip.img"
  cmp "$t/raw/$p.img" "$t/roundtrip.img"
done

for d in raw sparse; do
  (cd "$t/$d" && es inspect --format json --digest system.img >"$t/$d.inspect.json")
  (cd "$t/$d" && es inspect --format json --digest vendor.img >"$t/$d.inspect-vendor.json")
  (cd "$t/$d" && es scan --format json system.img vendor.img >"$t/$d.scan.json")
  (cd "$t/$d" && run es lint --format json system.img vendor.img && echo "$rc" >"$t/$d.lint.rc" && cp "$t/stdout" "$t/$d.lint.json")
done
cmp "$t/raw.lint.rc" "$t/sparse.lint.rc" || fail "lint exits differently on the sparse images"
cmp "$t/raw.lint.json" "$t/sparse.lint.json" || fail "lint JSON of the sparse images differs"
cmp "$t/raw.inspect.json" "$t/sparse.inspect.json" || fail "inspect JSON of the sparse system image differs"
cmp "$t/raw.inspect-vendor.json" "$t/sparse.inspect-vendor.json" || fail "inspect JSON of the sparse vendor image differs"
"$PYTHON3" - "$t/raw.scan.json" "$t/sparse.scan.json" <<'PY'
import json, sys
raw, sparse = (json.load(open(p)) for p in sys.argv[1:3])
if raw["totals"] != sparse["totals"]:
    sys.exit(f"scan totals differ: {raw['totals']} vs {sparse['totals']}")
if not raw["totals"]:
    sys.exit("scan totals are empty")
PY

# Hostile sparse files: header fields and chunks rewritten.
"$PYTHON3" - "$t/sparse/system.img" "$t" <<'PY'
import struct, sys
src, out = sys.argv[1], sys.argv[2]
data = bytearray(open(src, "rb").read())
# header: magic, major, minor, file_hdr_sz, chunk_hdr_sz, blk_sz, total_blks, total_chunks, crc
def write(name, b):
    open(f"{out}/{name}.simg", "wb").write(b)
b = bytearray(data); struct.pack_into("<I", b, 16, 0xFFFFFFFF); write("huge-blocks", b)
b = bytearray(data); struct.pack_into("<I", b, 20, 0xFFFFFFFF); write("huge-chunks", b)
b = bytearray(data); struct.pack_into("<I", b, 12, 0x7FFFFFF0); write("huge-blksz", b)
b = bytearray(data); struct.pack_into("<I", b, 12, 0); write("zero-blksz", b)  # libsparse divides by it
# above 2 GiB libsparse's int block size asks calloc for about 2^64 bytes (fuzz_android)
b = bytearray(data); struct.pack_into("<I", b, 12, 0xED100200); write("over-2g-blksz", b)
first = 28
b = bytearray(data); struct.pack_into("<H", b, first, 0x1234); write("bad-chunk-type", b)
b = bytearray(data); struct.pack_into("<I", b, first + 4, 0xFFFFFFFF); write("huge-chunk", b)
write("truncated", data[: len(data) // 2])
write("header-only", data[:28])
# Ends inside its last raw chunk: libsparse only notices when it reads the data.
write("truncated-last", data[:-5])
PY
for f in huge-blocks huge-chunks huge-blksz zero-blksz over-2g-blksz bad-chunk-type huge-chunk truncated truncated-last header-only; do
  for cmd in inspect scan; do
    expect_exit_within 2 128 "$EROFS_SHARE" $cmd "$t/$f.simg"
    expect_one_error_line
    expect_stderr_contains "erofs-share: $t/$f.simg: android sparse image: "
  done
  # lint reports the input on stdout too; stderr has the one line.
  expect_exit_within 2 128 "$EROFS_SHARE" lint "$t/$f.simg"
  [ "$(wc -l <"$t/stderr")" -eq 1 ] || fail "lint $f: stderr has $(wc -l <"$t/stderr") lines"
  expect_stderr_contains "$t/$f.simg: android sparse image: "
done
expect_exit 2 es inspect "$t/zero-blksz.simg"
expect_stderr_contains "block size 0 is not a non-zero multiple of 4 (sparse file byte 0xc)"
expect_exit 2 es scan "$t/truncated-last.simg"
expect_stderr_contains "raw chunk at block" "reads past the end of the file (sparse file byte 0x"
# libsparse says where (the byte offset of the chunk it refuses).
expect_exit 2 es inspect "$t/bad-chunk-type.simg"
expect_stderr_contains "unknown block 1234 at 40"

pass
