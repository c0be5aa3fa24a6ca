#!/usr/bin/env python3
"""Build drift: two builds of one tree where known files differ (a .pyc with another embedded
timestamp, a binary with another build id, a text with an embedded date and another size, a
name with a control byte), others are identical, one file is in one build only, and differing
files whose other copy shares with an identical file elsewhere. The drift section of the JSON,
both CSV tables, the text and the HTML list exactly the paths this script finds differing in
the trees, with the bytes it computes itself: per path, the pages of the copies that do not
share once tagged, less one copy's when none of them shares. The same with untagged images;
with another domain or mount mode for the second build nothing would share; --drift-rows
keeps the first rows and the totals."""
import csv
import hashlib
import html as htmllib
import io
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scanlib import *  # noqa: E402,F401,F403

PAGE = 4096


def pyc(stamp):
    body = text(7, 9000)
    return b"\xa7\r\r\n\0\0\0\0" + stamp.to_bytes(4, "little") + len(body).to_bytes(4, "little") + body


def elf(build_id):
    head = noise(11, 6000)
    tail = noise(12, 14000)
    return head + b"\x04\0\0\0\x14\0\0\0\x03\0\0\0GNU\0" + hashlib.sha1(build_id).digest() + tail


common = {
    "usr/lib/libsame.so": noise(1, 30000),
    "usr/share/doc/app/README": text(2, 5000),
}
tree_a = dict(common)
tree_b = dict(common)
tree_a.update({
    "usr/lib/python3.11/__pycache__/mod.cpython-311.pyc": pyc(1700000000),
    "usr/lib/python3.11/__pycache__/other.cpython-311.pyc": pyc(1700000100)[:-7] + b"variant",
    "usr/bin/tool": elf(b"build-a"),
    "usr/share/doc/app/BUILDINFO": b"Built on 2026-12-01 by builder\n" + text(3, 2000),
    "usr/share/esc\x1bname.txt": text(4, 3000) + b"a",
    "etc/only-in-a.conf": text(5, 7000),
    # A's copy differs from B's, whose content B holds again elsewhere (it shares once tagged).
    "opt/data/shared.bin": noise(20, 10000),
    # Both copies share already, each with an identical file of its own build.
    "opt/data/both.bin": noise(30, 8000),
    "opt/data/twin-a.bin": noise(30, 8000),
})
tree_b.update({
    "usr/lib/python3.11/__pycache__/mod.cpython-311.pyc": pyc(1700086400),
    "usr/lib/python3.11/__pycache__/other.cpython-311.pyc": pyc(1700000100)[:-7] + b"VARIANT",
    "usr/bin/tool": elf(b"build-b"),
    "usr/share/doc/app/BUILDINFO": b"Built on 2026-12-03T11:00:00Z by builder\n" + text(3, 2000),
    "usr/share/esc\x1bname.txt": text(4, 3000) + b"b",
    "opt/data/shared.bin": noise(21, 10000),
    "opt/data/copy-of-shared.bin": noise(21, 10000),
    "opt/data/both.bin": noise(31, 8000),
    "opt/data/twin-b.bin": noise(31, 8000),
})

t = setup()
src_a, src_b = os.path.join(t, "a"), os.path.join(t, "b")
write_tree(src_a, {k: v for k, v in tree_a.items()})
write_tree(src_b, {k: v for k, v in tree_b.items()})


def pages(n):
    return (n + PAGE - 1) // PAGE * PAGE


# The expectation, from the trees alone.
def contents(tree):
    return {"/" + p: (len(d), hashlib.sha256(d).hexdigest()) for p, d in tree.items() if d}


files = [contents(tree_a), contents(tree_b)]
inodes = {}  # content -> copies in both builds (no hard links here)
for f in files:
    for c in f.values():
        inodes[c] = inodes.get(c, 0) + 1


