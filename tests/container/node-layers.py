#!/usr/bin/env python3
"""A real containerd node: import two OCI images sharing a base layer (node_fixture.py) into
containerd's EROFS snapshotter (containerd_node.py), then check against the fixture alone:
  - the node holds one layer.erofs per distinct diffID, each with the UUID containerd derives
    from the layer's blob digest (a gzip layer: not from its diffID);
  - open_node (erofs-share-node-dump) finds each blob once, with id = diffID, and maps each
    image to its diffIDs, bottom first; a symlink and a hard link to a blob add no layer;
    the snapshotter directory alone gives the same blobs and no images;
  - `erofs-share inspect --digest --format json` of every blob: each regular file's fingerprint
    equals its sha256 (mkfs_options --xattr-inode-digest), whiteouts and opaque directories are
    overlayfs-style (--aufs);
  - the bbolt unit test reads the real meta.db (EROFS_SHARE_BOLT_FILE);
  - 40 images: containerd's meta.db has branch pages, every image still maps right.
Root only: exits 77 (skipped) otherwise, saying why. The tar-index variant (enable_tar_index)
is reported as skipped when containerd is older than 2.2.
"""

import json
import os
import subprocess
import sys
import tempfile
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import containerd_node  # noqa: E402
import node_fixture  # noqa: E402

NAME = "node-layers"


def fail(msg):
    print(f"{NAME}: FAILED: {msg}", file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def run(cmd, env=None):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        fail(f"{' '.join(cmd)} exited {p.returncode}:\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
    return p.stdout


def expect_error(dump, root, text):
    p = subprocess.run([dump, root], capture_output=True, text=True)
    err = p.stderr.strip()
    check(p.returncode == 2 and text in err and "\n" not in err,
          f"node dump of a damaged node: exit {p.returncode}, stderr {err!r}; wanted one line with {text!r}")


def sb_uuid(path):
    with open(path, "rb") as f:
        f.seek(1024)
        sb = f.read(64)
    check(sb[:4] == bytes.fromhex("e2e1f5e0"), f"{path}: no EROFS superblock")
    return str(uuid.UUID(bytes=sb[48:64]))


def layer_uuid(digest):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "erofs:blobs/" + digest))


def check_blob(es, blob, files):
    """Every regular file of `files` (path -> sha256:hex) has fingerprint == digest == sha256."""
    rep = json.loads(run([es, "inspect", "--digest", "--format", "json", blob]))
    by_path = {f["path"].lstrip("/"): f for f in rep["files"]}
    for path, want in files.items():
        f = by_path.get(path)
        check(f is not None, f"{blob}: {path} missing")
        check(f.get("digest") == want[7:], f"{blob}: {path} digest {f.get('digest')} != {want}")
        check(f["fingerprint"] == want[7:], f"{blob}: {path} fingerprint {f['fingerprint']} != {want}")
    regular = {p for p, f in by_path.items() if f["type"] == "file"}
    check(regular == set(files), f"{blob}: regular files {sorted(regular)} != {sorted(files)}")
    return by_path


def merged_files(lower, upper, hidden):
    files = {p: d for p, d in lower.items() if p not in hidden}
    files.update(upper)
    return files


def check_fsmeta(es, dump, node, chain, files):
    """A merged fsmeta.erofs as containerd 2.3 makes it (mkfs.erofs --aufs --ovlfs-strip=1 of the
    chain's blobs, bottom first) in the top snapshot: one more layer, the chain as its devices,
    and its files read through those devices."""
    fsmeta = os.path.join(os.path.dirname(chain[-1]), "fsmeta.erofs")
    run([os.environ["MKFS_EROFS_19"], "--aufs", "--ovlfs-strip=1", "--quiet", fsmeta, *chain])
    got = json.loads(run([dump, node.root]))
    metas = [l for l in got["layers"] if l["id"].endswith("/fsmeta.erofs")]
    check(len(metas) == 1 and len(got["layers"]) == 4, f"layers with an fsmeta: {[l['id'] for l in got['layers']]}")
    devs = [os.path.realpath(d) for d in metas[0]["devices"]]
    check(devs == [os.path.realpath(c) for c in chain], f"fsmeta devices {devs} != chain {chain}")
    cmd = [es, "inspect", "--digest", "--format", "json"]
    for d in chain:
        cmd += ["--device", d]
    rep = json.loads(run(cmd + [fsmeta]))
    by_path = {f["path"].lstrip("/"): f for f in rep["files"] if f["type"] == "file"}
    check(set(by_path) == set(files), f"fsmeta files {sorted(by_path)} != {sorted(files)}")
    for p, want in files.items():
        check(by_path[p].get("digest") == want[7:], f"fsmeta {p}: digest {by_path[p].get('digest')} != {want}")
    with_fp = sum(1 for f in by_path.values() if f["fingerprint"] is not None)
    print(f"{NAME}: fsmeta.erofs: {len(by_path)} files read through {len(chain)} devices, "
          f"{with_fp} with a fingerprint xattr")
    os.remove(fsmeta)


