#!/usr/bin/env python3
"""The container model (oci_model.py) against figures worked out by hand for the standard
fixtures (fixtures.py), so a bug in the model cannot hide a bug in scan. No erofs-share needed.

By hand, pages of 4096 bytes: base = etc/a 4096 + usr/big 12288 + etc/conf 8192 + opt/x 4096
+ usr/lib/libz.so (two names) 20480 = 49152; up1 = app/run 4096; mid2 = m2/keep 4096, and
tmp/junk (whiteout), var/cache/x (opaque dir), lib/f (lib replaced by a symlink),
m2/later-dir (replaced by a directory), var/lib/db/x (var/lib whited out) hidden: 5 files,
20480 bytes; up2 = etc/conf 8192 + app/run 4096 = 12288; other = usr/big 12288 +
srv/data 4096 = 16384. opt/x is hidden in release 2 (opaque opt) but shown by release 1."""
import io
import os
import shutil
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixtures  # noqa: E402
import oci_model  # noqa: E402
from ocifixture import DockerArchive, Layout  # noqa: E402

NAME = "container-model-selfcheck"
SCRATCH = os.path.join(os.environ.get("EROFS_SHARE_SCRATCH", "/tmp/erofs-share-container"), NAME)
errors = []


def want(label, got, expect):
    if got != expect:
        errors.append(f"{label}: model gives {got}, by hand {expect}")


def check(label, exp, tagged_now, domains_split=False):
    ifs = 4096 + (0 if domains_split else 12288)
    want(f"{label} totals.cache_bytes_without_sharing", exp["totals"]["cache_bytes_without_sharing"], 86016)
    want(f"{label} totals.saved_bytes_if_tagged", exp["totals"]["saved_bytes_if_tagged"], ifs)
    want(f"{label} totals.saved_bytes_now", exp["totals"]["saved_bytes_now"], ifs if tagged_now else 0)
    want(f"{label} layer pages", [p["cache_bytes_without_sharing"] for p in exp["inputs"]],
         [49152, 4096, 4096, 12288, 16384])
    want(f"{label} users", [p["users"] for p in exp["inputs"]], [2, 1, 1, 1, 1])
    want(f"{label} hidden", [(p["hidden_files"], p["hidden_bytes"]) for p in exp["inputs"]],
         [(0, 0), (0, 0), (5, 20480), (0, 0), (0, 0)])
    want(f"{label} paths", [p["paths"] for p in exp["inputs"]], [6, 1, 1, 2, 2])
    want(f"{label} layers", exp["layers"], dict(cache_bytes_per_image=135168, saved_by_layer_identity=49152,
                                                 hidden_files=5, hidden_bytes=20480))
    im = exp["images"]
    want(f"{label} image layers", [r["layers"] for r in im], [[0, 1], [0, 2, 3], [4]])
    want(f"{label} image files", [r["files"] for r in im], [6, 8, 2])
    want(f"{label} image cache_bytes", [r["cache_bytes"] for r in im], [53248, 65536, 16384])
    want(f"{label} image shared_by_layers", [r["shared_by_layers"] for r in im], [49152, 49152, 0])
    per = [0, 4096, 0 if domains_split else 12288]
    want(f"{label} image saved_bytes_if_tagged", [r["saved_bytes_if_tagged"] for r in im], per)
    want(f"{label} image saved_bytes_now", [r["saved_bytes_now"] for r in im], per if tagged_now else [0, 0, 0])
    pairs = exp["image_pairs"]
    x = 0 if domains_split else 12288
    want(f"{label} pair common", [pairs[k]["common_layer_bytes"] for k in sorted(pairs)], [49152, 0, 0])
    want(f"{label} pair if_tagged", [pairs[k]["shared_bytes_if_tagged"] for k in sorted(pairs)], [4096, x, x])
    want(f"{label} pair now", [pairs[k]["shared_bytes_now"] for k in sorted(pairs)],
         [4096, x, x] if tagged_now else [0, 0, 0])