def expected_drift(eligible):
    """eligible: the second build could share with the first (same domain and I/O class)."""
    rows = []
    for path in sorted(set(files[0]) & set(files[1])):
        a, b = files[0][path], files[1][path]
        if a == b:
            continue
        copies = [a, b]
        if eligible:
            not_sharing = [c for c in copies if inodes[c] < 2]
            saved = sum(pages(c[0]) for c in not_sharing)
            if len(not_sharing) == len(copies):
                saved -= pages(copies[0][0])
        else:
            saved = 0
        rows.append({"path": path, "inputs": [0, 1], "contents": 2, "size_min": min(a[0], b[0]),
                     "size_max": max(a[0], b[0]), "page_bytes": pages(a[0]) + pages(b[0]),
                     "saved_bytes_if_reproducible": saved})
    return drift_section(rows)  # totals and directories: plain sums of these rows (scanlib)


exp = expected_drift(True)
# The input set is what it was meant to be.
names = [r["path"] for r in exp["paths"]]
want = {"/usr/lib/python3.11/__pycache__/mod.cpython-311.pyc", "/usr/lib/python3.11/__pycache__/other.cpython-311.pyc",
        "/usr/bin/tool", "/usr/share/doc/app/BUILDINFO", "/usr/share/esc\x1bname.txt", "/opt/data/shared.bin",
        "/opt/data/both.bin"}
if set(names) != want:
    fail(f"the trees were meant to differ in {sorted(want)}, they differ in {names}")
by_path = {r["path"]: r for r in exp["paths"]}
if by_path["/opt/data/both.bin"]["saved_bytes_if_reproducible"] != 0 or \
        by_path["/opt/data/shared.bin"]["saved_bytes_if_reproducible"] != pages(10000):
    fail("the expectation for copies that share elsewhere is not what the test means")


def check_json(doc, exp, label):
    got = doc.get("drift")
    if got != exp:
        fail(f"{label}: drift is\n{json.dumps(got, indent=1)}\nexpected\n{json.dumps(exp, indent=1)}")


def build(tag, *opts):
    a = mkfs(19, os.path.join(t, f"a{tag}.erofs"), src_a, *opts)
    b = mkfs(19, os.path.join(t, f"b{tag}.erofs"), src_b, *opts)
    return a, b


A, B = build("", "--xattr-inode-digest")
check_json(scan("--drift-rows", "0", A, B), exp, "tagged")
check_json(scan(A, B), exp, "tagged, default --drift-rows")  # fewer than 20 rows: all of them
UA, UB = build("-untagged")
check_json(scan("--drift-rows", "0", UA, UB), exp, "untagged")
check_json(scan("--drift-rows", "0", src_a, src_b), exp, "directory trees")
# The second build in another domain, or file-backed: the copies could not share by the
# kernel's other rules, so the drift is the same and nothing would share.
none = expected_drift(False)
check_json(scan("--drift-rows", "0", "--domain", f"{B}=other", A, B), none, "other domain")
check_json(scan("--drift-rows", "0", "--mount-mode", f"{B}=fileio", A, B), none, "fileio vs block")

# --drift-rows N: the first N rows of each list, the totals of all.
short = dict(exp, paths=exp["paths"][:2], prefixes=exp["prefixes"][:2])
check_json(scan("--drift-rows", "2", A, B), short, "--drift-rows 2")

# CSV: both tables, every row.
def csv_rows(table):
    out = run([ES, "scan", "--no-progress", "--format", "csv", "--csv-table", table, "--drift-rows", "0", A, B])
    return list(csv.DictReader(io.StringIO(out.stdout.decode())))


rows = csv_rows("drift-paths")
got = [{"path": r["path"], "copies": int(r["copies"]), "inputs": r["inputs"], "contents": int(r["contents"]),
        "size_min": int(r["size_min"]), "size_max": int(r["size_max"]), "page_bytes": int(r["page_bytes"]),
        "saved_bytes_if_reproducible": int(r["saved_bytes_if_reproducible"])} for r in rows]
