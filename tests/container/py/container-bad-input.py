#!/usr/bin/env python3
"""Hostile container inputs: a manifest naming a missing blob, a blob whose bytes do not match
its digest, a layer that is not a tar, a member `../x` (path traversal), a blob that is a
symlink loop, a member declaring 8 GiB in a truncated stream, a layer with more members than
--max-layer-entries, a truncated gzip layer, a sparse member of 1 TiB, a hard link to `../a`,
descriptors whose digest is `sha256:../..` or md5, nested indexes 10 deep, docker archives
naming a missing layer, a layer outside the archive or a layer that is not its diffID, an OCI
config whose diffID is not its layer's, a descriptor whose size is not its blob's. Each
gives exit status 2, one line on stderr naming the input and the layer or blob, nothing on
stdout, and no -o file. Read as data: an absolute member `/etc/x` (as `etc/x`, as tar
extracts it), a hard link to `/a`, a symlink loop inside a layer, exactly
--max-layer-entries members, a sparse member of 1 MiB, 7 nested indexes. Names with control
characters or HTML reach the text, csv and html reports only escaped."""
import gzip
import io
import json
import os
import subprocess
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import containerlib as cl  # noqa: E402
import fixtures  # noqa: E402
import scanlib  # noqa: E402
from ocifixture import DockerArchive, File, Image, Index, Layer, Layout, Raw, Symlink, write_tar  # noqa: E402

t = scanlib.setup()
p = lambda *n: os.path.join(t, *n)  # noqa: E731
os.makedirs(p("work"))
d = cl.Diffs()
cl.need_skopeo()
base = Layer([File("etc/a", fixtures.text(1, 100)), File("usr/big", fixtures.text(2, 10000))], "gzip")


def layout(name, layers, mutate=None):
    """An OCI layout of one image of `layers`; mutate(layout, dir, hexes) edits it after writing."""
    lay = Layout([Image(layers, "img:1")], p("work"))
    path = lay.write_dir(p(name))
    hexes = [lay.layer(l).digest[7:] for l in layers]
    if mutate:
        mutate(lay, path, hexes)
    # Each layer as a message may name it: its blob digest or its diffID (12 hex digits).
    return path, [(h[:12], lay.layer(l).diff_id[7:19]) for h, l in zip(hexes, layers)]


def replace_blob(lay, path, old_hex, data):
    """Put `data` in place of blob `old_hex`, with the manifest (and index) pointing at its digest,
    so only the content is bad."""
    new_hex = scanlib.hashlib.sha256(data).hexdigest()
    b = next(b for b in lay.built.values() if b.digest[7:] == old_hex)
    b.blob, b.digest = data, "sha256:" + new_hex
    try:  # the config's diffID follows the new content where it has one
        b.diff_id = "sha256:" + scanlib.hashlib.sha256(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data).hexdigest()
    except (EOFError, OSError):
        pass
    holder["ids"] = (new_hex[:12], b.diff_id[7:19])
    lay.blobs = {}
    lay.manifests = {}
    lay.index = {"schemaVersion": 2, "mediaType": lay.index["mediaType"],
                 "manifests": [lay._descriptor(e) for e in lay.entries]}
    lay.write_dir(path)
    return new_hex


def skopeo_agrees(label, path, ok):
    """skopeo copy (which checks every digest) refuses the layout iff only the layout is bad."""
    r = subprocess.run([cl.SKOPEO, "copy", "--quiet", f"oci:{path}:img:1", "dir:" + p("work", "copy")],
                       capture_output=True)
    scanlib.shutil.rmtree(p("work", "copy"), ignore_errors=True)
    if (r.returncode == 0) != ok:
        d.add(label, "fixture: skopeo copy", r.stderr.decode(errors="replace").strip()[-200:] or "succeeded",
              "succeeds" if ok else "fails")


def expect_error(label, spec, names, extra=()):
    """exit 2, one stderr line naming every string of `names`, no stdout but the JSON error
    object (erofs-share(1) CONVENTIONS), no -o file."""
    out = p("work", "report.json")
    if os.path.exists(out):
        os.unlink(out)
    r = subprocess.run([cl.ES, "scan", "--no-progress", "--format", "json", "-o", out, *extra, spec],
                       capture_output=True)
    err = r.stderr.decode(errors="replace")
    print(f"{label}: {err.strip()}")
    d.eq(label, "exit status", r.returncode, 2)
    stdout = r.stdout
    if stdout and set(json.loads(stdout)) == {"schema_version", "error", "tool"}:
        stdout = b""
    d.eq(label, "stdout", stdout[:200], b"")
    d.eq(label, "stderr lines", err.count("\n"), 1)
    for n in names:  # a string, or a tuple of strings any of which will do
        alts = n if isinstance(n, tuple) else (n,)
        if not any(a in err for a in alts):
            d.add(label, f"stderr names {' or '.join(alts)}", err.strip(), f"a line containing {alts[0]!r}")
    if os.path.exists(out):
        d.add(label, "-o file", "created", "not created")


