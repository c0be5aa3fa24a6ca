#!/usr/bin/env python3
"""Every figure of `scan` over container inputs equals the independent model (oci_model.py),
for the three input forms (oci:DIR, oci-archive:FILE, docker-archive:FILE; docker save's old
format and Docker 25's OCI layout with manifest.json) and the same paths detected without a
transport: a shared base layer (two releases of one image and an unrelated
one), whiteouts, an opaque directory, a replaced file, a directory replaced by a symlink, gzip,
zstd and plain layers, layer options (none, --xattr-inode-digest, -zlz4hc --xattr-inode-digest),
two domains, layers shared across inputs, ref selection, a nested index with an EROFS-native
layer, EROFS-native layers hiding tar layers' files (whiteouts and opaque directories as
mkfs.erofs --aufs writes them), a compressed EROFS layer, a layer with two copies of one file,
layouts and archives written by skopeo itself, and --platform on a multi-platform index. The
fixtures are checked by skopeo first and the model's storage classes by the real mkfs.erofs
(dump.erofs) on the layers it models."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import containerlib as cl  # noqa: E402
import fixtures  # noqa: E402
import oci_model  # noqa: E402
import scanlib  # noqa: E402
from ocifixture import (DIFFER_OPTS, DockerArchive, DockerSave25, File, Hardlink, Image, Index, Layer, Layout, Opaque, UUID,  # noqa: E402
                        Whiteout)  # noqa: E402

t = scanlib.setup()
cl.need_skopeo()
mkfs = scanlib.need_env("MKFS_EROFS_19")
p = lambda *n: os.path.join(t, *n)  # noqa: E731
d = cl.Diffs()
os.makedirs(p("work"))
L = fixtures.layers()
imgs = fixtures.releases(L)

lay = Layout(imgs, p("work"))
oci_dir = lay.write_dir(p("oci"))
oci_tar = lay.write_archive(p("oci.tar"))
dock = DockerArchive(imgs, p("work"))
dock_tar = dock.write(p("docker.tar"))
dock25 = DockerSave25(imgs, p("work"))
dock25_tar = dock25.write(p("docker25.tar"))

# The fixtures as a real OCI tool reads them.
for img in imgs:
    want = [lay.layer(l).digest for l in img.layers]
    for ref in (f"oci:{oci_dir}:{img.ref}", f"oci-archive:{oci_tar}:{img.ref}"):
        d.eq("skopeo", f"{ref} layers", cl.skopeo_layers(ref), want)
    ref = f"docker-archive:{dock_tar}:{img.ref}"
    d.eq("skopeo", f"{ref} layers", cl.skopeo_layers(ref), [dock.layer(l).diff_id for l in img.layers])
    for ref in (f"docker-archive:{dock25_tar}:{img.ref}", f"oci-archive:{dock25_tar}:{img.ref}"):
        d.eq("skopeo", f"{ref} layers", cl.skopeo_layers(ref), [dock25.layer(l).diff_id for l in img.layers])
cl.skopeo_copy(f"oci:{oci_dir}:app:2", p("copy-oci"))
cl.skopeo_copy(f"docker-archive:{dock_tar}:app:2", p("copy-docker"))
# A multi-platform index: linux/amd64 by default, --platform linux/arm64 picks the other layers.
mp = fixtures.multi_platform(L)
lm = Layout(mp, p("work"))
md = lm.write_dir(p("multi"))
mt = lm.write_archive(p("multi.tar"))
for arch, img in (("amd64", mp[0].images[0]), ("arm64", mp[0].images[1])):
    got = scanlib.run([cl.SKOPEO, "--override-arch", arch, "inspect", f"oci:{md}:multi:1"]).stdout
    d.eq("skopeo", f"multi {arch} layers", json.loads(got)["Layers"], [lm.layer(l).digest for l in img.layers])
d.finish("scan-container-figures (fixtures)")

# The model's storage classes as mkfs.erofs makes the layers (the differ's options + each
# option set the cases use).
opts_z = "-zlz4hc --xattr-inode-digest"
OPTION_SETS = ("", "--xattr-inode-digest", opts_z, "-zlz4hc -Eztailpacking --xattr-inode-digest",
               "-zlzma -C65536 -Efragments --xattr-inode-digest", "-zlz4hc -Ededupe")
distinct = {lay.layer(l).id: lay.layer(l) for img in imgs for l in img.layers}
for opts in OPTION_SETS:
    exp = oci_model.expected([oci_model.ModelInput("x", imgs, lay)], opts)
    for li, b in enumerate(distinct.values()):
        src = p("work", f"layer{li}.tar")
        out = p("work", f"layer{li}.erofs")
        with open(src, "wb") as f:
            f.write(b.tar)
        scanlib.run([mkfs, *DIFFER_OPTS, "-T0", "-U", UUID, *opts.split(), out, src])
        idx = exp["layer_ids"].index(b.id)
        copies = [c for c in exp["copies"] if c["input"] == idx]
        lay_of = scanlib.layouts(out, [c["ino"]["paths"][0] for c in copies])
        for c in copies:
            path = c["ino"]["paths"][0]
            real = "compressed" if lay_of.get(path) in (1, 3) else "uncompressed"
            d.eq("mkfs", f"[{opts}] layer {li} {path} storage", real, c["ino"]["storage"])
d.finish("scan-container-figures (model vs mkfs.erofs)")


def case(label, specs, model_inputs, layer_opts="", extra=(), platform="linux/amd64"):
    args = list(extra)
    if layer_opts:
        args += ["--layer-mkfs-options=" + layer_opts]
    if platform != "linux/amd64":
        args += ["--platform", platform]
    doc, err = cl.scan_json(args + specs)
    if doc is None:
        d.add(label, "scan " + " ".join(args + specs), err, "a JSON report")
        return
    cl.compare(d, label, doc, oci_model.expected(model_inputs, layer_opts, platform))


MI = oci_model.ModelInput
forms = [
    ("oci", f"oci:{oci_dir}", lay, False),
    ("oci-archive", f"oci-archive:{oci_tar}", lay, False),
    ("docker-archive", f"docker-archive:{dock_tar}", dock, True),
    ("dir", oci_dir, lay, False),
    ("oci.tar", oci_tar, lay, False),
    ("docker.tar", dock_tar, dock, True),
    ("docker-archive (docker 25)", f"docker-archive:{dock25_tar}", dock25, True),
    ("oci-archive (docker 25)", f"oci-archive:{dock25_tar}", dock25, True),
    ("docker25.tar", dock25_tar, dock25, True),
]
for opts in OPTION_SETS:
    for form, spec, builder, docker in forms:
        case(f"releases {form} [{opts or 'no options'}]", [spec], [MI(spec, imgs, builder, docker=docker)], opts)

# Layouts written by a real OCI tool: skopeo copies the docker archive's images into one OCI
# layout (recompressing the layers with gzip: new blob digests, the same diffIDs) and one image
# into an OCI archive and a docker archive (decompressed layers again).
# The figures are the model's for the same images.
sk = p("skopeo-oci")
for img in imgs:
    scanlib.run([cl.SKOPEO, "copy", "--quiet", f"docker-archive:{dock_tar}:{img.ref}", f"oci:{sk}:{img.ref}"])
scanlib.run([cl.SKOPEO, "copy", "--quiet", f"oci:{sk}:app:2", f"oci-archive:{p('skopeo.tar')}:app:2"])
scanlib.run([cl.SKOPEO, "copy", "--quiet", f"oci:{sk}:app:2", f"docker-archive:{p('skopeo-docker.tar')}:app:2"])
for opts in ("", opts_z):
    case(f"skopeo layout [{opts or 'no options'}]", [f"oci:{sk}"], [MI("s", imgs, dock, docker=True)], opts)
    case(f"skopeo oci-archive [{opts or 'no options'}]", [f"oci-archive:{p('skopeo.tar')}"],
         [MI("s", imgs[1:2], dock, docker=True)], opts)
    case(f"skopeo docker-archive [{opts or 'no options'}]", [f"docker-archive:{p('skopeo-docker.tar')}"],
         [MI("s", imgs[1:2], dock, docker=True)], opts)

# Ref selection: one image of the layout.
case("ref app:2", [f"oci:{oci_dir}:app:2"], [MI("r", imgs, lay, ref="app:2")], "--xattr-inode-digest")
case("ref oci-archive app:1", [f"oci-archive:{oci_tar}:app:1"], [MI("r", imgs, lay, ref="app:1")])

# Two inputs: release 1 and 2 in one, the unrelated image in another; one or two domains.
lay12 = Layout(imgs[:2], p("work"))
d12 = lay12.write_dir(p("oci12"))
dock3 = DockerArchive(imgs[2:], p("work"))
d3 = dock3.write(p("other.tar"))
for dom in ("a", "b"):
    extra = ["--domain", f"oci:{d12}=a", "--domain", f"docker-archive:{d3}={dom}"]
    case(f"two inputs, domains a+{dom}", [f"oci:{d12}", f"docker-archive:{d3}"],
         [MI("1", imgs[:2], lay12, domain="a"), MI("2", imgs[2:], dock3, domain=dom, docker=True)],
         "--xattr-inode-digest", extra)
# A layer shared by two inputs is one layer: release 1 as a layout, release 2 as a docker archive.
lay1 = Layout(imgs[:1], p("work"))
d1 = lay1.write_dir(p("oci1"))
dock2 = DockerArchive(imgs[1:2], p("work"))
d2 = dock2.write(p("r2.tar"))
case("base shared across inputs", [f"oci:{d1}", f"docker-archive:{d2}"],
     [MI("1", imgs[:1], lay1), MI("2", imgs[1:2], dock2, docker=True)], "--xattr-inode-digest")
# The same, each input in its own domain: a mount has one domain_id, so the base layer is one
# filesystem per domain.
case("base shared across inputs, two domains", [f"oci:{d1}", f"docker-archive:{d2}"],
     [MI("1", imgs[:1], lay1, domain="x"), MI("2", imgs[1:2], dock2, domain="y", docker=True)], "--xattr-inode-digest",
     ["--domain", f"oci:{d1}=x", "--domain", f"docker-archive:{d2}=y"])
# A hard link hidden under one of its names (the other still shows it), and an image that
# stacks one layer twice (one user; the upper copy is the one a container sees).
hl = Layer([File("x/a", fixtures.text(40, 5000)), Hardlink("y/b", "x/a"), File("x/c", fixtures.text(41, 300))])
odd = [Image([hl, Layer([Whiteout("x/a")])], "hl:1"), Image([L["up1"], L["base"], L["up1"]], "twice:1")]
lo = Layout(odd, p("work"))
od = lo.write_dir(p("odd"))
case("hard link half hidden, a layer twice", [f"oci:{od}"], [MI("o", odd, lo)], "--xattr-inode-digest")

# A nested index (no platforms on its descriptors) holding release 1 and an image whose only
# layer is EROFS-native (made tagged by mkfs.erofs): its usr/big shares with the base layer's.
ero = Layer([File("usr/big", fixtures.text(2, 10000)), File("e/only", fixtures.text(20, 6000))], "erofs",
            ("--xattr-inode-digest",))
nested = [Index([imgs[0], Image([ero], "erofs:1")], ref="nested", platforms=False)]
ln = Layout(nested, p("work"))
nd = ln.write_dir(p("nested"))
nt = ln.write_archive(p("nested.tar"))
for opts in ("", "--xattr-inode-digest"):
    case(f"nested oci [{opts or 'no options'}]", [f"oci:{nd}"], [MI("n", nested, ln)], opts)
    case(f"nested oci-archive [{opts or 'no options'}]", [f"oci-archive:{nt}"], [MI("n", nested, ln)], opts)

# EROFS-native layers over tar layers: whiteouts and an opaque directory as mkfs.erofs --aufs
# writes them (a 0:0 character device, trusted.overlay.opaque) hide the tar layer's files; a
# compressed EROFS layer (-zlz4hc) holds libz.so compressed; a layer with two copies of one
# file (not hard links), used by two images.
low = Layer([File("h/a", fixtures.text(30, 1000)), File("h/dir/b", fixtures.text(31, 2000)),
             File("keep", fixtures.text(32, 300))], "gzip")
ero_up = Layer([Whiteout("h/a"), Opaque("h/dir"), File("new", fixtures.text(33, 7000))], "erofs",
               ("--xattr-inode-digest",))
ero_z = Layer([File("usr/lib/libz.so", fixtures.text(9, 20000)), File("z/small", fixtures.text(34, 900))], "erofs",
              ("-zlz4hc", "--xattr-inode-digest"))
dups = Layer([File("d/one", fixtures.text(35, 6000)), File("d/two", fixtures.text(35, 6000))], "none")
mixed = [Image([low, ero_up], "mixed:1"), Image([ero_z], "ez:1"), imgs[0], Image([dups, L["up1"]], "dups:1"),
         Image([dups], "dups:2")]
lx = Layout(mixed, p("work"))
xd = lx.write_dir(p("mixed"))
xt = lx.write_archive(p("mixed.tar"))
for opts in ("", "--xattr-inode-digest", opts_z):
    case(f"erofs layers oci [{opts or 'no options'}]", [f"oci:{xd}"], [MI("x", mixed, lx)], opts)
    case(f"erofs layers oci-archive [{opts or 'no options'}]", [f"oci-archive:{xt}"], [MI("x", mixed, lx)], opts)

# linux/amd64 by default, --platform linux/arm64 picks the other layers.
for spec in (f"oci:{md}", f"oci-archive:{mt}", md):
    for plat in ("linux/amd64", "linux/arm64"):
        case(f"multi-platform {spec.split(':')[0] if ':' in spec else 'dir'} {plat}", [spec], [MI("m", mp, lm)],
             "--xattr-inode-digest", platform=plat)

d.finish("scan-container-figures")
scanlib.passed()