want = [{"path": r["path"].replace("\x1b", "\\x1b"), "copies": 2, "inputs": "0;1", "contents": 2,
         "size_min": r["size_min"], "size_max": r["size_max"], "page_bytes": r["page_bytes"],
         "saved_bytes_if_reproducible": r["saved_bytes_if_reproducible"]} for r in exp["paths"]]
if got != want:
    fail(f"CSV drift-paths:\n{got}\nexpected\n{want}")
rows = csv_rows("drift-prefixes")
got = [{k: (v if k == "prefix" else int(v)) for k, v in r.items()} for r in rows]
if got != exp["prefixes"]:
    fail(f"CSV drift-prefixes:\n{got}\nexpected\n{exp['prefixes']}")
p = run([ES, "scan", "--no-progress", "--csv-table", "drift-paths", A, B], ok=False)
if p.returncode == 0 or b"--csv-table" not in p.stderr:
    fail(f"--csv-table without --format csv: exit {p.returncode}, {p.stderr!r}")

# Text: the section's rows, exact bytes, names escaped.
out = run([ES, "scan", "--no-progress", "--drift-rows", "0", A, B]).stdout.decode()
if "\x1b" in out:
    fail("text: a raw escape byte from a file name reached the output")
section = out[out.index("\nBuild drift: "):]
head = section.splitlines()[1]
if not head.startswith(f"Build drift: {exp['path_count']} paths in several inputs"):
    fail(f"text: drift head line is {head!r}")
lines = section.splitlines()
start = next(i for i, line in enumerate(lines) if line.strip().startswith("IF REPRODUCIBLE")) + 1
got = []
for line in lines[start:start + exp["path_count"]]:
    f = line.split(None, 5)
    got.append((int(f[0]), int(f[1]), int(f[2]), int(f[3]), f[5]))
want = [(r["saved_bytes_if_reproducible"], r["page_bytes"], 2, 2, r["path"].replace("\x1b", "\\x1b"))
        for r in exp["paths"]]
if got != want:
    fail(f"text drift paths:\n{got}\nexpected\n{want}\n{section}")
pstart = start + exp["path_count"] + 2
got = [tuple(line.split(None, 4)) for line in lines[pstart:pstart + exp["prefix_count"]]]
want = [(str(x["saved_bytes_if_reproducible"]), str(x["page_bytes"]), str(x["copies"]), str(x["paths"]), x["prefix"])
        for x in exp["prefixes"]]
if got != want:
    fail(f"text drift prefixes:\n{got}\nexpected\n{want}\n{section}")

# HTML: the section after the heat map, one row per path with its exact bytes.
page = run([ES, "scan", "--no-progress", "--format", "html", "--drift-rows", "0", A, B]).stdout.decode()
if not page.index('id=pairs') < page.index("id=drift") < page.index("id=groups"):
    fail("html: the drift section is not between the heat map and the groups")
got = [(htmllib.unescape(m.group(3)), m.group(1), int(m.group(2))) for m in
       re.finditer(r'<tr class=drift-path data-inputs="([^"]*)" data-bytes="(\d+)"><td class=l>([^<]*)</td>', page)]
want = [(r["path"].replace("\x1b", "\\x1b"), "0 1", r["saved_bytes_if_reproducible"]) for r in exp["paths"]]
if got != want:
    fail(f"html drift paths:\n{got}\nexpected\n{want}")
m = re.search(r'<p id=drift-totals data-paths="(\d+)" data-bytes="(\d+)">', page)
if not m or (int(m.group(1)), int(m.group(2))) != (exp["path_count"], exp["saved_bytes_if_reproducible"]):
    fail(f"html drift totals: {m and m.groups()}")
got = [(htmllib.unescape(m.group(2)), int(m.group(1))) for m in
       re.finditer(r'<tr class=drift-prefix data-bytes="(\d+)"><td class=l>([^<]*)</td>', page)]
if got != [(x["prefix"], x["saved_bytes_if_reproducible"]) for x in exp["prefixes"]]:
    fail(f"html drift prefixes: {got}")
passed()
