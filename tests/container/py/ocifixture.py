"""Builds container inputs from a description (tests/container/py/*.py).

An image is a list of layers, bottom first; a layer is a list of members and a compression.
Writers make an OCI image layout directory, an OCI archive (a tar of that layout) and a docker
archive (the `docker save` format). Everything is computed here from the members with the
standard library (tarfile, gzip, hashlib) and the `zstd` tool; EROFS-native layers are made by
the real mkfs.erofs >= 1.9 from the layer's tar. Output is deterministic: fixed mtimes, owners
and gzip headers, so the same description always gives the same digests.
"""

import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
from dataclasses import dataclass, field

MTIME = 1700000000
UUID = "6b1e0f5a-3c2d-4e8f-9a7b-1c2d3e4f5a6b"
LAYER_TYPES = {
    "none": "application/vnd.oci.image.layer.v1.tar",
    "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
    "erofs": "application/vnd.erofs.layer.v1",
}
MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json"
INDEX_TYPE = "application/vnd.oci.image.index.v1+json"
CONFIG_TYPE = "application/vnd.oci.image.config.v1+json"
REF_KEY = "org.opencontainers.image.ref.name"
# How containerd's EROFS differ converts a layer (shared/docs/containers.md).
DIFFER_OPTS = ["--tar=f", "--aufs", "--quiet", "-Enoinline_data", "-b4096"]


# ---- members ------------------------------------------------------------------------------

@dataclass
class File:
    path: str
    data: bytes
    mode: int = 0o644


@dataclass
class Dir:
    path: str
    mode: int = 0o755


@dataclass
class Symlink:
    path: str
    target: str


@dataclass
class Hardlink:
    path: str
    target: str  # the path of an earlier File member of the same layer


@dataclass
class Whiteout:
    path: str  # the hidden path: member DIR/.wh.NAME


@dataclass
class Opaque:
    path: str  # the directory: member DIR/.wh..wh..opq


@dataclass
class CharDev:
    path: str
    major: int = 1
    minor: int = 3


@dataclass
class Raw:
    """A member written as given (hostile cases): name, type and declared size untouched."""
    name: str
    data: bytes = b""
    type: bytes = tarfile.REGTYPE
    linkname: str = ""


def member_name(m):
    """The tar member name of a member ("a/b"; whiteouts and opaque markers spelled out)."""
    if isinstance(m, Raw):
        return m.name
    p = m.path.strip("/")
    if isinstance(m, Whiteout):
        d, _, n = p.rpartition("/")
        return (d + "/" if d else "") + ".wh." + n
    if isinstance(m, Opaque):
        return p + "/.wh..wh..opq"
    return p


@dataclass
class Layer:
    members: list
    compression: str = "none"      # none, gzip, zstd, erofs (EROFS-native, made by mkfs.erofs)
    erofs_opts: tuple = ()         # extra mkfs.erofs options of an EROFS-native layer
    auto_dirs: bool = True         # add a directory member for every parent not given


@dataclass
class Image:
    layers: list
    ref: str = ""                  # OCI ref name (annotation) / docker RepoTag
    platform: str = "linux/amd64"


@dataclass
class Index:
    """An index inside index.json: a nested index, or a multi-platform one (its images carry
    different platforms). Its own ref name goes on its descriptor."""
    images: list
    ref: str = ""
    platforms: bool = True         # put each manifest's platform on its descriptor


# ---- bytes --------------------------------------------------------------------------------

def sha256(data):
    return hashlib.sha256(data).hexdigest()


def parents(path):
    parts = path.strip("/").split("/")[:-1]
    return ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]


def _info(name, type_, size=0, mode=0o644, linkname=""):
    ti = tarfile.TarInfo(name)
    ti.type = type_
    ti.size = size
    ti.mode = mode
    ti.mtime = MTIME
    ti.uid = ti.gid = 0
    ti.uname = ti.gname = "root"
    ti.linkname = linkname
    return ti


