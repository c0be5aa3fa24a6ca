#!/bin/bash
# A super.img (LP metadata: two slots, system/vendor/product in each) written by the test's own
# writer from AOSP's format description (android_lp_writer.py): every partition is found, named
# super.img:NAME, and reads like its raw image (inspect JSON, scan totals and per-input figures,
# lint); a sparse super.img (img2simg) reads the same; a slot whose primary metadata is damaged
# is read from its backup. No LP checker is packaged in Debian 12 (no lpdump/lpmake), so the
# fixture is checked only by this reader.
# Hostile super images (checksums, overlapping or out-of-range extents, tables past their end,
# another block device, truncation) exit 2 with one error line naming the input, at most 128 MiB
# of peak RSS.
. "$(dirname "$0")/common.sh"
command -v img2simg >/dev/null || fail 'img2simg missing: scripts/install-deps.sh installs android-sdk-libsparse-utils'
export PYTHONPATH=$testdir

v=$(mkfs_versions | tail -n 1)
make_tree "$t/tree"
rm -f "$t/tree/fifo" "$t/tree/socket"
mkdir -p "$t/raw" "$t/tree-vendor/lib" "$t/tree-product"
cp -a "$t/tree/a" "$t/tree-vendor/lib/libshared.so"
head -c 20000 /dev/urandom >"$t/tree-product/blob"
cp "$t/tree-product/blob" "$t/tree-vendor/lib/blob-copy"
mkimage "$v" "$t/raw/system_a" "$t/tree"
mkimage "$v" "$t/raw/vendor_a" "$t/tree-vendor" -zlz4hc
mkimage "$v" "$t/raw/product_a" "$t/tree-product"
mkimage 15 "$t/raw/system_b" "$t/tree"  # slot b: another build (mkfs.erofs 1.5)
cp "$t/raw/vendor_a" "$t/raw/vendor_b"
cp "$t/raw/product_a" "$t/raw/product_b"

# product_a is split into two extents (a partition grown by an update).
"$PYTHON3" - "$t" <<'PY'
import json, sys
import android_lp_writer as lp
t = sys.argv[1]
img = {n: open(f"{t}/raw/{n}", "rb").read() for n in
       ["system_a", "vendor_a", "product_a", "system_b", "vendor_b", "product_b"]}
half = len(img["product_a"]) // 2 // 512 * 512
parts = [("system_a", [img["system_a"]]), ("vendor_a", [img["vendor_a"]]),
         ("product_a", [img["product_a"][:half], img["product_a"][half:]]),
         ("system_b", [img["system_b"]]), ("vendor_b", [img["vendor_b"]]), ("product_b", [img["product_b"]])]
layout = lp.write_super(f"{t}/super.img", parts)
json.dump(layout, open(f"{t}/layout.json", "w"))
PY
img2simg "$t/super.img" "$t/super.simg"

names="system_a vendor_a product_a system_b vendor_b product_b"
# inspect: the same JSON as the raw image, but for the image's name.
strip_name() { "$PYTHON3" -c 'import json, sys; d = json.load(sys.stdin); d["superblock"].pop("image"); print(json.dumps(d, sort_keys=True))'; }
for n in $names; do
  es inspect --format json --digest "$t/raw/$n" | strip_name >"$t/raw.$n.json"
  es inspect --format json --digest "$t/super.img:$n" | strip_name >"$t/super.$n.json"
  es inspect --format json --digest "$t/super.simg:$n" | strip_name >"$t/sparse.$n.json"
  cmp "$t/raw.$n.json" "$t/super.$n.json" || fail "inspect of super.img:$n differs from the raw image"
  cmp "$t/raw.$n.json" "$t/sparse.$n.json" || fail "inspect of super.simg:$n differs from the raw image"
done
es inspect "$t/super.img:vendor_a" | grep -qF "super.img:vendor_a" || fail "inspect does not name the partition"
# A super.img names its partitions when one is needed.
expect_exit 2 es inspect "$t/super.img"
expect_one_error_line
expect_stderr_contains "erofs-share: $t/super.img: 6 EROFS images, name one as $t/super.img:NAME (system_a, vendor_a," "product_b)"
expect_exit 2 es inspect "$t/super.img:odm_a"
expect_one_error_line
expect_stderr_contains "erofs-share: $t/super.img:odm_a: no EROFS image odm_a in it (it has: system_a,"

# scan: every partition an input, the same figures as the raw images, one build per super.img.
(cd "$t/raw" && es scan --format json $names >"$t/raw.scan.json")
es scan --format json "$t/super.img" >"$t/super.scan.json"
es scan --format json "$t/super.simg" >"$t/sparse.scan.json"
for kind in img simg; do
  got="$t/super.scan.json"; [[ $kind == simg ]] && got="$t/sparse.scan.json"
  "$PYTHON3" "$(dirname "$0")/android_scan_compare.py" "$t/raw.scan.json" "$got" "$t/super.$kind" $names ||
    fail "scan of super.$kind differs from the raw images"
