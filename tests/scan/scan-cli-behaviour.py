#!/usr/bin/env python3
"""The scan command line: text, CSV, HTML and JSON agree on every figure; JSON is deterministic
(also across --jobs) and --top trims only the group list; --output; exit status 2 with one
error line for bad inputs and options; data on a missing --device is counted, not fatal; a
progress line on a terminal only."""
import csv
import io
import json
import os
import pty
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scanlib import *  # noqa: E402,F401,F403

t = setup()
trees = make_trees(os.path.join(t, "src"))
A = mkfs(19, os.path.join(t, "a.erofs"), trees["A"], "--xattr-inode-digest")
B = mkfs(19, os.path.join(t, "b.erofs"), trees["B"], "-zlz4hc", "--xattr-inode-digest")
C = mkfs(15, os.path.join(t, "c.erofs"), trees["C"])
inputs = [A, B, C, trees["C"]]
doc = scan(*inputs)
raw = run([ES, "scan", "--no-progress", "--format", "json", *inputs]).stdout

# Deterministic, whatever the number of threads.
for jobs in ("1", "2", "7"):
    again = run([ES, "scan", "--no-progress", "--format", "json", "--jobs", jobs, *inputs]).stdout
    if again != raw:
        fail(f"--jobs {jobs}: JSON differs from the first run")

# --top trims the groups only.
top = scan("--top", "2", *inputs)
if len(top["groups"]) != 2 or top["groups"] != doc["groups"][:2] or top["group_count"] != doc["group_count"]:
    fail("--top 2: expected the first two groups and the full group_count")
if {k: v for k, v in top.items() if k != "groups"} != {k: v for k, v in doc.items() if k != "groups"}:
    fail("--top 2 changed something besides the groups")

# Text: the exact totals and every input name.
txt = run([ES, "scan", "--no-progress", *inputs]).stdout.decode()
for k in ("cache_bytes_without_sharing", "cache_bytes_now", "cache_bytes_if_tagged"):
    if f" {doc['totals'][k]} " not in txt:
        fail(f"text output lacks totals.{k} = {doc['totals'][k]}")
for name in inputs:
    if name not in txt:
        fail(f"text output does not name {name}")
for r in doc["reasons"]:
    if r["reason"] not in txt:
        fail(f"text output lacks reason {r['reason']}")

# CSV: one row per group, same figures.
rows = list(csv.DictReader(io.StringIO(run([ES, "scan", "--no-progress", "--format", "csv", *inputs]).stdout.decode())))
if len(rows) != doc["group_count"]:
    fail(f"CSV has {len(rows)} rows, JSON {doc['group_count']} groups")
for row, g in zip(rows, doc["groups"]):
    if (row["sha256"], int(row["size"]), int(row["saved_bytes_now"]), int(row["saved_bytes_if_tagged"]), int(row["copies"])) != \
            (g["sha256"], g["size"], g["saved_bytes_now"], g["saved_bytes_if_tagged"], len(g["copies"])):
        fail(f"CSV row {row} differs from group {g['sha256']}")

# HTML via --output: self-contained, figures in the DOM.
out = os.path.join(t, "report.html")
p = run([ES, "scan", "--no-progress", "--format", "html", "--output", out, *inputs])
if p.stdout:
    fail("--output: something was written to standard output")
html = open(out).read()
for k in ("cache_bytes_without_sharing", "cache_bytes_now", "cache_bytes_if_tagged", "saved_bytes_now", "saved_bytes_if_tagged"):
    if f'id="{k}" data-bytes="{doc["totals"][k]}"' not in html and f'id={k} data-bytes="{doc["totals"][k]}"' not in html:
        fail(f"HTML lacks {k} = {doc['totals'][k]}")
for bad in ("<script", "http://", "https://", "src=", "@import", "url("):
    if bad in html:
        fail(f"HTML is not self-contained: it contains {bad!r}")

# Exit status 2 and one "erofs-share: " line.
junk = os.path.join(t, "junk.txt")
open(junk, "w").write("neither an image nor an archive\n")
for args, text_ in [
    ([junk], "not an EROFS image, directory, tar archive or manifest"),
    ([os.path.join(t, "missing")], "missing"),
    (["--trust-fingerprints", "--verify-all", A], "exclude each other"),
    (["--domain", "nowhere=x", A], "no input is named nowhere"),
    (["--page-size", "1000", A], "page size 1000"),
    (["--mount-mode", "floppy", A], "expected block or fileio"),
    (["--device", "x=y", A], "--device x=y"),
    (["--format", "xml", A], "xml"),
    ([], "INPUT"),
]:
    p = run([ES, "scan", *args], ok=False)
    err = p.stderr.decode()
    if p.returncode != 2 or p.stdout or err.count("\n") != 1 or not err.startswith("erofs-share: ") or text_ not in err:
        fail(f"scan {args}: exit {p.returncode}, stdout {p.stdout[:80]!r}, stderr {err!r}")

# Data on an extra device: counted without --device, read with it.
blob = os.path.join(t, "blob.img")
D = mkfs(19, os.path.join(t, "d.erofs"), trees["A"], "--chunksize=4096", f"--blobdev={blob}")
without = scan(D, A)
if without["inputs"][0]["unreadable_files"] == 0:
    fail("chunked image without --device: expected unreadable files")
with_dev = scan("--device", f"{D}={blob}", D, A)
if with_dev["inputs"][0]["unreadable_files"] != 0:
    fail("chunked image with --device: files still unreadable")
compare(with_dev, expected([image_model(D, trees["A"], 19, False), image_model(A, trees["A"], 19, True)]), "device")

# --verify-all checks the fingerprints of files with a unique size too.
v = scan("--verify-all", A)
n = len(image_model(A, trees["A"], 19, True)["inodes"])
if v["inputs"][0]["fingerprints"]["verified"] != n or scan(A)["inputs"][0]["fingerprints"]["verified"] >= n:
    fail("--verify-all: expected every fingerprint verified, and fewer without it")

# Progress: a line on a terminal, nothing on a pipe.
master, slave = pty.openpty()
p = subprocess.run([ES, "scan", "--format", "json", *inputs], stdout=subprocess.PIPE, stderr=slave)
os.close(slave)
err = b""
try:
    while True:
        chunk = os.read(master, 65536)
        if not chunk:
            break
        err += chunk
except OSError:
    pass
if p.returncode != 0 or b"hashing:" not in err or b"\r" not in err or b"files" not in err:
    fail(f"no progress line on a terminal: {err[:200]!r}")
if p.stdout != raw:
    fail("the progress line changed standard output")
p = run([ES, "scan", *inputs])
if p.stderr:
    fail(f"progress written to a pipe: {p.stderr[:100]!r}")
passed()