def layer_tar(layer):
    """The uncompressed tar of a layer (its diffID is the sha256 of these bytes)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        have = set()
        for m in layer.members:
            name = member_name(m)
            if layer.auto_dirs and not isinstance(m, Raw):
                for d in parents(name):
                    if d not in have:
                        have.add(d)
                        tar.addfile(_info(d + "/", tarfile.DIRTYPE, mode=0o755))
            have.add(name)
            if isinstance(m, File):
                tar.addfile(_info(name, tarfile.REGTYPE, len(m.data), m.mode), io.BytesIO(m.data))
            elif isinstance(m, Dir):
                tar.addfile(_info(name + "/", tarfile.DIRTYPE, mode=m.mode))
            elif isinstance(m, Symlink):
                tar.addfile(_info(name, tarfile.SYMTYPE, mode=0o777, linkname=m.target))
            elif isinstance(m, Hardlink):
                tar.addfile(_info(name, tarfile.LNKTYPE, linkname=m.target.strip("/")))
            elif isinstance(m, (Whiteout, Opaque)):
                tar.addfile(_info(name, tarfile.REGTYPE, 0), io.BytesIO(b""))
            elif isinstance(m, CharDev):
                ti = _info(name, tarfile.CHRTYPE)
                ti.devmajor, ti.devminor = m.major, m.minor
                tar.addfile(ti)
            elif isinstance(m, Raw):
                ti = _info(m.name, m.type, len(m.data), linkname=m.linkname)
                tar.addfile(ti, io.BytesIO(m.data) if m.data else None)
            else:
                raise TypeError(m)
    return buf.getvalue()


def zstd_compress(data):
    p = subprocess.run(["zstd", "-q", "-c", "-3"], input=data, capture_output=True, check=True)
    return p.stdout


def mkfs_layer(tar_bytes, opts, scratch):
    """An EROFS layer made from `tar_bytes` the way containerd's differ makes it."""
    exe = os.environ.get("MKFS_EROFS_19", "")
    if not exe:
        raise RuntimeError("MKFS_EROFS_19 is not set (source scripts/env.sh)")
    os.makedirs(scratch, exist_ok=True)
    src = os.path.join(scratch, sha256(tar_bytes) + ".tar")
    out = src[:-4] + "-" + sha256(" ".join(opts).encode())[:8] + ".erofs"
    with open(src, "wb") as f:
        f.write(tar_bytes)
    subprocess.run([exe, *DIFFER_OPTS, "-T0", "-U", UUID, *opts, out, src], check=True, capture_output=True)
    with open(out, "rb") as f:
        return f.read()


class Built:
    """The blobs of a layer, computed once: tar (uncompressed), blob (as stored), their digests."""

    def __init__(self, layer, scratch):
        self.layer = layer
        self.tar = layer_tar(layer)
        c = layer.compression
        if c == "none":
            self.blob = self.tar
        elif c == "gzip":
            self.blob = gzip.compress(self.tar, compresslevel=6, mtime=0)
        elif c == "zstd":
            self.blob = zstd_compress(self.tar)
        elif c == "erofs":
            self.blob = mkfs_layer(self.tar, list(layer.erofs_opts), scratch)
        else:
            raise ValueError(c)
        self.media_type = LAYER_TYPES[c]
        self.digest = "sha256:" + sha256(self.blob)
        # An EROFS layer is its own uncompressed form: containerd mounts the blob.
        self.diff_id = self.digest if c == "erofs" else "sha256:" + sha256(self.tar)
        self.id = self.diff_id


def _json(obj):
    return json.dumps(obj, indent=2, sort_keys=True).encode()


def _platform(text):
    parts = text.split("/")
    p = {"os": parts[0], "architecture": parts[1]}
    if len(parts) > 2:
        p["variant"] = parts[2]
    return p


# ---- the OCI image layout -----------------------------------------------------------------

class Layout:
    """An OCI image layout of `entries` (Image or Index, in index.json order)."""

    def __init__(self, entries, scratch):
        self.entries = entries
        self.scratch = scratch
        self.blobs = {}    # hex -> bytes
        self.built = {}    # id(Layer) -> Built
        self.manifests = {}  # id(Image) -> manifest digest
        top = [self._descriptor(e) for e in entries]
        self.index = {"schemaVersion": 2, "mediaType": INDEX_TYPE, "manifests": top}

    def layer(self, layer):
        if id(layer) not in self.built:
            self.built[id(layer)] = Built(layer, os.path.join(self.scratch, "mkfs"))
        return self.built[id(layer)]

    def _add(self, data):
        h = sha256(data)
        self.blobs[h] = data
        return {"digest": "sha256:" + h, "size": len(data)}

    def config(self, image):
        os_, arch = image.platform.split("/")[:2]
        return {"architecture": arch, "os": os_, "created": "2023-11-14T22:13:20Z",
                "config": {}, "rootfs": {"type": "layers", "diff_ids": [self.layer(l).diff_id for l in image.layers]}}

    def _manifest(self, image):
        layers = []
        for l in image.layers:
            b = self.layer(l)
            self.blobs[b.digest[7:]] = b.blob
            layers.append({"mediaType": b.media_type, "digest": b.digest, "size": len(b.blob)})
        cfg = dict(mediaType=CONFIG_TYPE, **self._add(_json(self.config(image))))
        m = {"schemaVersion": 2, "mediaType": MANIFEST_TYPE, "config": cfg, "layers": layers}
        d = dict(mediaType=MANIFEST_TYPE, **self._add(_json(m)))
        self.manifests[id(image)] = d["digest"]
        return d

    def _descriptor(self, entry, platform=False):
        if isinstance(entry, Image):
            d = self._manifest(entry)
            if platform:
                d["platform"] = _platform(entry.platform)
        else:
            kids = [self._descriptor(i, entry.platforms) for i in entry.images]
            d = dict(mediaType=INDEX_TYPE, **self._add(_json({"schemaVersion": 2, "mediaType": INDEX_TYPE,
                                                               "manifests": kids})))
        if entry.ref:
            d["annotations"] = {REF_KEY: entry.ref}
        return d

    def files(self):
        """[(relative path, bytes)] of the layout, sorted."""
        out = [("oci-layout", _json({"imageLayoutVersion": "1.0.0"})), ("index.json", _json(self.index))]
        out += [(f"blobs/sha256/{h}", self.blobs[h]) for h in sorted(self.blobs)]
        return out

    def write_dir(self, path):
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(os.path.join(path, "blobs", "sha256"))
        for rel, data in self.files():
            with open(os.path.join(path, rel), "wb") as f:
                f.write(data)
        return path

    def write_archive(self, path):
        return write_tar(path, self.files(), dirs=["blobs", "blobs/sha256"])


