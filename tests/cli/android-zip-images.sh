#!/bin/bash
# A target-files-style zip (IMAGES/system.img stored, IMAGES/vendor.img and IMAGES/product.img
# deflated, plus files that are no images) and an APEX (apex_payload.img): every EROFS image in
# it is an input named ZIP:MEMBER, and scan equals scanning the extracted images (totals and
# per-input figures); inspect and lint read ZIP:MEMBER. Hostile zips (a member claiming a huge
# size, a truncated zip, a damaged member) exit 2 with one error line, at most 128 MiB of peak RSS.
. "$(dirname "$0")/common.sh"

v=$(mkfs_versions | tail -n 1)
make_tree "$t/tree"
rm -f "$t/tree/fifo" "$t/tree/socket"
mkdir -p "$t/images/IMAGES" "$t/tree-vendor/lib" "$t/tree-product"
cp -a "$t/tree/a" "$t/tree-vendor/lib/libshared.so"
head -c 30000 /dev/urandom >"$t/tree-product/blob"
cp "$t/tree-product/blob" "$t/tree-vendor/lib/blob-copy"
mkimage "$v" "$t/images/IMAGES/system.img" "$t/tree"
mkimage "$v" "$t/images/IMAGES/vendor.img" "$t/tree-vendor" -zlz4hc
mkimage "$v" "$t/images/IMAGES/product.img" "$t/tree-product"
head -c 70000 /dev/zero >"$t/images/IMAGES/userdata.img"  # not EROFS: skipped
"$PYTHON3" - "$t" <<'PY'
import sys, zipfile
t = sys.argv[1]
with zipfile.ZipFile(f"{t}/target_files.zip", "w") as z:
    z.writestr("META/misc_info.txt", "build_type=user\n", zipfile.ZIP_DEFLATED)
    z.write(f"{t}/images/IMAGES/system.img", "IMAGES/system.img", zipfile.ZIP_STORED)
    z.write(f"{t}/images/IMAGES/vendor.img", "IMAGES/vendor.img", zipfile.ZIP_DEFLATED)
    z.write(f"{t}/images/IMAGES/product.img", "IMAGES/product.img", zipfile.ZIP_DEFLATED)
    z.write(f"{t}/images/IMAGES/userdata.img", "IMAGES/userdata.img", zipfile.ZIP_DEFLATED)
with zipfile.ZipFile(f"{t}/com.example.apex", "w") as z:
    z.writestr("apex_manifest.pb", b"\x0a\x03com", zipfile.ZIP_STORED)
    z.write(f"{t}/images/IMAGES/vendor.img", "apex_payload.img", zipfile.ZIP_STORED)
PY
members="IMAGES/system.img IMAGES/vendor.img IMAGES/product.img"

(cd "$t/images" && es scan --format json $members >"$t/raw.scan.json")
es scan --format json "$t/target_files.zip" >"$t/zip.scan.json"
"$PYTHON3" "$(dirname "$0")/android_scan_compare.py" "$t/raw.scan.json" "$t/zip.scan.json" \
  "$t/target_files.zip" $members || fail "scan of the zip differs from the raw images"
# Two builds: the zip and the APEX (its payload is the vendor image).
es scan --format json "$t/target_files.zip" "$t/com.example.apex" >"$t/two.scan.json"
"$PYTHON3" - "$t" <<'PY'
import json, sys
t = sys.argv[1]
got = json.load(open(f"{t}/two.scan.json"))
names = [i["name"] for i in got["images"]]
if names != [f"{t}/target_files.zip", f"{t}/com.example.apex"]:
    sys.exit(f"builds {names}")
if got["inputs"][-1]["name"] != f"{t}/com.example.apex:apex_payload.img":
    sys.exit(f"last input {got['inputs'][-1]['name']}")
PY