def expect_ok(label, spec, extra=()):
    doc, err = cl.scan_json([*extra, spec])
    if doc is None:
        d.add(label, "scan", err, "a JSON report")
    return doc


# A manifest naming a missing blob.
path, hexes = layout("missing", [base], lambda lay, path, h: os.unlink(os.path.join(path, "blobs/sha256", h[0])))
skopeo_agrees("missing blob", path, False)
expect_error("missing blob", f"oci:{path}", [path, hexes[0]])
# A blob whose bytes do not match its digest (one byte changed).
def flip(lay, path, h):
    f = os.path.join(path, "blobs/sha256", h[0])
    data = bytearray(open(f, "rb").read())
    data[len(data) // 2] ^= 0xFF
    open(f, "wb").write(bytes(data))
path, hexes = layout("mismatch", [base], flip)
skopeo_agrees("digest mismatch", path, False)
expect_error("digest mismatch", f"oci:{path}", [path, hexes[0]])
# The same in an OCI archive.
arch = p("mismatch.tar")
write_tar(arch, [(os.path.relpath(os.path.join(dp, n), path), open(os.path.join(dp, n), "rb").read())
                 for dp, _, ns in sorted(os.walk(path)) for n in sorted(ns)])
expect_error("digest mismatch (oci-archive)", f"oci-archive:{arch}", [arch, hexes[0]])

holder = {}
# A layer that is not a tar (its digest right): random bytes, and a gzip of random bytes.
for label, data in (("not a tar", scanlib.noise(1, 5000)), ("gzip of not a tar", gzip.compress(scanlib.noise(2, 5000), mtime=0))):
    def notar(lay, path, h, data=data):
        holder["hex"] = replace_blob(lay, path, h[0], data)
    path, _ = layout(label.replace(" ", "-"), [base], notar)
    skopeo_agrees(label, path, True)
    expect_error(label, f"oci:{path}", [path, holder["ids"]])

# Path traversal: `../x` is an error; an absolute `/etc/x` is read as etc/x.
trav = Layer([File("ok", b"fine"), Raw("../x", b"escape")], auto_dirs=False)
path, hexes = layout("traversal", [trav])
expect_error("member ../x", f"oci:{path}", [path, hexes[0], "../x"])
trav2 = Layer([Raw("a/../../x", b"escape")], auto_dirs=False)
path, hexes = layout("traversal2", [trav2])
expect_error("member a/../../x", f"oci:{path}", [path, hexes[0]])
absl = Layer([Raw("/etc/x", fixtures.text(3, 5000))], auto_dirs=False)
path, hexes = layout("absolute", [absl])
doc = expect_ok("member /etc/x", f"oci:{path}")
if doc:
    d.eq("member /etc/x", "totals.data_bytes", doc["totals"]["data_bytes"], 5000)
    d.eq("member /etc/x", "inputs[0].files", doc["inputs"][0]["files"], 1)
# Two identical absolute and relative names: one file after the strip.
dup = Layer([File("etc/y", fixtures.text(4, 6000)), File("etc/z", fixtures.text(4, 6000))], auto_dirs=False)
absd = Layer([Raw("/etc/y", fixtures.text(4, 6000)), Raw("/etc/z", fixtures.text(4, 6000))], auto_dirs=False)
pa, _ = layout("abs-same", [absd])
pr, _ = layout("rel-same", [dup])
da, dr = expect_ok("absolute names", f"oci:{pa}"), expect_ok("relative names", f"oci:{pr}")
if da and dr:
    d.eq("absolute names", "groups (same as relative names)", [[c["paths"] for c in g["copies"]] for g in da["groups"]],
         [[c["paths"] for c in g["copies"]] for g in dr["groups"]])

# A blob that is a symlink to itself.
def loop(lay, path, h):
    f = os.path.join(path, "blobs/sha256", h[0])
    os.unlink(f)
    os.symlink(h[0], f)
path, hexes = layout("symlink-loop", [base], loop)
skopeo_agrees("blob symlink loop", path, False)
expect_error("blob symlink loop", f"oci:{path}", [path, hexes[0]])

# A member declaring 8 GiB whose stream ends after 1 KiB (digest right: only the size lies).
ti = tarfile.TarInfo("huge")
ti.size = 8 << 30
ti.mtime = 0
bomb = ti.tobuf(tarfile.GNU_FORMAT) + scanlib.noise(3, 1024)
path, _ = layout("huge", [base], lambda lay, path, h: holder.update(hex=replace_blob(lay, path, h[0], bomb)))
expect_error("huge declared size", f"oci:{path}", [path, holder["ids"]])
gz = gzip.compress(bomb, mtime=0)
path, _ = layout("huge-gz", [base], lambda lay, path, h: holder.update(hex=replace_blob(lay, path, h[0], gz)))
expect_error("huge declared size (gzip)", f"oci:{path}", [path, holder["ids"]])

# More members than --max-layer-entries (1000): 1001 fails, 1000 is read.
many = lambda n: Layer([File(f"f{i:04d}", b"x") for i in range(n)], "gzip", auto_dirs=False)  # noqa: E731
path, hexes = layout("many", [many(1001)])
expect_error("1001 members > 1000", f"oci:{path}", [path, hexes[0]], ["--max-layer-entries", "1000"])
path, hexes = layout("enough", [many(1000)])
doc = expect_ok("1000 members = 1000", f"oci:{path}", ["--max-layer-entries", "1000"])
if doc:
    d.eq("1000 members = 1000", "inputs[0].files", doc["inputs"][0]["files"], 1000)

# A truncated gzip layer (digest right: the stream itself is cut).
lay_gz = Layout([Image([base], "img:1")], p("work"))
full = lay_gz.blobs[lay_gz.layer(base).digest[7:]]
path, _ = layout("gz-cut", [base], lambda lay, path, h: holder.update(hex=replace_blob(lay, path, h[0], full[:len(full) // 2])))
skopeo_agrees("truncated gzip", path, True)
expect_error("truncated gzip", f"oci:{path}", [path, holder["ids"]])

# A docker archive whose manifest names a layer it does not hold.
da_ = DockerArchive([Image([base], "img:1")], p("work"))
files = dict(da_.files)
man = json.loads(files["manifest.json"])
man[0]["Layers"] = ["0" * 64 + "/layer.tar"]
files["manifest.json"] = json.dumps(man).encode()
dpath = write_tar(p("docker-missing.tar"), sorted(files.items()))
expect_error("docker archive missing layer", f"docker-archive:{dpath}", [dpath, "0" * 12])
# A docker archive whose layer is not the diffID its config says.
files = dict(da_.files)
name = next(n for n in files if n.endswith("/layer.tar"))
files[name] = files[name][:-1024] + b"\1" + files[name][-1023:]
dpath = write_tar(p("docker-mismatch.tar"), sorted(files.items()))
expect_error("docker archive diffID mismatch", f"docker-archive:{dpath}", [dpath, name.split("/")[0][:12]])

# Link targets and names that leave the layer: errors; a hard link to "/a" is "a".
hl = Layer([File("a", fixtures.text(5, 5000)), Raw("h", type=tarfile.LNKTYPE, linkname="../a")], auto_dirs=False)
path, hexes = layout("hardlink-out", [hl])
expect_error("hard link to ../a", f"oci:{path}", [path, hexes[0], "../a"])
dd = Layer([Raw("a/..", type=tarfile.DIRTYPE)], auto_dirs=False)
path, hexes = layout("dir-dotdot", [dd])
expect_error("member a/..", f"oci:{path}", [path, hexes[0]])
ha = Layer([File("a", fixtures.text(5, 5000)), Raw("h", type=tarfile.LNKTYPE, linkname="/a")], auto_dirs=False)
path, hexes = layout("hardlink-abs", [ha])
doc = expect_ok("hard link to /a", f"oci:{path}")
if doc:
    d.eq("hard link to /a", "inputs[0] [files, paths]", [doc["inputs"][0]["files"], doc["inputs"][0]["paths"]], [1, 2])
# A symlink loop inside a layer is data (nothing follows symlinks in a layer): read.
sl = Layer([File("a", fixtures.text(5, 5000)), Symlink("s1", "s2"), Symlink("s2", "s1"), Symlink("d/s3", "../d/s3")])
path, hexes = layout("layer-symlink-loop", [sl])
doc = expect_ok("symlink loop inside a layer", f"oci:{path}")
if doc:
    d.eq("symlink loop inside a layer", "inputs[0] [files, symlinks]",
         [doc["inputs"][0]["files"], doc["inputs"][0]["symlinks"]], [1, 3])

# Descriptors that name no blob of the layout: a digest with "../", another algorithm.
for label, digest in (("digest with ../", "sha256:../../../etc/passwd"), ("md5 digest", "md5:" + "0" * 32)):
    def bad_digest(lay, path, h, digest=digest):
        ix = json.load(open(os.path.join(path, "index.json")))
        ix["manifests"][0]["digest"] = digest
        open(os.path.join(path, "index.json"), "w").write(json.dumps(ix))
    path, _ = layout(label.replace(" ", "-").replace("/", ""), [base], bad_digest)
    expect_error(label, f"oci:{path}", [path, "index.json"])
# Nested indexes deeper than 8: an error; 7 deep: read.
def nest(n):
    e = Image([base], "")
    for _ in range(n):
        e = Index([e], platforms=False)
    return e
for n, ok in ((7, True), (10, False)):
    lay = Layout([nest(n)], p("work"))
    path = lay.write_dir(p(f"nested{n}"))
    if ok:
        expect_ok(f"{n} nested indexes", f"oci:{path}")
    else:
        expect_error(f"{n} nested indexes", f"oci:{path}", [path, "index.json"])
# A docker archive naming a layer outside itself.
files = dict(DockerArchive([Image([base], "img:1")], p("work")).files)
man = json.loads(files["manifest.json"])
man[0]["Layers"] = ["../../etc/passwd"]
files["manifest.json"] = json.dumps(man).encode()
dpath = write_tar(p("docker-traversal.tar"), sorted(files.items()))
expect_error("docker archive layer ../../etc/passwd", f"docker-archive:{dpath}", [dpath, "../../etc/passwd"])

# A sparse member expanding to 1 TiB of zeros (> 1 GiB of holes): an error; 1 MiB: read.
def sparse_tar(total):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        ti = tarfile.TarInfo("GNUSparseFile.0/big")
        ti.size, ti.mtime = 512, 0
        ti.pax_headers = {"GNU.sparse.size": str(total), "GNU.sparse.map": "0,512", "GNU.sparse.name": "big",
                          "GNU.sparse.major": "0", "GNU.sparse.minor": "1"}
        tar.addfile(ti, io.BytesIO(b"z" * 512))
    return buf.getvalue()
for total, ok in ((1 << 20, True), (1 << 40, False)):
    path, _ = layout(f"sparse{total}", [base], lambda lay, path, h: replace_blob(lay, path, h[0], sparse_tar(total)))
    if ok:
        doc = expect_ok("sparse 1 MiB", f"oci:{path}")
        if doc:
            d.eq("sparse 1 MiB", "totals.data_bytes", doc["totals"]["data_bytes"], 1 << 20)
    else:
        expect_error("sparse 1 TiB", f"oci:{path}", [path, holder["ids"]])

# A config whose diffID is not the layer's uncompressed tar (containerd's applier refuses it:
# the diffID is the layer's identity on a node), plain and gzip; a descriptor whose size is not
# its blob's (containerd refuses a blob of unexpected size).
for comp in ("none", "gzip"):
    lay = Layout([Image([Layer(base.members, comp)], "img:1")], p("work"))
    real = lay.config
    lay.config = lambda im, real=real: dict(real(im), rootfs={"type": "layers", "diff_ids": ["sha256:" + "1" * 64]})
    lay.blobs, lay.manifests = {}, {}
    lay.index = {"schemaVersion": 2, "mediaType": lay.index["mediaType"],
                 "manifests": [lay._descriptor(e) for e in lay.entries]}
    path = lay.write_dir(p(f"diffid-{comp}"))
    b = lay.layer(lay.entries[0].layers[0])
    expect_error(f"wrong diffID ({comp})", f"oci:{path}", [path, (b.digest[7:19], "1" * 12)])
def grow(lay, path, h):
    ix = json.load(open(os.path.join(path, "index.json")))
    ix["manifests"][0]["size"] += 1
    open(os.path.join(path, "index.json"), "w").write(json.dumps(ix))
path, _ = layout("descriptor-size", [base], grow)
expect_error("descriptor size +1", f"oci:{path}", [path, "index.json"])

# Hostile names reach text only escaped: a `..` member whose name holds a newline and an escape
# sequence is still one error line; a ref name with them, or with HTML, prints no control
# character in text, csv or html and no live tag in html.
nl = Layer([Raw("a\n\x1b[31m/../../x", b"e")], auto_dirs=False)
path, hexes = layout("newline-member", [nl])
expect_error("member with a newline and ..", f"oci:{path}", [path, hexes[0], "\\x0a"])
for ref in ("evil\n\x1b[31mref", "<script>alert(1)</script>"):
    lay = Layout([Image([base], ref)], p("work"))
    path = lay.write_dir(p("ref-" + str(len(ref))))
    for fmt in ("text", "csv", "html", "json"):
        r = subprocess.run([cl.ES, "scan", "--no-progress", "--format", fmt, f"oci:{path}"], capture_output=True)
        label = f"ref {ref!r} --format {fmt}"
        d.eq(label, "exit status", r.returncode, 0)
        d.eq(label, "control characters", [c for c in r.stdout if c < 32 and c not in (9, 10, 13)], [])
        if fmt == "html":
            d.eq(label, "raw <script>alert", b"<script>alert" in r.stdout, False)
        if fmt == "json":
            names = [im["name"] for im in json.loads(r.stdout)["images"]]
            d.eq(label, "image name (exact in JSON)", names, [f"oci:{path}:{ref}"])

d.finish("container-bad-input")
scanlib.passed()
