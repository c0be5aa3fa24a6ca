#!/usr/bin/env python3
"""A real containerd node predicts itself: the test builds an OCI archive (two releases of one
image sharing a base layer, an unrelated image; whiteouts, an opaque directory, a replaced file,
a hard link), imports it into a real containerd >= 2.1 whose EROFS differ fingerprints every layer
(mkfs_options = ["--xattr-inode-digest"]), then:
  1. scans the node root: every figure (totals, layer identity, hidden, every layer's row, every
     image's row, every image pair) equals what scanning the archive predicted with
     --layer-mkfs-options --xattr-inode-digest, and what the independent model says;
  2. runs smoke on the node's layer blobs (same domain) in QEMU on Debian's >= 7.0 kernel: every
     observation agrees with scan's prediction, and the twins the scan says share do share.
Skips (exit 77) only without root, containerd, QEMU or busybox, saying which."""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
import containerlib as cl  # noqa: E402
import containerd_node  # noqa: E402
import fixtures  # noqa: E402
import oci_model  # noqa: E402
import scanlib  # noqa: E402
from ocifixture import Layout  # noqa: E402


def skip(why):
    print(f"node-vs-archives: SKIP: {why}")
    sys.exit(77)


reason = containerd_node.skip_reason()
if reason:
    skip(reason)
t = scanlib.setup()
p = lambda *n: os.path.join(t, *n)  # noqa: E731
os.makedirs(p("work"))
imgs = fixtures.releases(fixtures.layers())
lay = Layout(imgs, p("work"))
archive = lay.write_archive(p("oci.tar"))
OPTS = "--xattr-inode-digest"
d = cl.Diffs()

predicted, err = cl.scan_json(["--layer-mkfs-options=" + OPTS, "oci-archive:" + archive])
if predicted is None:
    scanlib.fail(f"scan of the archive: {err}")
cl.compare(d, "archive", predicted, oci_model.expected([oci_model.ModelInput("oci-archive:" + archive, imgs, lay)], OPTS))

with containerd_node.ContainerdNode() as node:
    node.import_archive(archive)
    node.stop()
    node_json, err = cl.scan_json([node.root])
    if node_json is None:
        scanlib.fail(f"scan of the node root {node.root}: {err}")
    blobs = [i["name"] for i in node_json["inputs"]]

    # 1. The node against the prediction. Layer names differ (blob paths vs digests) and the
    #    node's layers come in snapshot order: rows are matched through the images' layer lists.
    for k in scanlib.FIGURES + ["files", "data_bytes"]:
        d.eq("node", f"totals.{k}", node_json["totals"].get(k), predicted["totals"][k])
    d.eq("node", "layers", node_json.get("layers"), predicted["layers"])
    d.eq("node", "image count", len(node_json.get("images", [])), len(predicted["images"]))
    ROW = ["files", "paths", "data_bytes", "users", "hidden_files", "hidden_bytes", "ishare", "cache_bytes_without_sharing",
           "cache_bytes_now", "cache_bytes_if_tagged", "saved_bytes_now", "saved_bytes_if_tagged"]
    IMAGE = ["files", "cache_bytes", "shared_by_layers", "saved_bytes_now", "saved_bytes_if_tagged", "platform"]

    def image_key(name):  # "app:1" from the archive's "oci-archive:FILE:app:1" and the node's "containerd:ROOT:app:1"
        return ":".join(name.split(":")[-2:])

    want_images = {image_key(i["name"]): i for i in predicted["images"]}
    got_images = {}
    for i in node_json.get("images", []):
        got_images[image_key(i["name"])] = i
    layer_map = {}  # predicted layer index -> node layer index
    for name, want in want_images.items():
        got = got_images.get(name)
        if got is None:
            d.add("node", f"image {name}", sorted(got_images), "present")
            continue
        for k in IMAGE:
            d.eq("node", f"image {name} {k}", got[k], want[k])
        d.eq("node", f"image {name} layer count", len(got["layers"]), len(want["layers"]))
        for a, b in zip(want["layers"], got["layers"]):
            if layer_map.setdefault(a, b) != b:
                d.add("node", f"image {name} layer {a}", b, layer_map[a])
    for a, b in layer_map.items():
        for k in ROW:
            d.eq("node", f"layer {a} (node {blobs[b]}) {k}", node_json["inputs"][b][k], predicted["inputs"][a][k])
    d.eq("node", "layer count", len(node_json["inputs"]), len(predicted["inputs"]))
    inv = {v: k for k, v in layer_map.items()}
    got_names = [image_key(i["name"]) for i in node_json.get("images", [])]
    want_names = [image_key(i["name"]) for i in predicted["images"]]

    def pairs(doc, names):
        return {tuple(sorted((names[x["a"]], names[x["b"]]))): (x["common_layer_bytes"], x["shared_bytes_now"],
                                                                x["shared_bytes_if_tagged"]) for x in doc.get("image_pairs", [])}
    d.eq("node", "image pairs", pairs(node_json, got_names), pairs(predicted, want_names))
    d.finish("node-vs-archives (node scan vs the archive's prediction)")

    # 2. The kernel: smoke on the blobs containerd wrote, one domain, in the node scan's order.
    if not os.path.exists("/bin/busybox") or not subprocess.run(["sh", "-c", "command -v qemu-system-x86_64"],
                                                                  capture_output=True).returncode == 0:
        skip("qemu-system-x86_64 or /bin/busybox is missing (Debian packages qemu-system-x86, busybox-static)")
    k = subprocess.run(["bash", os.path.join(os.environ["EROFS_SHARE_SRCDIR"], "scripts", "debian-kernel.sh")],
                       capture_output=True, text=True)
    if k.returncode != 0:
        scanlib.fail(f"scripts/debian-kernel.sh failed: {k.stderr.strip()}")
    env = dict(os.environ)
    for line in k.stdout.splitlines():
        if line.startswith("export ") and "=" in line:
            key, _, value = line[len("export "):].partition("=")
            env[key] = value.strip("'\"")
    s = subprocess.run([cl.ES, "smoke", "--kernel", env["EROFS_SHARE_KERNEL"], "--modules", env["EROFS_SHARE_MODULES"],
                        "--format", "json", "-q", *blobs], capture_output=True, text=True, env=env)
    if s.returncode != 0:
        scanlib.fail(f"smoke on the node's blobs: exit {s.returncode}: {s.stderr.strip()[-2000:]}")
    sm = json.loads(s.stdout)
    shared_groups = [g for g in node_json["groups"] if g["saved_bytes_now"] > 0]
    if sm["agreement"]["percent"] != 100 or sm["agreement"]["observed"] < 1:
        scanlib.fail(f"smoke: agreement {sm['agreement']}")
    observed_shared = sum(1 for o in sm["observations"] if o["observed"] == "shared")
    if shared_groups and observed_shared == 0:
        scanlib.fail(f"scan predicts {len(shared_groups)} shared contents across the blobs, smoke observed none shared")
    print(f"node-vs-archives: pass: {len(blobs)} layer blobs, {len(predicted['images'])} images; smoke "
          f"{sm['agreement']['agreed']}/{sm['agreement']['observed']} observations agree, {observed_shared} shared")
