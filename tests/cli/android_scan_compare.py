"""Compare scan's JSON for an Android container (super.img, sparse super, target-files zip)
with scan's JSON for the extracted images, run from the directory that holds them.

usage: android_scan_compare.py RAW.json GOT.json CONTAINER NAME...

CONTAINER is the path scan was given; NAME... the partitions or members in order. The
container's inputs must be CONTAINER:NAME with the raw images' figures (the build adds its
keys: users, hidden_*), the same totals, and the container must be one build.
"""
import json
import sys

raw_path, got_path, container, *names = sys.argv[1:]
raw, got = (json.load(open(p)) for p in (raw_path, got_path))
if not raw["totals"]:
    sys.exit(f"{container}: scan totals of the raw images are empty")
if got["totals"] != raw["totals"]:
    sys.exit(f"{container}: scan totals differ: {got['totals']} vs {raw['totals']}")
want = [f"{container}:{n}" for n in names]
have = [i["name"] for i in got["inputs"]]
if have != want:
    sys.exit(f"{container}: inputs {have}, expected {want}")
for a, b in zip(raw["inputs"], got["inputs"]):
    a, b = dict(a), dict(b)
    a.pop("name")
    b.pop("name")
    if b.get("users") != 1 or a != {k: b[k] for k in a if k in b}:
        sys.exit(f"{container}: per-input figures differ: {a} vs {b}")
images = [i["name"] for i in got.get("images", [])]
if images != [container]:
    sys.exit(f"{container}: builds {images}, expected the container as one")