L = fixtures.layers()
imgs = fixtures.releases(L)
lay = Layout(imgs, SCRATCH)
inp = [oci_model.ModelInput("oci:x", imgs, lay)]
check("untagged", oci_model.expected(inp), False)
check("tagged", oci_model.expected(inp, "--xattr-inode-digest"), True)
exp = oci_model.expected(inp, "-zlz4hc --xattr-inode-digest")
check("compressed", exp, True)
storage = {p: i["storage"] for m in [exp["copies"]] for c in m for i in [c["ino"]] for p in i["paths"]}
want("compressed storage", (storage["/usr/big"], storage["/app/run"], storage["/srv/data"]),
     ("compressed", "uncompressed", "uncompressed"))
# The unrelated image in its own domain: only app/run still shares.
d = DockerArchive(imgs[2:], SCRATCH)
split = [oci_model.ModelInput("oci:x", imgs[:2], lay), oci_model.ModelInput("docker-archive:y", imgs[2:], d, domain="b", docker=True)]
check("domains", oci_model.expected(split, "--xattr-inode-digest"), True, domains_split=True)
# The docker archive gives the same layer ids as the layout for tar layers.
dd = DockerArchive(imgs, SCRATCH)
want("docker ids", oci_model.expected([oci_model.ModelInput("d", imgs, dd, docker=True)])["layer_ids"],
     oci_model.expected(inp)["layer_ids"])
# The multi-platform index: amd64 gives release 1, arm64 the other image.
mp = fixtures.multi_platform(L)
ml = Layout(mp, SCRATCH)
a = oci_model.expected([oci_model.ModelInput("m", mp, ml)])
b = oci_model.expected([oci_model.ModelInput("m", mp, ml)], platform="linux/arm64")
want("amd64 pages", a["totals"]["cache_bytes_without_sharing"], 49152 + 4096)
want("arm64 pages", b["totals"]["cache_bytes_without_sharing"], 16384)
want("arm64 platform", [r["platform"] for r in b["images"]], ["linux/arm64"])
# The model's trees are what the layer tars hold (read back with tarfile).
for name, layer in L.items():
    tree = oci_model.Tree(layer)
    got = {}
    with tarfile.open(fileobj=io.BytesIO(lay.layer(layer).tar)) as tar:
        for m in tar.getmembers():
            path = oci_model.norm(m.name)
            base = path.rsplit("/", 1)[1]
            if base == ".wh..wh..opq":
                got[path.rsplit("/", 1)[0] or "/"] = "opaque"
            elif base.startswith(".wh."):
                got[path.rsplit("/", 1)[0] + "/" + base[4:]] = "whiteout"
            else:
                kind = "dir" if m.isdir() else "symlink" if m.issym() else "special" if m.ischr() else "file"
                got.setdefault(path, kind)
    want_kinds = {p: ("opaque" if p in tree.opaque else k) for p, k in tree.kind.items()}
    want(f"tar members of {name}", got, want_kinds)
# Deterministic fixtures: the same description gives the same bytes.
os.makedirs(SCRATCH, exist_ok=True)
arch = []
for k in range(2):
    fresh = fixtures.layers()
    arch.append(open(Layout(fixtures.releases(fresh), SCRATCH).write_archive(os.path.join(SCRATCH, f"{k}.tar")), "rb").read())
    arch.append(open(DockerArchive(fixtures.releases(fresh), SCRATCH).write(os.path.join(SCRATCH, f"d{k}.tar")), "rb").read())
want("deterministic oci archive", arch[0] == arch[2], True)
want("deterministic docker archive", arch[1] == arch[3], True)
if errors:
    print(f"{NAME}: FAILED:\n  " + "\n  ".join(errors), file=sys.stderr)
    sys.exit(1)
shutil.rmtree(SCRATCH, ignore_errors=True)
print(f"{NAME}: OK")
