"""Seeds for fuzz_android: a super.img with two slots (tests/cli/android_lp_writer.py), an
Android sparse image with raw, fill and don't-care chunks, and a target-files-style zip (stored
and deflated IMAGES/*.img members). The images are small fake payloads (an EROFS magic at 1024):
the fuzzer explores the containers, fuzz_open_image the EROFS reader."""
import os
import struct
import sys
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cli"))
import android_lp_writer as lp  # noqa: E402

out = sys.argv[1]
fake = bytearray(8192)
struct.pack_into("<I", fake, 1024, 0xE0F5E1E2)
fake = bytes(fake)
lp.ALIGN = 4096  # small seeds: partitions 4 KiB aligned, not 1 MiB
lp.write_super(f"{out}/super.img", [("system_a", [fake]), ("vendor_a", [fake[:4096], fake[4096:]]),
                                    ("system_b", [fake])])
raw = struct.pack("<HHII", 0xCAC1, 0, 2, 12 + 2 * 4096) + fake
fill = struct.pack("<HHII", 0xCAC2, 0, 1, 16) + b"\xab\xcd\xef\x01"
skip = struct.pack("<HHII", 0xCAC3, 0, 1, 12)
chunks = [raw, fill, skip]
with open(f"{out}/sparse.img", "wb") as f:
    f.write(struct.pack("<IHHHHIIII", 0xED26FF3A, 1, 0, 28, 12, 4096, 4, len(chunks), 0) + b"".join(chunks))
with zipfile.ZipFile(f"{out}/target_files.zip", "w") as z:
    z.writestr("IMAGES/system.img", fake, zipfile.ZIP_STORED)
    z.writestr("IMAGES/vendor.img", fake, zipfile.ZIP_DEFLATED)
    z.writestr("apex_payload.img", fake, zipfile.ZIP_STORED)
