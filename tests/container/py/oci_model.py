"""The independent model of a scan of container inputs (tests/container/py/*.py).

From the fixture description alone (ocifixture.py: layers as lists of tar members, images as
lists of layers) it computes what a containerd node caches: every distinct layer (by diffID;
EROFS-native layers by blob digest) once, each modelled as the EROFS image the differ makes of
it (`--layer-mkfs-options`), holding only the files some image using it shows through the
overlay. The sharing figures over those layers come from the scan model of tests/scan
(scanlib.expected); the image figures (per image, per pair of images, layer identity) are
computed here. Nothing reads erofs-share's code or output.
"""

import hashlib
import os
import shlex
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scan"))
import scanlib  # noqa: E402
from ocifixture import (CharDev, Dir, File, Hardlink, Image, Index, Opaque, Raw, Symlink,  # noqa: E402
                        Whiteout, member_name, parents)

PAGE = 4096
# An image's saved bytes count every page of its layers' files that a shared inode created by
# another file serves (ImageRow in core/scan/report.hpp): two identical files of one layer share
# through inode_share too, so that copy counts (False: count only copies served from another layer).
SAME_LAYER_COUNTS = True
# What makes two image layers one filesystem on the node: "diffid" (the brief and issue #14:
# every distinct diffID once), or "chainid" (containerd's unpacker commits one snapshot per chain
# ID, the diffIDs of the layer and of every layer below it, so an identical layer over different
# parents is unpacked, converted and mounted twice). EROFS-native layers: their blob digest.
IDENTITY = os.environ.get("CONTAINER_MODEL_IDENTITY", "chainid")


def chain_ids(diff_ids):
    out = []
    for d in diff_ids:
        out.append(d if not out else "sha256:" + hashlib.sha256(f"{out[-1]} {d}".encode()).hexdigest())
    return out


def norm(path):
    return "/" + "/".join(p for p in path.split("/") if p not in ("", "."))


# ---- one layer's tree ---------------------------------------------------------------------

class Tree:
    """A layer as the overlay sees it: {path: kind} (dir, file, symlink, special, whiteout),
    opaque directories, and the regular-file inodes (hard links: one inode, several paths)."""

    def __init__(self, layer):
        self.kind = {}
        self.opaque = set()
        self.inode_of = {}  # path -> inode number (regular files)
        self.inodes = []    # [{"data": bytes, "paths": set}]
        for m in layer.members:
            if isinstance(m, Raw):
                raise ValueError("the model does not read raw members")
            name = member_name(m)
            if layer.auto_dirs:
                for d in parents(name):
                    self.kind.setdefault(norm(d), "dir")
            p = norm(m.path)
            if isinstance(m, Opaque):
                self._set(p, "dir")
                self.opaque.add(p)
                continue
            if isinstance(m, File):
                self._set(p, "file")
                self.inode_of[p] = len(self.inodes)
                self.inodes.append({"data": m.data, "paths": {p}})
            elif isinstance(m, Hardlink):
                t = self.inode_of[norm(m.target)]
                self._set(p, "file")
                self.inode_of[p] = t
                self.inodes[t]["paths"].add(p)
            else:
                kinds = {Dir: "dir", Symlink: "symlink", CharDev: "special", Whiteout: "whiteout"}
                self._set(p, kinds[type(m)])

    def _set(self, p, kind):
        if p in self.inode_of:  # a later member replaces the path
            self.inodes[self.inode_of.pop(p)]["paths"].discard(p)
        if kind != "dir" or self.kind.get(p) != "dir":
            self.opaque.discard(p)
        self.kind[p] = kind

    def hides(self, p):
        """True if this layer, above another, hides that layer's path `p`."""
        if p in self.kind:
            return True
        for q in parents(p):
            q = norm(q)
            if self.kind.get(q, "dir") != "dir" or q in self.opaque:
                return True
        return False


# ---- mkfs options -------------------------------------------------------------------------

def mkfs_traits(opts):
    """(compression, tagged) of a layer built with mkfs.erofs options `opts`: compression is
    None (every file stored plainly), "big" (-z: files over one block compressed, a file of one
    block or less stored plainly, as it cannot save a block) or "all" (-z with -Eztailpacking,
    -Efragments or -Eall-fragments: small files become compressed inodes too, their tail inline
    or in the fragment inode). For compressible content, which the fixtures use."""
    words = shlex.split(opts) if isinstance(opts, str) else list(opts)
    z = any(w.startswith("-z") for w in words)
    ext = {e for w in words if w.startswith("-E") for e in w[2:].split(",")}
    small = bool(ext & {"ztailpacking", "fragments", "all-fragments"})
    comp = None if not z else "all" if small else "big"
    return comp, any(w.startswith("--xattr-inode-digest") for w in words)


def storage(comp, size):
    return "compressed" if comp == "all" or (comp == "big" and size > 4096) else "uncompressed"


# ---- the scan -----------------------------------------------------------------------------

class ModelInput:
    """One command-line input: the entries of its layout (or the images of a docker archive),
    a builder (ocifixture.Layout or DockerArchive: gives each layer's ids), ref selection."""

    def __init__(self, name, entries, builder, ref="", domain="default", docker=False):
        self.name, self.entries, self.builder = name, entries, builder
        self.ref, self.domain, self.docker = ref, domain, docker

    def images(self, platform):
        if self.docker:
            return list(self.entries)
        out = []

        def walk(e, filtered):
            if isinstance(e, Image):
                if not filtered or e.platform == platform:
                    out.append(e)
            else:
                for c in e.images:
                    walk(c, e.platforms)

        for e in self.entries:
            if self.ref and e.ref != self.ref:
                continue
            walk(e, False)
        return out


