"""A minimal, self-contained OCI archive for the containerd node tests.

Two linux/amd64 images that share a base layer, each with a top layer of its own:
  a: base + top_a (a whiteout `.wh.NAME` hiding a base file, a new file)
  b: base + top_b (an opaque directory `.wh..wh..opq`, a new file); top_b is gzip-compressed,
     so its blob digest differs from its diffID.
build_many_archive() makes N images (base + a one-file top layer each), enough for containerd's
meta.db to need branch pages. Everything is built here with tarfile + json + hashlib; `expected` says what a reader must find:
diffIDs per image, bottom first, and every regular file's sha256 per layer (by diffID).
"""

import gzip
import hashlib
import io
import json
import tarfile

MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_TAR = "application/vnd.oci.image.layer.v1.tar"
MT_TGZ = "application/vnd.oci.image.layer.v1.tar+gzip"
MTIME = 1700000000


def _sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def _layer_tar(entries):
    """entries: (path, bytes | None for a directory). Returns the uncompressed tar."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for path, data in entries:
            ti = tarfile.TarInfo(path)
            ti.mtime = MTIME
            if data is None:
                ti.type = tarfile.DIRTYPE
                ti.mode = 0o755
                t.addfile(ti)
            else:
                ti.size = len(data)
                ti.mode = 0o644
                t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def _files(entries):
    return {p: _sha(d) for p, d in entries if d is not None and not p.split("/")[-1].startswith(".wh.")}


def layers():
    big = bytes((i * 7 + 3) % 251 for i in range(3 * 4096 + 100))
    base = [("etc", None), ("etc/os-release", b"ID=fixture\n"), ("etc/conf.d", None),
            ("etc/conf.d/x.conf", b"x=1\n"), ("usr", None), ("usr/share", None),
            ("usr/share/doc", None), ("usr/share/doc/a.txt", b"doc a\n"),
            ("usr/share/doc/big.bin", big)]
    top_a = [("usr", None), ("usr/share", None), ("usr/share/doc", None),
             ("usr/share/doc/.wh.a.txt", b""), ("app", None), ("app/a.bin", b"image a\n" * 600)]
    top_b = [("etc", None), ("etc/conf.d", None), ("etc/conf.d/.wh..wh..opq", b""),
             ("etc/conf.d/y.conf", b"y=2\n"), ("app", None), ("app/b.bin", b"image b\n" * 700)]
    return {"base": base, "top_a": top_a, "top_b": top_b}


def build_oci_archive(path):
    """Writes the OCI archive to `path`; returns the expectation (see the module doc)."""
    blobs = {}

    def put(b):
        d = _sha(b)
        blobs[d] = b
        return d

    ls = layers()
    tars = {k: _layer_tar(v) for k, v in ls.items()}
    diff = {k: _sha(v) for k, v in tars.items()}
    layer_desc = {}
    for k, t in tars.items():
        if k == "top_b":
            gz = gzip.compress(t, mtime=0)
            layer_desc[k] = {"mediaType": MT_TGZ, "digest": put(gz), "size": len(gz)}
        else:
            layer_desc[k] = {"mediaType": MT_TAR, "digest": put(t), "size": len(t)}

    images = {"a": ["base", "top_a"], "b": ["base", "top_b"]}
    index = {"schemaVersion": 2, "manifests": []}
    expected = {"images": {}, "files": {diff[k]: _files(v) for k, v in ls.items()},
                "blob_digest": {diff[k]: layer_desc[k]["digest"] for k in ls}}
    for name, keys in images.items():
        config = {"architecture": "amd64", "os": "linux", "created": "2023-11-14T22:13:20Z",
                  "config": {}, "rootfs": {"type": "layers", "diff_ids": [diff[k] for k in keys]},
                  "history": [{"created_by": k} for k in keys]}
        cb = json.dumps(config, sort_keys=True).encode()
        manifest = {"schemaVersion": 2, "mediaType": MT_MANIFEST,
                    "config": {"mediaType": MT_CONFIG, "digest": put(cb), "size": len(cb)},
                    "layers": [layer_desc[k] for k in keys]}
        mb = json.dumps(manifest, sort_keys=True).encode()
        ref = f"localhost/erofs-share/fixture-{name}:1"
        index["manifests"].append({
            "mediaType": MT_MANIFEST, "digest": put(mb), "size": len(mb),
            "platform": {"architecture": "amd64", "os": "linux"},
            "annotations": {"io.containerd.image.name": ref,
                            "org.opencontainers.image.ref.name": "1"}})
        expected["images"][ref] = [diff[k] for k in keys]
        expected.setdefault("configs", []).append(manifest["config"]["digest"])

    _write_archive(path, index, blobs)
    return expected


def _write_archive(path, index, blobs):
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as t:
        def add(name, data):
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mtime = MTIME
            ti.mode = 0o644
            t.addfile(ti, io.BytesIO(data))
        add("oci-layout", json.dumps({"imageLayoutVersion": "1.0.0"}).encode())
        add("index.json", json.dumps(index, sort_keys=True).encode())
        for d, b in sorted(blobs.items()):
            add("blobs/sha256/" + d.split(":")[1], b)


def build_many_archive(path, n):
    """N images sharing the base layer, each with a top layer of one file. Returns
    {image name: [diffIDs, bottom first]}."""
    blobs = {}

    def put(b):
        d = _sha(b)
        blobs[d] = b
        return d

    base = _layer_tar(layers()["base"])
    bd = put(base)
    index = {"schemaVersion": 2, "manifests": []}
    images = {}
    for i in range(n):
        top = _layer_tar([("app", None), (f"app/f{i}", f"image {i}\n".encode())])
        td = put(top)
        cb = json.dumps({"architecture": "amd64", "os": "linux",
                         "rootfs": {"type": "layers", "diff_ids": [bd, td]}}, sort_keys=True).encode()
        mb = json.dumps({"schemaVersion": 2, "mediaType": MT_MANIFEST,
                         "config": {"mediaType": MT_CONFIG, "digest": put(cb), "size": len(cb)},
                         "layers": [{"mediaType": MT_TAR, "digest": bd, "size": len(base)},
                                    {"mediaType": MT_TAR, "digest": td, "size": len(top)}]},
                        sort_keys=True).encode()
        ref = f"localhost/erofs-share/many-{i:04d}-with-a-long-name-so-that-keys-fill-pages:1"
        index["manifests"].append({"mediaType": MT_MANIFEST, "digest": put(mb), "size": len(mb),
                                   "platform": {"architecture": "amd64", "os": "linux"},
                                   "annotations": {"io.containerd.image.name": ref}})
        images[ref] = [bd, td]
    _write_archive(path, index, blobs)
    return images


def config_digests(expected):
    """The config blob digests, in image order."""
    return expected["configs"]
