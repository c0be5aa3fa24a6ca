#!/usr/bin/env python3
"""The HTML report renders in headless Chromium (Debian's package; CHROMIUM overrides the
binary): the screenshot is not blank, and the DOM holds the totals, every input with its
savings, the whole pair heat map and the top groups, with the same figures as the JSON.
The page fetches nothing: Chromium runs with networking features off and the page has no
URLs."""
import html as htmllib
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scanlib import *  # noqa: E402,F401,F403

chromium = os.environ.get("CHROMIUM") or shutil.which("chromium")
if not chromium:
    fail("chromium is not installed (apt-get install chromium; scripts/install-deps.sh lists it)")

t = setup()
trees = make_trees(os.path.join(t, "src"))
A = mkfs(19, os.path.join(t, "a.erofs"), trees["A"], "--xattr-inode-digest")
B = mkfs(19, os.path.join(t, "b.erofs"), trees["B"], "-zlz4hc", "--xattr-inode-digest")
C = mkfs(15, os.path.join(t, "c.erofs"), trees["C"])
inputs = [A, B, C, trees["C"]]
doc = scan(*inputs)
page = os.path.join(t, "report.html")
run([ES, "scan", "--no-progress", "--format", "html", "--top", "5", "-o", page, *inputs])


def chrome(*args):
    profile = os.path.join(t, "profile")
    shutil.rmtree(profile, ignore_errors=True)
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
           *args, "file://" + page]
    return run(cmd, timeout=120)


def png_pixels(path):
    """(width, height, rows of RGB(A) bytes) of an 8-bit RGB/RGBA PNG, unfiltered."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail(f"{path} is not a PNG")
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, colour = struct.unpack(">IIBB", body[:10])
            if depth != 8 or colour not in (2, 6):
                fail(f"screenshot PNG has depth {depth} colour type {colour}")
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


shot = os.path.join(t, "shot.png")
chrome("--window-size=1000,900", f"--screenshot={shot}")
w, h, bpp, rows = png_pixels(shot)
colours, ink = set(), 0
for row in rows[::4]:
    for x in range(0, w * bpp, bpp * 4):
        px = row[x:x + 3]
        colours.add(px)
        ink += px != b"\xff\xff\xff"
if len(colours) < 8 or ink < 1000:
    fail(f"the screenshot looks blank: {len(colours)} colours, {ink} non-white samples")
# The heat map and the bars use their colours (blue shades are only in bars and cells).
blues = [c for c in colours if c[2] > c[0] + 60]
if len(blues) < 2:
    fail(f"no heat-map or bar colours in the screenshot ({len(blues)} blue shades)")

dom = chrome("--dump-dom").stdout.decode()
for k in ("cache_bytes_without_sharing", "cache_bytes_now", "cache_bytes_if_tagged", "saved_bytes_now",
          "saved_bytes_if_tagged"):
    m = re.search(rf'id="{k}" data-bytes="(\d+)"', dom)
    if not m or int(m.group(1)) != doc["totals"][k]:
        fail(f"DOM: {k} is {m and m.group(1)}, JSON says {doc['totals'][k]}")
inputs_dom = re.findall(r'<tr class="input" data-index="(\d+)">(.*?)</tr>', dom)
if len(inputs_dom) != len(inputs):
    fail(f"DOM: {len(inputs_dom)} input rows, expected {len(inputs)}")
for (index, row), inp in zip(inputs_dom, doc["inputs"]):
    if htmllib.escape(inp["name"], quote=False) not in row:
        fail(f"DOM: input row {index} lacks {inp['name']}")
    now = re.search(r'class="saved-now" data-bytes="(\d+)"', row)
    tag = re.search(r'class="saved-if-tagged" data-bytes="(\d+)"', row)
    if int(now.group(1)) != inp["saved_bytes_now"] or int(tag.group(1)) != inp["saved_bytes_if_tagged"]:
        fail(f"DOM: input {index} savings {now.group(1)}/{tag.group(1)} differ from JSON")
cells = re.findall(r'class="pair" data-a="(\d+)" data-b="(\d+)" data-bytes="(\d+)"', dom)
n = len(inputs)
if len(cells) != n * (n - 1):
    fail(f"DOM: {len(cells)} heat-map cells, expected {n * (n - 1)}")
pairs = {(p["a"], p["b"]): p["shared_bytes_if_tagged"] for p in doc["pairs"]}
for a, b, v in cells:
    a, b = int(a), int(b)
    if pairs[(min(a, b), max(a, b))] != int(v):
        fail(f"DOM: heat-map cell {a},{b} = {v}, JSON says {pairs[(min(a, b), max(a, b))]}")
groups = re.findall(r'<tr class="group">.*?<code>([0-9a-f]{16})</code>', dom)
if groups != [g["sha256"][:16] for g in doc["groups"][:5]]:
    fail(f"DOM: top groups {groups} differ from JSON's first five")
page_text = open(page).read()
if re.search(r"https?:|<script|src=|url\(|@import", page_text):
    fail("the page refers to something outside itself")
passed()