def expected(inputs, layer_opts="", platform="linux/amd64", page=PAGE):
    """Every figure of `scan` over container inputs (see the JSON contract in the test)."""
    compressed, tagged = mkfs_traits(layer_opts)
    layers = []     # distinct layers in order of first use: dicts
    by_id = {}
    images = []
    for inp in inputs:
        for img in inp.images(platform):
            idx = []
            chains = chain_ids([inp.builder.layer(l).id for l in img.layers])
            for l, chain in zip(img.layers, chains):
                b = inp.builder.layer(l)
                # A layer in two domains is two filesystems (a mount has one domain_id).
                key = (chain if IDENTITY == "chainid" else b.id, inp.domain)
                if key not in by_id:
                    native = l.compression == "erofs" and not inp.docker
                    z, t = mkfs_traits(l.erofs_opts) if native else (compressed, tagged)
                    by_id[key] = len(layers)
                    layers.append(dict(id=b.id, tree=Tree(l), compressed=z, tagged=t, domain=inp.domain,
                                       users=[]))
                li = by_id[key]
                if len(images) not in layers[li]["users"]:  # an image using a layer twice is one user
                    layers[li]["users"].append(len(images))
                idx.append(li)
            images.append(dict(name=img.ref, platform=img.platform, layers=idx, input=inp.name))
    # Overlay visibility: an inode counts if some image using its layer shows one of its paths.
    models = []
    for li, L in enumerate(layers):
        tree = L["tree"]
        files, hidden = [], []
        for ino in tree.inodes:
            if not ino["paths"] or not ino["data"]:
                continue
            shown = set()  # the names some image shows (a hard link may be hidden under one name)
            for im in L["users"]:
                stack = images[im]["layers"]
                pos = len(stack) - 1 - stack[::-1].index(li)  # the highest use of the layer
                above = [layers[u]["tree"] for u in stack[pos + 1:]]
                shown |= {p for p in ino["paths"] if not any(t.hides(p) for t in above)}
            (files if shown else hidden).append(dict(ino, paths=shown) if shown else ino)
        L["hidden_files"] = len(hidden)
        L["hidden_bytes"] = sum(scanlib.pages(len(i["data"]), page) for i in hidden)
        inodes = []
        for ino in files:
            data = ino["data"]
            digest = hashlib.sha256(data).hexdigest()
            inodes.append(dict(paths=sorted(ino["paths"], key=str.encode), size=len(data), sha256=digest,
                               storage=storage(L["compressed"], len(data)),
                               fp=b"sha256:" + bytes.fromhex(digest) if L["tagged"] else None, hidden=False))
        inodes.sort(key=lambda i: i["paths"][0].encode())
        models.append(dict(name=f"{li}:{L['id']}", kind="erofs", ishare=L["tagged"], block_size=4096, inodes=inodes))
    exp = scanlib.expected(models, page=page, domains={m["name"]: L["domain"] for m, L in zip(models, layers)})
    layer_pages = [p["cache_bytes_without_sharing"] for p in exp["inputs"]]
    for L, p in zip(layers, exp["inputs"]):
        p.update(users=len(L["users"]), hidden_files=L["hidden_files"], hidden_bytes=L["hidden_bytes"])
    per_image = sum(layer_pages[li] for im in images for li in set(im["layers"]))
    exp["layers"] = dict(cache_bytes_per_image=per_image, saved_by_layer_identity=per_image - sum(layer_pages),
                         hidden_files=sum(L["hidden_files"] for L in layers),
                         hidden_bytes=sum(L["hidden_bytes"] for L in layers))
    copies = exp["copies"]
    anchor_now = {}
    anchor_tag = {}
    for shared, anchor in ((exp["shared_now"], anchor_now), (exp["shared_tag"], anchor_tag)):
        for a, _, members in shared:
            for i in members:
                anchor[i] = a
    rows = []
    for im in images:
        mine = set(im["layers"])
        row = dict(name=im["name"], platform=im["platform"], layers=im["layers"],
                   files=sum(len(models[li]["inodes"]) for li in mine),
                   cache_bytes=sum(layer_pages[li] for li in mine),
                   shared_by_layers=sum(layer_pages[li] for li in mine if len(layers[li]["users"]) > 1),
                   saved_bytes_now=0, saved_bytes_if_tagged=0)
        for i, c in enumerate(copies):
            if c["input"] not in mine:
                continue
            pg = scanlib.pages(c["ino"]["size"], page)
            if exp["saved_now"][i] and (SAME_LAYER_COUNTS or copies[anchor_now[i]]["input"] != c["input"]):
                row["saved_bytes_now"] += pg
            if exp["saved_tag"][i] and (SAME_LAYER_COUNTS or copies[anchor_tag[i]]["input"] != c["input"]):
                row["saved_bytes_if_tagged"] += pg
        rows.append(row)
    exp["images"] = rows
    pairs = {}
    for a in range(len(images)):
        for b in range(a + 1, len(images)):
            la, lb = set(images[a]["layers"]), set(images[b]["layers"])
            row = dict(common_layer_bytes=sum(layer_pages[li] for li in la & lb), shared_bytes_now=0,
                       shared_bytes_if_tagged=0)
            for key, shared in (("shared_bytes_now", exp["shared_now"]), ("shared_bytes_if_tagged", exp["shared_tag"])):
                for _, size, members in shared:
                    ls = {copies[i]["input"] for i in members}
                    if len(members) >= 2 and any(x != y for x in ls & la for y in ls & lb):
                        row[key] += scanlib.pages(size, page)
            pairs[(a, b)] = row
    exp["image_pairs"] = pairs
    exp["layer_ids"] = [L["id"] for L in layers]
    return exp
