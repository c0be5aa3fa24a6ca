#!/usr/bin/env python3
"""Gzip layers of a docker archive read as their uncompressed tars are, and broken ones refused.

The scan inflates a gzip layer whole with libdeflate when its trailer's size fits a memory budget
and streams it through libarchive otherwise (container-scan-vs-zcat.sh times it). This checks
both paths against the plain tar: one member, two members, trailing bytes and a wrong size in the
trailer give the same JSON as the uncompressed layers (or, where libarchive refuses them, a
one-line error), and a flipped byte or a cut stream fails with a one-line error naming the layer.
Env: EROFS_SHARE (the binary), EROFS_SHARE_SCRATCH (a scratch dir).
"""
import gzip
import hashlib
import io
import json
import os
import random
import subprocess
import sys
import tarfile

bin_ = os.environ["EROFS_SHARE"]
scratch = os.path.join(os.environ.get("EROFS_SHARE_SCRATCH", "/tmp"), "container-gzip-layers")
os.makedirs(scratch, exist_ok=True)
failures = []
checks = 0


def check(ok, what):
    global checks
    checks += 1
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def layer_tar(seed, n):
    r = random.Random(seed)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for i in range(n):
            size = r.choice([0, 100, 4096, 70000, 300000])
            data = (r.randbytes(size // 2) + bytes(size - size // 2)) if i % 3 else bytes(size)
            info = tarfile.TarInfo(f"d{i % 4}/f{i:03d}")
            info.size = size
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def docker_archive(path, blobs, tars):
    """blobs: the layer members' bytes; tars: the uncompressed tars (their diff_ids)."""
    buf = io.BytesIO()
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {
        "type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(t).hexdigest() for t in tars]}}).encode()
    # "<v1 id>/layer.tar" names no digest: broken blobs reach the reader.
    members = [("config.json", config)] + [(f"{i:064x}/layer.tar", b) for i, b in enumerate(blobs)]
    manifest = json.dumps([{"Config": "config.json", "RepoTags": ["t:1"],
                            "Layers": [m for m, _ in members[1:]]}]).encode()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in [("manifest.json", manifest)] + members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    with open(path, "wb") as f:
        f.write(buf.getvalue())


def scan(name, blobs, tars):
    path = os.path.join(scratch, name + ".tar")
    docker_archive(path, blobs, tars)
    p = subprocess.run([bin_, "scan", "--no-progress", "--format", "json", "docker-archive:" + path],
                       capture_output=True, text=True)
    p.report = p.stdout.replace(path, "ARCHIVE")  # the whole JSON report, but the archive's name
    return p


def figures(p):
    return p.report


tars = [layer_tar(1, 40), layer_tar(2, 25)]
plain = scan("plain", tars, tars)
check(plain.returncode == 0, f"plain tar layers scan (rc {plain.returncode}: {plain.stderr.strip()})")
want = figures(plain)
check(json.loads(plain.stdout)["totals"]["files"] > 0, "the plain layers have files")

gz = [gzip.compress(t, mtime=0) for t in tars]
variants = {
    "one-member": gz,
    "two-members": [gzip.compress(t[:len(t) // 2], mtime=0) + gzip.compress(t[len(t) // 2:], mtime=0) for t in tars],
    "trailing-zeros": [g + bytes(1024) for g in gz],
    "wrong-isize": [g[:-4] + ((int.from_bytes(g[-4:], "little") + 512) % 2**32).to_bytes(4, "little") for g in gz],
}
for name, blobs in variants.items():
    p = scan(name, blobs, tars)
    if p.returncode == 0:
        check(figures(p) == want, f"{name}: the same figures as the plain tars")
    else:
        err = p.stderr.strip()
        check(len(err.splitlines()) == 1 and "@sha256:" in err, f"{name}: refused in one line naming the layer ({err})")

for name, blobs in {
    "flipped-byte": [gz[0][:len(gz[0]) // 2] + bytes([gz[0][len(gz[0]) // 2] ^ 0x55]) + gz[0][len(gz[0]) // 2 + 1:], gz[1]],
    "cut": [gz[0][: len(gz[0]) * 2 // 3], gz[1]],
}.items():
    p = scan(name, blobs, tars)
    err = p.stderr.strip()
    check(p.returncode not in (0, -11, -6) and len(err.splitlines()) == 1 and "@sha256:" in err,
          f"{name}: fails with a one-line error naming the layer (rc {p.returncode}: {err})")

print(f"{checks - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
