#!/usr/bin/env python3
"""--manifest-cache: the first run fills the cache and gives the JSON of an uncached scan; the
second reads no file data (the stderr summary counts bytes read) and gives the same bytes; an
image touched (mtime only) is re-hashed as an image but its entry reused; a rebuilt image is
re-hashed with correct figures; an edited cached manifest and an entry of another erofs-share
version are not used (a note on stderr) and the result is still correct."""
import glob
import json
import os
import re
import shutil

import scanlib
from scanlib import ES, fail, run

t = scanlib.setup()
trees = scanlib.make_trees(os.path.join(t, "trees"))
a = scanlib.mkfs(19, os.path.join(t, "a.erofs"), trees["A"], "--xattr-inode-digest")
b = scanlib.mkfs(19, os.path.join(t, "b.erofs"), trees["B"])
c = scanlib.mkfs(15, os.path.join(t, "c.erofs"), trees["C"])
cache = os.path.join(t, "cache")


def scan(*args, cached=True):
    extra = ["--manifest-cache", cache] if cached else []
    p = run([ES, "scan", "--no-progress", "--format", "json", *extra, *args])
    scanlib.validate(json.loads(p.stdout))
    return p.stdout, p.stderr.decode()


def summary(err):
    m = re.search(r"manifest cache: (\d+) hit\(s\), (\d+) miss\(es\), (\d+) bytes of images and (\d+) bytes of file data", err)
    if not m:
        fail(f"no manifest cache summary on stderr: {err!r}")
    return tuple(int(x) for x in m.groups())


direct, _ = scan(a, b, c, cached=False)
out, err = scan(a, b, c)
hits, misses, img, data = summary(err)
if out != direct:
    fail("first cached run: JSON differs from the uncached scan")
if (hits, misses) != (0, 3) or data == 0 or img != sum(os.path.getsize(x) for x in (a, b, c)):
    fail(f"first run: {hits} hits, {misses} misses, {img} image bytes, {data} data bytes")
out, err = scan(a, b, c)
if out != direct:
    fail("second cached run: JSON differs from the uncached scan")
if summary(err) != (3, 0, 0, 0):
    fail(f"second run over unchanged images read data: {summary(err)}")
print(f"bytes read: first run {data} file data + {img} image, second run 0")

# Touched: the stat entry misses, the image digest is computed, the entry is reused.
os.utime(b, ns=(1, 1))
out, err = scan(a, b, c)
if out != direct or summary(err) != (3, 0, os.path.getsize(b), 0):
    fail(f"touched image: {summary(err)}, or JSON differs")

# Rebuilt with a changed file: a miss, re-hashed, figures as an uncached scan.
tree_b2 = os.path.join(t, "b2")
shutil.copytree(trees["B"], tree_b2, symlinks=True)
donor = sorted(p for p in glob.glob(os.path.join(trees["A"], "**"), recursive=True)
               if os.path.isfile(p) and not os.path.islink(p) and os.path.getsize(p) > 0)[-1]
shutil.copyfile(donor, os.path.join(tree_b2, "copied-from-a"))  # a new file that shares with a
os.remove(b)
scanlib.mkfs(19, b, tree_b2)
direct2, _ = scan(a, b, c, cached=False)
if direct2 == direct:
    fail("the changed image gives the same report: the test changes nothing")
out, err = scan(a, b, c)
h, m, _, d = summary(err)
if out != direct2 or (h, m) != (2, 1) or d == 0:
    fail(f"changed image: {summary(err)}, or JSON differs from the uncached scan")

# A forged manifest: one sha256 edited. Rejected with a note, result still correct, rewritten.
entry = sorted(glob.glob(os.path.join(cache, "manifests", "*.ndjson")))[0]
with open(entry) as f:
    body = f.read()
forged = re.sub(r'"sha256":"([0-9a-f])', lambda mt: '"sha256":"' + ("0" if mt.group(1) != "0" else "1"), body, count=1)
with open(entry, "w") as f:
    f.write(forged)
out, err = scan(a, b, c)
if "was changed" not in err or out != direct2 or summary(err)[1] != 1:
    fail(f"forged manifest not rejected: {err!r}")
out, err = scan(a, b, c)
if summary(err)[:2] != (3, 0) or out != direct2:
    fail(f"the rejected entry was not rewritten: {summary(err)}")

# Another version: not used, said on stderr.
index = sorted(glob.glob(os.path.join(cache, "index", "*.json")))[0]
with open(index) as f:
    doc = json.load(f)
doc["erofs_share_version"] = "0.0.0-other"
with open(index, "w") as f:
    json.dump(doc, f)
out, err = scan(a, b, c)
if "another erofs-share version" not in err or out != direct2 or summary(err)[1] != 1:
    fail(f"entry of another version used silently: {err!r}")

# The cache directory must not be an input.
p = run([ES, "scan", "--no-progress", "--manifest-cache", trees["A"], trees["A"]], ok=False)
if p.returncode == 0:
    fail("--manifest-cache inside an input tree was accepted")
scanlib.passed()
