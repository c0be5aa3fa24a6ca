#!/usr/bin/env python3
"""Every reason code of `scan` is produced, on real images (mkfs.erofs 1.5 and >= 1.9) whose
fingerprints are patched into the cases mkfs never writes: hidden by the xattr filter, wrong
digest, another scheme, claimed by a file of another size, missing, empty, longer than a block.
Figures still equal the independent model's, and the per-input fingerprint counts add up."""
import hashlib
import io
import os
import shutil
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scanlib import *  # noqa: E402,F401,F403

ALL = {"no_ishare_feature", "fingerprint_missing", "fingerprint_hidden_by_filter", "fingerprint_empty",
       "fingerprint_too_long", "fingerprint_mismatch", "fingerprint_values_differ", "fingerprint_collision",
       "peer_not_tagged", "compressed_vs_uncompressed", "fileio_vs_block", "other_domain"}
seen = set()

t = setup()
trees = make_trees(os.path.join(t, "src"))
img = lambda n: os.path.join(t, n)  # noqa: E731
P = mkfs(19, img("p.erofs"), trees["A"], "--xattr-inode-digest")
A19 = mkfs(19, img("a19.erofs"), trees["A"], "--xattr-inode-digest")
B19 = mkfs(19, img("b19.erofs"), trees["B"], "--xattr-inode-digest")
B19z = mkfs(19, img("b19z.erofs"), trees["B"], "-zlz4hc", "--xattr-inode-digest")
A15 = mkfs(15, img("a15.erofs"), trees["A"])
M = {P: image_model(P, trees["A"], 19, True), A19: image_model(A19, trees["A"], 19, True),
     B19: image_model(B19, trees["B"], 19, True), B19z: image_model(B19z, trees["B"], 19, True, compressed=True),
     A15: image_model(A15, trees["A"], 15, False)}

# Patch P and record the same edits in its model.
p = Patcher(P)
pm = M[P]
p.hide("/pn/hid.txt")
find(pm, "/pn/hid.txt")["hidden"] = True
wrong = bytearray(find(pm, "/pn/mis.txt")["fp"])
wrong[20] ^= 0xFF
p.set_value("/pn/mis.txt", bytes(wrong))
find(pm, "/pn/mis.txt")["fp"] = bytes(wrong)
other = b"SHA256:" + find(pm, "/pn/dif.txt")["fp"][7:]
p.set_value("/pn/dif.txt", other)
find(pm, "/pn/dif.txt")["fp"] = other
claim = find(pm, "/pn/col.txt")["fp"]  # claimer.txt (3000 bytes) claims col.txt's (2003) value
p.set_value("/pn/claimer.txt", claim)
find(pm, "/pn/claimer.txt")["fp"] = claim
p.drop("/pn/miss.txt")
find(pm, "/pn/miss.txt")["fp"] = None
p.empty("/pn/emp.txt")
find(pm, "/pn/emp.txt")["fp"] = b""
p.save()


def check(label, names, *opts, **kw):
    doc = scan(*opts, *names)
    compare(doc, expected([M[n] for n in names], **kw), label)
    for g in doc["groups"]:
        for c in g["copies"]:
            if c["reason"]:
                seen.add(c["reason"])
    return doc


doc = check("patched", [P, A19, B19, A15])
W = "would_share_once_tagged"
expect_status(doc, "patched", {
    (0, "/pn/hid.txt"): (W, "fingerprint_hidden_by_filter"), (1, "/pn/hid.txt"): ("shares_now", None),
    (0, "/pn/mis.txt"): (W, "fingerprint_mismatch"), (2, "/pn/mis.txt"): ("shares_now", None),
    (0, "/pn/dif.txt"): (W, "fingerprint_values_differ"),
    (0, "/pn/miss.txt"): (W, "fingerprint_missing"),
    (0, "/pn/emp.txt"): (W, "fingerprint_empty"),
    (0, "/pn/col.txt"): (W, "fingerprint_collision"), (1, "/pn/col.txt"): (W, "fingerprint_collision"),
    (2, "/pn/col.txt"): (W, "fingerprint_collision"),
    (3, "/pn/hid.txt"): (W, "no_ishare_feature"),
})
fp = doc["inputs"][0]["fingerprints"]
want = {"hidden_by_filter": 1, "empty": 1, "missing": 1, "not_sha256": 2, "mismatched": 2}  # dif+emp, mis+claimer
for k, v in want.items():
    if fp[k] != v:
        fail(f"patched: inputs[0].fingerprints.{k} = {fp[k]}, expected {v}")
if fp["usable"] != len(pm["inodes"]) - 3:
    fail(f"patched: {fp['usable']} usable fingerprints, expected {len(pm['inodes']) - 3}")

doc = check("peer", [A19, A15])
expect_status(doc, "peer", {(0, "/a-only.txt"): (W, "peer_not_tagged"), (1, "/a-only.txt"): (W, "no_ishare_feature")})
check("classes", [B19z, A19], "--mount-mode", f"{A19}=fileio", mounts={A19: "fileio"})
doc = check("fileio", [A19, B19], "--mount-mode", f"{B19}=fileio", mounts={B19: "fileio"})
expect_status(doc, "fileio", {(1, "/bin/rand.bin"): ("blocked", "fileio_vs_block")})
check("domain", [A19, B19], "--domain", f"{B19}=b", domains={B19: "b"})
M[trees["B"]] = tree_model(trees["B"], trees["B"], "directory")
check("tree", [A19, trees["B"]])

# A value longer than a block: -b 512 images from a tar whose file already carries user.fp
# (600 bytes); the fingerprint mkfs adds under that name is dropped in L1, so the kernel's
# lookup finds the long one.
ltree = os.path.join(t, "src", "L")
os.makedirs(ltree)
data = {"f.txt": text(40, 1000), "g.txt": text(41, 700)}
tarpath = os.path.join(t, "l.tar")
with tarfile.open(tarpath, "w", format=tarfile.PAX_FORMAT) as tar:
    for name, body in data.items():
        with open(os.path.join(ltree, name), "wb") as f:
            f.write(body)
        ti = tarfile.TarInfo(name)
        ti.size, ti.mtime = len(body), 0
        if name == "f.txt":
            ti.pax_headers = {"SCHILY.xattr.user.fp": "y" * 600}
        tar.addfile(ti, io.BytesIO(body))
L1 = mkfs(19, img("l1.erofs"), tarpath, "-b", "512", "--tar=f", "--xattr-inode-digest=user.fp")
L2 = mkfs(19, img("l2.erofs"), tarpath, "-b", "512", "--tar=f", "--xattr-inode-digest=user.fp")
M[L1] = image_model(L1, ltree, 19, True, block_size=512)
M[L2] = image_model(L2, ltree, 19, True, block_size=512)
lp = Patcher(L1)
lp.drop("/f.txt")
lp.save()
find(M[L1], "/f.txt")["fp"] = b"y" * 600
doc = check("too-long", [L1, L2])
expect_status(doc, "too-long", {(0, "/f.txt"): (W, "fingerprint_too_long"), (1, "/f.txt"): (W, "peer_not_tagged")})
if doc["inputs"][0]["fingerprints"]["too_long"] != 1:
    fail("too-long: inputs[0].fingerprints.too_long is not 1")

if seen != ALL:
    fail(f"reason codes not produced: {sorted(ALL - seen)}; unexpected: {sorted(seen - ALL)}")
passed()