def check_many(dump, gtests, fix, n=40):
    """Enough images for meta.db to hold branch pages: the bbolt reader and open_node still map
    every image to its diffIDs."""
    archive = os.path.join(fix, "many.tar")
    images = node_fixture.build_many_archive(archive, n)
    with containerd_node.ContainerdNode() as node:
        secs = node.import_archive(archive)
        node.stop()
        meta = os.path.join(node.root, "io.containerd.metadata.v1.bolt", "meta.db")
        with open(meta, "rb") as f:
            db = f.read()
        branches = sum(1 for p in range(len(db) // 4096) if db[p * 4096 + 8:p * 4096 + 10] == b"\x01\x00")
        check(branches > 0, f"meta.db of {n} images has no branch page: the test covers less than it says")
        got = json.loads(run([dump, node.root]))
        ids = [l["id"] for l in got["layers"]]
        mapped = {im["name"].split(":", 1)[1]: [ids[i] for i in im["layers"]] for im in got["images"]}
        check(mapped == images, f"{n} images: open_node mapped {len(mapped)} images differently")
        check(len(ids) == n + 1, f"{n} images: {len(ids)} layers, not {n + 1}")
        env = dict(os.environ, EROFS_SHARE_BOLT_FILE=meta, EROFS_SHARE_BOLT_IMAGES=",".join(sorted(images)))
        run([gtests, "--gtest_filter=Bolt.ReadsTheMetaDbOfARealContainerd"], env=env)
        print(f"{NAME}: imported {n} images in {secs:.2f} s; meta.db has {branches} branch pages")


def main():
    reason = containerd_node.skip_reason()
    if reason:
        print(f"{NAME}: SKIPPED: {reason}")
        sys.exit(77)
    es = os.environ.get("EROFS_SHARE", "")
    dump = os.environ.get("EROFS_SHARE_NODE_DUMP", "")
    gtests = os.environ.get("EROFS_SHARE_CONTAINER_TESTS", "")
    for v in (es, dump, gtests):
        check(v and os.access(v, os.X_OK), "EROFS_SHARE, EROFS_SHARE_NODE_DUMP and EROFS_SHARE_CONTAINER_TESTS must name executables (CTest sets them)")
    print(f"{NAME}: containerd {os.environ.get('CONTAINERD_VERSION', '?')}")

    with tempfile.TemporaryDirectory(prefix="es-node-fix-") as fix:
        archive = os.path.join(fix, "images.tar")
        exp = node_fixture.build_oci_archive(archive)
        diff_ids = sorted({d for ids in exp["images"].values() for d in ids})
        with containerd_node.ContainerdNode() as node:
            secs = node.import_archive(archive)
            print(f"{NAME}: imported 2 images in {secs:.2f} s")
            check(sorted(node.images()) == sorted(exp["images"]), f"ctr images ls: {node.images()}")
            node.stop()

            # The node itself: one layer.erofs per distinct diffID, with containerd's UUIDs.
            snaps = os.path.join(node.snapshotter, "snapshots")
            blobs = sorted(os.path.join(snaps, s, "layer.erofs") for s in os.listdir(snaps)
                           if os.path.exists(os.path.join(snaps, s, "layer.erofs")))
            check(len(blobs) == len(diff_ids), f"{len(blobs)} layer.erofs for {len(diff_ids)} diffIDs")
            uuids = {sb_uuid(b): b for b in blobs}
            by_diff = {}
            for d in diff_ids:
                u = layer_uuid(exp["blob_digest"][d])
                check(u in uuids, f"no layer.erofs has UUID {u} (from the blob digest of {d})")
                by_diff[d] = uuids[u]
                if exp["blob_digest"][d] != d:
                    check(layer_uuid(d) not in uuids, f"a UUID from the diffID {d} of a compressed layer")

            # open_node through erofs-share-node-dump: each blob once, images -> diffIDs.
            got = json.loads(run([dump, node.root]))
            ids = [l["id"] for l in got["layers"]]
            check(sorted(ids) == diff_ids, f"layer ids {ids} != diffIDs {diff_ids}")
            for l in got["layers"]:
                check(os.path.realpath(l["where"]) == os.path.realpath(by_diff[l["id"]]),
                      f"{l['id']} read from {l['where']}, not {by_diff[l['id']]}")
                check(l["format"] == "erofs", f"{l['id']}: format {l['format']}")
            check(got["images_from"] == "containerd metadata (meta.db, read natively)", got["images_from"])
            images = {im["name"].split(":", 1)[1]: [ids[i] for i in im["layers"]] for im in got["images"]}
            check(images == exp["images"], f"images {images} != {exp['images']}")

            # Two more names of existing blobs (a symlink, a hard link) add no layer.
            os.makedirs(os.path.join(snaps, "98"))
            os.makedirs(os.path.join(snaps, "99"))
            os.symlink(blobs[0], os.path.join(snaps, "98", "layer.erofs"))
            os.link(blobs[1], os.path.join(snaps, "99", "layer.erofs"))
            again = json.loads(run([dump, node.root]))
            check(sorted(l["id"] for l in again["layers"]) == diff_ids,
                  f"extra names made layers: {[l['id'] for l in again['layers']]}")
            alone = json.loads(run([dump, node.snapshotter]))
            check(alone["images"] == [] and alone["images_from"] == "", "the snapshotter dir alone gave images")
            check(sorted(os.path.realpath(l["where"]) for l in alone["layers"]) ==
                  sorted(os.path.realpath(b) for b in blobs), "the snapshotter dir alone: wrong blobs")
            check(all(l["id"] == l["name"] for l in alone["layers"]), "without metadata a layer's id is its path")

            # Every file's fingerprint is its sha256; --aufs whiteouts are overlayfs metadata.
            rows = {d: check_blob(es, by_diff[d], exp["files"][d]) for d in diff_ids}
            base, top_a = exp["images"]["localhost/erofs-share/fixture-a:1"]
            check_fsmeta(es, dump, node, [by_diff[base], by_diff[top_a]],
                         merged_files(exp["files"][base], exp["files"][top_a], hidden={"usr/share/doc/a.txt"}))
            wh = rows[top_a].get("usr/share/doc/a.txt")
            check(wh is not None and wh["type"] == "chardev" and wh["rdev"] == {"major": 0, "minor": 0},
                  f"whiteout of usr/share/doc/a.txt: {wh}")
            top_b = exp["images"]["localhost/erofs-share/fixture-b:1"][1]
            opq = rows[top_b].get("etc/conf.d", {})
            names = [x["name"] for x in opq.get("xattrs", [])]
            check("trusted.overlay.opaque" in names, f"etc/conf.d xattrs {names}: no trusted.overlay.opaque")

            # The bbolt reader on the meta.db this containerd wrote.
            env = dict(os.environ,
                       EROFS_SHARE_BOLT_FILE=os.path.join(node.root, "io.containerd.metadata.v1.bolt", "meta.db"),
                       EROFS_SHARE_BOLT_IMAGES=",".join(sorted(exp["images"])))
            run([gtests, "--gtest_filter=Bolt.ReadsTheMetaDbOfARealContainerd"], env=env)

            # Untrusted metadata: a changed config blob and a truncated meta.db fail in one line.
            cfg_digest = node_fixture.config_digests(exp)[0]
            cfg = os.path.join(node.root, "io.containerd.content.v1.content", "blobs", "sha256", cfg_digest[7:])
            with open(cfg, "r+b") as f:
                f.write(b" ")
            expect_error(dump, node.root, "blob does not match its digest")
            meta = env["EROFS_SHARE_BOLT_FILE"]
            with open(meta, "r+b") as f:
                f.truncate(5000)
            expect_error(dump, node.root, "not a bbolt file")

        check_many(dump, gtests, fix)

    reason = containerd_node.skip_reason(tar_index=True)
    if reason:
        print(f"{NAME}: tar-index variant skipped: {reason}")
    print(f"{NAME}: OK")


if __name__ == "__main__":
    main()