# inspect and lint: ZIP:MEMBER, stored or deflated, reads like the extracted image.
strip_name() { "$PYTHON3" -c 'import json, sys; d = json.load(sys.stdin); d["superblock"].pop("image"); print(json.dumps(d, sort_keys=True))'; }
for m in $members; do
  es inspect --format json --digest "$t/images/$m" | strip_name >"$t/raw.json"
  es inspect --format json --digest "$t/target_files.zip:$m" | strip_name >"$t/zip.json"
  cmp "$t/raw.json" "$t/zip.json" || fail "inspect of target_files.zip:$m differs from the extracted image"
done
expect_exit 2 es inspect "$t/target_files.zip:IMAGES/userdata.img"
expect_one_error_line
expect_stderr_contains "not an EROFS image"
run es lint "$t/target_files.zip"
[ "$rc" -le 1 ] || fail "lint of the zip exits $rc"
grep -qF "target_files.zip:IMAGES/product.img" "$t/stdout" || fail "lint does not name the zip's images"
grep -qF "target_files.zip:IMAGES/userdata.img: not linted" "$t/stdout" || fail "lint does not note the skipped member"
# No temporary file is left behind.
mkdir "$t/tmp"
TMPDIR=$t/tmp es scan "$t/target_files.zip" >/dev/null
[ -z "$(ls -A "$t/tmp")" ] || fail "temporary files left: $(ls -A "$t/tmp")"

# Hostile zips.
"$PYTHON3" - "$t" <<'PY'
import struct, sys
t = sys.argv[1]
src = bytearray(open(f"{t}/target_files.zip", "rb").read())
def central(b, name):
    """Offset of the central directory entry of `name`."""
    i = b.find(b"PK\x01\x02")
    while i >= 0:
        n, = struct.unpack_from("<H", b, i + 28)
        if b[i + 46: i + 46 + n] == name:
            return i
        i = b.find(b"PK\x01\x02", i + 1)
    raise SystemExit(f"{name} not found")
def local(b, name):
    i = central(b, name)
    off, = struct.unpack_from("<I", b, i + 42)
    return off
# vendor.img claims 4 GiB - 1 uncompressed (central directory and local header)
b = bytearray(src)
struct.pack_into("<I", b, central(b, b"IMAGES/vendor.img") + 24, 0xFFFFFFFF)
struct.pack_into("<I", b, local(b, b"IMAGES/vendor.img") + 22, 0xFFFFFFFF)
open(f"{t}/huge.zip", "wb").write(b)
# product.img claims less than it inflates to
b = bytearray(src)
struct.pack_into("<I", b, central(b, b"IMAGES/product.img") + 24, 8192)
struct.pack_into("<I", b, local(b, b"IMAGES/product.img") + 22, 8192)
open(f"{t}/short.zip", "wb").write(b)
# the deflated data of vendor.img damaged
b = bytearray(src)
at = local(b, b"IMAGES/vendor.img")
n, e = struct.unpack_from("<HH", b, at + 26)
for k in range(at + 30 + n + e + 100, at + 30 + n + e + 400):
    b[k] ^= 0x5A
open(f"{t}/damaged.zip", "wb").write(b)
# the stored system.img claims 2 GiB: its data would run past the end of the zip
b = bytearray(src)
for at in (central(b, b"IMAGES/system.img") + 20, local(b, b"IMAGES/system.img") + 18):
    struct.pack_into("<II", b, at, 0x7FFFFFF0, 0x7FFFFFF0)
open(f"{t}/past-end.zip", "wb").write(b)
# the zip cut in the middle of a member (its central directory is gone)
open(f"{t}/truncated.zip", "wb").write(src[: len(src) // 2])
PY
for f in huge short damaged past-end truncated; do
  expect_exit_within 2 128 "$EROFS_SHARE" scan "$t/$f.zip"
  expect_one_error_line
  expect_stderr_contains "erofs-share: $t/$f.zip: zip: "
done
expect_exit 2 es scan "$t/huge.zip"
expect_stderr_contains "IMAGES/vendor.img inflates to" "its header declares 4294967295"
pass
