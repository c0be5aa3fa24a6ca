#!/usr/bin/env python3
"""Directory trees, tar archives (plain, gzip, xz) and EROFS images of the same trees (built
from the directories and, with mkfs.erofs >= 1.9, from the archives) give the same content
groups, file counts and bytes; the groups equal the independent model's."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scanlib import *  # noqa: E402,F401,F403

t = setup()
trees = make_trees(os.path.join(t, "src"))
tars = {"A": os.path.join(t, "a.tar"), "B": os.path.join(t, "b.tar.gz"), "C": os.path.join(t, "c.tar.xz")}
make_tar(trees["A"], tars["A"])
make_tar(trees["B"], tars["B"], "gz")
make_tar(trees["C"], tars["C"], "xz")
images = {k: mkfs(19, os.path.join(t, f"{k}.erofs"), trees[k], "--xattr-inode-digest") for k in "ABC"}
images15 = {k: mkfs(15, os.path.join(t, f"{k}15.erofs"), trees[k]) for k in "ABC"}
from_tar = {"A": mkfs(19, os.path.join(t, "a-tar.erofs"), tars["A"], "--tar=f", "--xattr-inode-digest")}


def groups(doc):
    return sorted((g["sha256"], g["size"], [(c["input"], c["paths"]) for c in g["copies"]]) for g in doc["groups"])


def counts(doc):
    return [(i["files"], i["paths"], i["data_bytes"]) for i in doc["inputs"]]


model = expected([tree_model(trees[k], trees[k], "directory") for k in "ABC"])
want = sorted((sha, size, g["copies"]) for (sha, size), g in model["groups"].items())
sets = {
    "directories": [trees[k] for k in "ABC"],
    "tars": [tars[k] for k in "ABC"],
    "images": [images[k] for k in "ABC"],
    "images-1.5": [images15[k] for k in "ABC"],
    "mixed": [images["A"], tars["B"], trees["C"]],
    "image-from-tar": [from_tar["A"], trees["B"], images15["C"]],
}
for label, inputs in sets.items():
    doc = scan(*inputs)
    if groups(doc) != want:
        fail(f"{label}: content groups differ from the model's:\n{groups(doc)}\n{want}")
    if counts(doc) != [(m["files"], m["paths"], m["data_bytes"]) for m in model["inputs"]]:
        fail(f"{label}: files/paths/bytes {counts(doc)} differ from the model's")
    kinds = [i["kind"] for i in doc["inputs"]]
    print(f"{label}: {kinds} {len(want)} groups ok")

# Directory and tar inputs are modelled as untagged, uncompressed files: the same figures.
d = scan(*sets["directories"])
for label in ("tars", "images-1.5"):
    x = scan(*sets[label])
    for k in FIGURES:
        if x["totals"][k] != d["totals"][k]:
            fail(f"{label}: totals.{k} {x['totals'][k]} != directories' {d['totals'][k]}")
passed()
