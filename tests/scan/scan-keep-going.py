#!/usr/bin/env python3
"""--keep-going: among good inputs, a truncated image and a missing file are left out; the report
covers the good ones exactly (every figure equal to scanning only them), lists both errors with
their paths (JSON input_errors, the text report, stderr) and the exit status is 1. A container
input with one corrupt blob is left out whole. Without --keep-going the first bad input still
ends the scan with exit 2 and no report."""
import json
import os
import subprocess

import scanlib
from scanlib import ES, fail, run

t = scanlib.setup()
trees = scanlib.make_trees(os.path.join(t, "trees"))
a = scanlib.mkfs(19, os.path.join(t, "a.erofs"), trees["A"], "--xattr-inode-digest")
b = scanlib.mkfs(19, os.path.join(t, "b.erofs"), trees["B"], "--xattr-inode-digest")
c = scanlib.mkfs(15, os.path.join(t, "c.erofs"), trees["C"])
cut = os.path.join(t, "cut.erofs")
with open(a, "rb") as f:
    data = f.read()
with open(cut, "wb") as f:
    f.write(data[:1500])  # the superblock and the start of the inodes: the root cannot be read
missing = os.path.join(t, "missing.erofs")


def scan_json(*args):
    p = subprocess.run([ES, "scan", "--no-progress", "--format", "json", *args], capture_output=True)
    return p.returncode, p.stdout, p.stderr.decode()


good = json.loads(run([ES, "scan", "--no-progress", "--format", "json", a, b, c]).stdout)
rc, out, err = scan_json("--keep-going", a, cut, b, missing, c)
if rc != 1:
    fail(f"--keep-going with a truncated and a missing input: exit {rc}, expected 1 ({err.strip()})")
doc = json.loads(out)
scanlib.validate(doc)
errors = doc.get("input_errors")
if [e["input"] for e in errors or []] != [cut, missing]:
    fail(f"input_errors: {errors}, expected the truncated and the missing input in command-line order")
for e in errors:
    if not e["error"].startswith(e["input"] + ":") or "\n" in e["error"]:
        fail(f"input error {e} does not name its input in one line")
    if f"erofs-share: {e['error']}" not in err.splitlines():
        fail(f"stderr does not list {e['error']!r}: {err!r}")
del doc["input_errors"]
if doc != good:
    fail("the report of the good inputs differs from scanning only them")

text = run([ES, "scan", "--no-progress", "--keep-going", a, missing], ok=False)
if text.returncode != 1 or missing.encode() not in text.stdout or b"Left out" not in text.stdout:
    fail(f"text report with --keep-going: exit {text.returncode}, the missing input not listed:\n{text.stdout.decode()}")

# Without --keep-going: exit 2, one line, no report (stdout: the JSON error object only).
rc, out, err = scan_json(a, cut, b)
if out and set(json.loads(out)) == {"schema_version", "error", "tool"}:
    out = ""
if rc != 2 or out or len(err.strip().splitlines()) != 1 or cut not in err:
    fail(f"without --keep-going: exit {rc}, stdout {len(out)} bytes, stderr {err!r}; expected exit 2, no report, one line")

# Every input bad: an empty report of nothing, both errors, exit 1.
rc, out, err = scan_json("--keep-going", cut, missing)
if rc != 1 or [e["input"] for e in json.loads(out)["input_errors"]] != [cut, missing]:
    fail(f"only bad inputs: exit {rc}, {out[:200]!r}")
scanlib.passed()