done

# lint: every partition, the same findings as the raw images (but for the names).
(cd "$t/raw" && run es lint --format json $names && echo "$rc" >"$t/raw.lint.rc")
cp "$t/stdout" "$t/raw.lint.json"
run es lint --format json "$t/super.img" && echo "$rc" >"$t/super.lint.rc"
cmp "$t/raw.lint.rc" "$t/super.lint.rc" || fail "lint exits differently on super.img"
"$PYTHON3" - "$t/raw.lint.json" "$t/stdout" "$t/super.img:" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for f in b["findings"]:
    if not f["image"].startswith(sys.argv[3]):
        sys.exit(f"lint names {f['image']}, not a partition of the super image")
    f["image"] = f["image"][len(sys.argv[3]):]
if not a["findings"] or a.get("findings") != b.get("findings"):
    sys.exit(f"lint findings differ:\n{a.get('findings')}\n{b.get('findings')}")
PY

# A damaged primary copy of slot 0 is read from its backup, as liblp does.
"$PYTHON3" - "$t" <<'PY'
import json, sys
t = sys.argv[1]
layout = json.load(open(f"{t}/layout.json"))
b = bytearray(open(f"{t}/super.img", "rb").read())
b[layout["slots"][0] + 200] ^= 0xFF  # inside the tables: their checksum no longer matches
b[4096 + 20] ^= 0xFF                 # the primary geometry's checksum no longer matches
open(f"{t}/backup.img", "wb").write(b)
PY
es scan --format json "$t/backup.img" >"$t/backup.scan.json"
"$PYTHON3" -c 'import json, sys; a, b = (json.load(open(p)) for p in sys.argv[1:3]); sys.exit(a["totals"] != b["totals"])' \
  "$t/backup.scan.json" "$t/super.scan.json" || fail "the backup metadata is not read"

# Hostile super images.
"$PYTHON3" - "$t" <<'PY'
import json, struct, sys
import android_lp_writer as lp
t = sys.argv[1]
layout = json.load(open(f"{t}/layout.json"))
src = open(f"{t}/super.img", "rb").read()
slots = layout["slots"]  # primaries then backups
def every_slot(b, fn):
    for off in slots:
        fn(b, off)
        lp.sign_slot(b, off)
def write(name, b):
    open(f"{t}/{name}.img", "wb").write(b)
ext = layout["extents_at"]
# every copy's tables checksum wrong
b = bytearray(src)
for off in slots: b[off + 60] ^= 0xFF
write("checksum", b)
# both geometries wrong
b = bytearray(src); b[4096 + 20] ^= 1; b[8192 + 20] ^= 1; write("geometry", b)
# extent 1 (vendor_a) starts where system_a is: overlapping
b = bytearray(src)
def overlap(b, off):
    first, = struct.unpack_from("<Q", b, off + ext + 12)
    struct.pack_into("<Q", b, off + ext + 24 + 12, first)
every_slot(b, overlap); write("overlap", b)
# an extent past the device
b = bytearray(src)
every_slot(b, lambda b, off: struct.pack_into("<Q", b, off + ext + 12, (1 << 56)))
write("out-of-range", b)
# an extent of 2^64-1 sectors (its byte size overflows)
b = bytearray(src)
every_slot(b, lambda b, off: struct.pack_into("<Q", b, off + ext, (1 << 64) - 1))
write("huge-extent", b)
# the partition table claims 2^32-1 entries
b = bytearray(src)
every_slot(b, lambda b, off: struct.pack_into("<I", b, off + 80 + 4, 0xFFFFFFFF))
write("huge-table", b)
# an extent on block device 1 that does not exist
b = bytearray(src)
every_slot(b, lambda b, off: struct.pack_into("<I", b, off + ext + 20, 1))
write("no-device", b)
# slot count such that the slots do not fit (re-signed geometry)
b = bytearray(src)
g = lp.geometry(lp.MAX_SIZE, 0xFFFFFFFF)
b[4096:8192] = g; b[8192:12288] = g
write("huge-slots", b)
# truncated inside the partitions' data
write("truncated", src[: layout["data_start"] + 8192])
PY
for f in checksum geometry overlap out-of-range huge-extent huge-table no-device huge-slots truncated; do
  for cmd in inspect scan; do
    expect_exit_within 2 128 "$EROFS_SHARE" $cmd "$t/$f.img:system_a"
    [ $cmd = scan ] && expect_exit_within 2 128 "$EROFS_SHARE" $cmd "$t/$f.img"
    expect_one_error_line
    expect_stderr_contains "erofs-share: $t/$f.img" "super: "
  done
  expect_exit_within 2 128 "$EROFS_SHARE" lint "$t/$f.img"
  [ "$(wc -l <"$t/stderr")" -eq 1 ] || fail "lint $f: stderr has $(wc -l <"$t/stderr") lines"
  expect_stderr_contains "$t/$f.img" "super: "
done
expect_stderr_contains "truncated.img"
pass
