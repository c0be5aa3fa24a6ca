#!/usr/bin/env python3
"""container_seeds.py DIR: seed inputs for fuzz_container: layer tars (plain, gzip) with
whiteouts, an opaque marker, hard links and symlinks, and OCI and docker archives of two images
sharing a base layer. Small, so that mutations stay fast."""
import gzip
import hashlib
import io
import json
import sys
import tarfile


def tar(members):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, kind, data in members:
            ti = tarfile.TarInfo(name)
            ti.mtime = 0
            if kind == "dir":
                ti.type = tarfile.DIRTYPE
                t.addfile(ti)
            elif kind == "link":
                ti.type = tarfile.LNKTYPE
                ti.linkname = data
                t.addfile(ti)
            elif kind == "sym":
                ti.type = tarfile.SYMTYPE
                ti.linkname = data
                t.addfile(ti)
            else:
                ti.size = len(data)
                t.addfile(ti, io.BytesIO(data))
    return b.getvalue()


def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def archive(files):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in files:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mtime = 0
            t.addfile(ti, io.BytesIO(data))
    return b.getvalue()


def main():
    out = sys.argv[1]
    base = tar([("usr/", "dir", b""), ("usr/lib/", "dir", b""), ("usr/lib/a", "file", b"a" * 5000),
                ("usr/lib/b", "link", "usr/lib/a"), ("etc/x", "file", b"x" * 100), ("bin", "sym", "usr/bin")])
    upper = tar([("etc/.wh.x", "file", b""), ("usr/lib/.wh..wh..opq", "file", b""), ("usr/lib/c", "file", b"c" * 300),
                 ("bin/", "dir", b"")])
    open(f"{out}/layer.tar", "wb").write(upper)
    open(f"{out}/layer.tar.gz", "wb").write(gzip.compress(base, mtime=0))
    layers = [gzip.compress(base, mtime=0), upper]
    diff_ids = [sha(base), sha(upper)]
    blobs = {}
    descs = []
    for blob, media in zip(layers, ["application/vnd.oci.image.layer.v1.tar+gzip", "application/vnd.oci.image.layer.v1.tar"]):
        blobs[sha(blob)] = blob
        descs.append({"mediaType": media, "digest": sha(blob), "size": len(blob)})
    manifests = []
    for n in (1, 2):
        config = json.dumps({"os": "linux", "architecture": "amd64",
                             "rootfs": {"type": "layers", "diff_ids": diff_ids[:n]}}).encode()
        blobs[sha(config)] = config
        m = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha(config),
                                   "size": len(config)}, "layers": descs[:n]}).encode()
        blobs[sha(m)] = m
        manifests.append({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": sha(m), "size": len(m),
                          "platform": {"os": "linux", "architecture": "amd64"},
                          "annotations": {"org.opencontainers.image.ref.name": f"v{n}"}})
    files = [("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'),
             ("index.json", json.dumps({"schemaVersion": 2, "manifests": manifests}).encode())]
    files += [("blobs/sha256/" + d[7:], b) for d, b in sorted(blobs.items())]
    open(f"{out}/oci.tar", "wb").write(archive(files))
    config = json.dumps({"os": "linux", "architecture": "amd64",
                         "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
    docker = [("manifest.json", json.dumps([{"Config": "c.json", "RepoTags": ["app:1"],
                                            "Layers": ["1/layer.tar", "2/layer.tar"]}]).encode()),
              ("c.json", config), ("1/layer.tar", base), ("2/layer.tar", upper)]
    open(f"{out}/docker.tar", "wb").write(archive(docker))


main()
