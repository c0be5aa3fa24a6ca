"""Hand-made container inputs for the container tests: layer tars (tarfile), EROFS layers made
from them by the real mkfs.erofs >= 1.9 as containerd's EROFS differ runs it, and OCI image
layouts holding them (index.json, manifest, config, blobs, each named by its SHA-256)."""
import hashlib
import io
import json
import os
import random
import subprocess
import tarfile

OCI_TAR = "application/vnd.oci.image.layer.v1.tar"
EROFS_LAYER = "application/vnd.erofs.layer.v1"
# containerd's differ (docs/containers.md), -b4096 as newer versions prepend it.
DIFFER_OPTIONS = ["--tar=f", "--aufs", "--quiet", "-Enoinline_data", "-b4096", "--xattr-inode-digest"]
UUID = "2f7c1a3e-5b6d-4c8e-9f0a-1b2c3d4e5f60"


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def pseudo_random(n, seed):
    r = random.Random(seed)
    return bytes(r.getrandbits(8) for _ in range(n))


def layer_tar(files):
    """An uncompressed layer tar of {path: bytes} (directories made as needed), reproducible."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        dirs = set()
        for path in sorted(files):
            parts = path.split("/")[:-1]
            for k in range(1, len(parts) + 1):
                d = "/".join(parts[:k])
                if d in dirs:
                    continue
                dirs.add(d)
                info = tarfile.TarInfo(d)
                info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, 1700000000
                tar.addfile(info)
            info = tarfile.TarInfo(path)
            info.size, info.mode, info.mtime = len(files[path]), 0o644, 1700000000
            tar.addfile(info, io.BytesIO(files[path]))
    return out.getvalue()


def erofs_layer(mkfs, tar_bytes, scratch, name="layer"):
    """The EROFS image mkfs.erofs makes of `tar_bytes` with the differ's options (bytes)."""
    tar_path = os.path.join(scratch, name + ".tar")
    out = os.path.join(scratch, name + ".erofs")
    with open(tar_path, "wb") as f:
        f.write(tar_bytes)
    subprocess.run([mkfs, *DIFFER_OPTIONS, "-U", UUID, "-T0", out, tar_path], check=True)
    with open(out, "rb") as f:
        return f.read()


def write_blob(root, data):
    digest = sha256(data)
    path = os.path.join(root, "blobs", "sha256", digest[7:])
    with open(path, "wb") as f:
        f.write(data)
    return digest


def write_layout(root, layers, ref="1.0"):
    """An OCI layout at `root` with one linux/amd64 image of `layers` [(media type, bytes)],
    bottom first. Returns the layer digests in that order."""
    os.makedirs(os.path.join(root, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(root, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    digests = [write_blob(root, data) for _, data in layers]
    diff_ids = [sha256(data) for media, data in layers if media == OCI_TAR]
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
    manifest = json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": write_blob(root, config),
                   "size": len(config)},
        "layers": [{"mediaType": media, "digest": d, "size": len(data)}
                   for (media, data), d in zip(layers, digests)],
    }).encode()
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": write_blob(root, manifest),
                       "size": len(manifest), "annotations": {"org.opencontainers.image.ref.name": ref}}],
    }
    with open(os.path.join(root, "index.json"), "w") as f:
        json.dump(index, f)
    return digests


def blob_path(root, digest):
    return os.path.join(root, "blobs", "sha256", digest[7:])


def archive(root, out):
    """An OCI archive (a tar of the layout) of `root` at `out`."""
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(os.listdir(root)):
            tar.add(os.path.join(root, name), arcname=name)