def write_tar(path, files, dirs=()):
    """A tar of (name, bytes) members (directories first), fixed metadata."""
    with tarfile.open(path, "w", format=tarfile.GNU_FORMAT) as tar:
        for d in dirs:
            tar.addfile(_info(d + "/", tarfile.DIRTYPE, mode=0o755))
        for name, data in files:
            tar.addfile(_info(name, tarfile.REGTYPE, len(data)), io.BytesIO(data))
    return path


# ---- the docker archive -------------------------------------------------------------------

class DockerArchive:
    """`docker save` of `images` (each with one RepoTag): manifest.json, <hex>.json configs,
    <hex>/layer.tar uncompressed (a layer shared by two images is stored once)."""

    def __init__(self, images, scratch):
        self.images = images
        self.built = {}
        files = {}
        manifest = []
        for img in images:
            if any(l.compression == "erofs" for l in img.layers):
                raise ValueError("docker archives hold tar layers only")
            names = []
            diff_ids = []
            for l in img.layers:
                b = self.built.setdefault(id(l), Built(Layer(l.members, "none", auto_dirs=l.auto_dirs), scratch))
                name = f"{b.diff_id[7:]}/layer.tar"
                files[name] = b.tar
                names.append(name)
                diff_ids.append(b.diff_id)
            os_, arch = img.platform.split("/")[:2]
            cfg = _json({"architecture": arch, "os": os_, "created": "2023-11-14T22:13:20Z", "config": {},
                         "rootfs": {"type": "layers", "diff_ids": diff_ids}})
            cname = sha256(cfg) + ".json"
            files[cname] = cfg
            manifest.append({"Config": cname, "RepoTags": [img.ref] if img.ref else None, "Layers": names})
        files["manifest.json"] = json.dumps(manifest).encode()
        self.files = sorted(files.items())

    def layer(self, layer):
        return self.built[id(layer)]

    def write(self, path):
        dirs = sorted({n.split("/")[0] for n, _ in self.files if "/" in n})
        return write_tar(path, self.files, dirs=dirs)


class DockerSave25:
    """`docker save` as Docker >= 25 writes it: an OCI layout (uncompressed tar layers) with the
    legacy manifest.json beside index.json, its Config and Layers naming blobs/sha256/<hex>."""

    def __init__(self, images, scratch):
        plain = {id(l): Layer(l.members, "none", auto_dirs=l.auto_dirs) for img in images for l in img.layers}
        self.images = [Image([plain[id(l)] for l in img.layers], img.ref, img.platform) for img in images]
        self.layout = Layout(self.images, scratch)
        self._plain = plain
        manifest = []
        for img in self.images:
            cfg = sha256(_json(self.layout.config(img)))
            manifest.append({"Config": f"blobs/sha256/{cfg}", "RepoTags": [img.ref] if img.ref else None,
                             "Layers": [f"blobs/sha256/{self.layout.layer(l).digest[7:]}" for l in img.layers]})
        self.files = sorted(self.layout.files() + [("manifest.json", json.dumps(manifest).encode())])

    def layer(self, layer):
        return self.layout.layer(self._plain.get(id(layer), layer))

    def write(self, path):
        return write_tar(path, self.files, dirs=["blobs", "blobs/sha256"])
