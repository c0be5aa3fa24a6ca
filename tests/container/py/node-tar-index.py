#!/usr/bin/env python3
"""Tar-index layer blobs as containerd >= 2.2 writes them (`enable_tar_index = true`:
`mkfs.erofs --tar=i --aufs`, then the layer tar appended to the index in the same file) are read
exactly: a node holding one layer as a tar-index blob and the same layer as the differ's default
`--tar=f` image has every file twice, with the same content (read through the index from the
appended tar), and a layer-cache symlink to a blob adds no layer. containerd 2.1 has no tar
index, so the blobs are laid out by the test as the snapshotter does."""
import hashlib
import io
import json
import os
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import containerlib as cl  # noqa: E402
import scanlib  # noqa: E402

t = scanlib.setup()
mkfs = scanlib.need_env("MKFS_EROFS_19")
root = os.path.join(t, "root")
snaps = os.path.join(root, "io.containerd.snapshotter.v1.erofs", "snapshots")
for i in (1, 2):
    os.makedirs(os.path.join(snaps, str(i)))

members = {"usr/lib/libx.so": os.urandom(70000), "etc/conf": b"k=v\n" * 500, "bin/tool": b"\x7fELF" + bytes(range(256)) * 40,
           "usr/share/doc/a": b"doc " * 3000}
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
    for name, data in members.items():
        ti = tarfile.TarInfo(name)
        ti.size = len(data)
        ti.mtime = 1700000000
        tf.addfile(ti, io.BytesIO(data))
    ti = tarfile.TarInfo("etc/.wh.old")
    tf.addfile(ti, io.BytesIO(b""))
layer_tar = os.path.join(t, "layer.tar")
with open(layer_tar, "wb") as f:
    f.write(buf.getvalue())

# Snapshot 1: the tar index with the tar appended (containerd 2.2+ enable_tar_index).
index = os.path.join(t, "index.erofs")
scanlib.run([mkfs, "--tar=i", "--aufs", "--quiet", "-Enoinline_data", "-T0", index, layer_tar])
with open(os.path.join(snaps, "1", "layer.erofs"), "wb") as f:
    f.write(open(index, "rb").read() + buf.getvalue())
# Snapshot 2: the differ's default conversion, kept in a layer cache and symlinked (2.4+).
cache = os.path.join(root, "cache", "sha256", "ab")
os.makedirs(cache)
blob = os.path.join(cache, "ab12.erofs")
scanlib.run([mkfs, "--tar=f", "--aufs", "--quiet", "-Enoinline_data", "-T0", blob, layer_tar])
os.symlink(blob, os.path.join(snaps, "2", "layer.erofs"))
os.makedirs(os.path.join(snaps, "3"))
os.symlink(blob, os.path.join(snaps, "3", "layer.erofs"))  # a second name of one blob

doc, err = cl.scan_json(["--verify-all", root])
if doc is None:
    scanlib.fail(f"scan of the node: {err}")
problems = []
if len(doc["inputs"]) != 2:
    problems.append(f"{len(doc['inputs'])} layers, expected 2 (the symlinked blob once): {[i['name'] for i in doc['inputs']]}")
want = {hashlib.sha256(d).hexdigest(): len(d) for d in members.values()}
for i in doc["inputs"]:
    if i["files"] != len(members) or i["data_bytes"] != sum(want.values()) or i["unreadable_files"]:
        problems.append(f"{i['name']}: {i['files']} files, {i['data_bytes']} bytes, {i['unreadable_files']} unreadable; "
                        f"expected {len(members)}, {sum(want.values())}, 0")
    if i["special_files"] != 1:
        problems.append(f"{i['name']}: {i['special_files']} special files, expected 1 (the whiteout as a 0:0 device)")
got = {g["sha256"]: (g["size"], len(g["copies"])) for g in doc["groups"]}
for digest, size in want.items():
    if got.get(digest) != (size, 2):
        problems.append(f"content {digest[:16]} ({size} bytes): scan {got.get(digest)}, expected ({size}, 2 copies)")
if problems:
    scanlib.fail("node-tar-index: " + "; ".join(problems))
print(f"node-tar-index: pass: {len(members)} files read through the tar index equal the --tar=f layer's")
