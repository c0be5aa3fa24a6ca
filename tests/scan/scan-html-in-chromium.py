#!/usr/bin/env python3
"""The HTML report renders in headless Chromium (Debian's package; CHROMIUM overrides the
binary): the screenshot is not blank and shows the status colours, and the DOM holds the
totals, the reasons table (every status and reason the independent model gives this input
set, which has blocked copies of two known reasons, with copies, bytes and advice), every
input with its savings, the heat map with the input names on both axes, the top groups, the
tool version, the command line and each input's identity (the superblock UUID of an image;
its SHA-256 with --manifest-cache), with the same figures as the JSON. The page fetches
nothing: Chromium runs with networking features off and the page has no URLs."""
import hashlib
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
# A2 (A again, mounted file-backed) and B (compressed) give blocked copies of fileio_vs_block and
# compressed_vs_uncompressed; C (no ishare feature) and the tree give would-share reasons.
A2 = mkfs(19, os.path.join(t, "a-mounted-file-backed-with-a-long-name.erofs"), trees["A"], "--xattr-inode-digest")
inputs = [A, B, C, trees["C"], A2]
opts = ["--mount-mode", f"{A2}=fileio"]
doc = scan(*opts, *inputs)
exp = expected([image_model(A, trees["A"], 19, True), image_model(B, trees["B"], 19, True, compressed=True),
                image_model(C, trees["C"], 15, False), tree_model(trees["C"], trees["C"], "directory"),
                image_model(A2, trees["A"], 19, True)], mounts={A2: "fileio"})
compare(doc, exp, "html inputs")
for known in (("blocked", "fileio_vs_block"), ("blocked", "compressed_vs_uncompressed"),
              ("would_share_once_tagged", "no_ishare_feature"), ("would_share_once_tagged", "fingerprint_missing")):
    if known not in exp["reasons"]:
        fail(f"the input set was meant to give {known}; the model gives {sorted(exp['reasons'])}")
page = os.path.join(t, "report.html")
html_cmd = [ES, "scan", "--no-progress", "--format", "html", "--top", "5", "-o", page, *opts, *inputs]
run(html_cmd)
version = run([ES, "--version"]).stdout.decode().split()[-1]


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
chrome("--window-size=1000,2200", f"--screenshot={shot}")  # down to the heat map
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
# The status colours of the legend, the reasons table and the bars: green, amber and red.
def near(c, rgb):
    return all(abs(c[i] - rgb[i]) <= 8 for i in range(3))
for label, rgb in (("green (shares now)", (0x2e, 0x7d, 0x32)), ("amber (would share once tagged)", (0xf2, 0xb2, 0x33)),
                   ("red (blocked)", (0xc6, 0x28, 0x28))):
    if not any(near(c, rgb) for c in colours):
        fail(f"the screenshot shows no {label} status colour")

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
# Build drift: the section between the heat map and the groups, with the JSON's totals and the
# rows of its paths and directories (both lists at most --drift-rows 20 long).
m = re.search(r'<h2 id="drift">.*?<p id="drift-totals" data-paths="(\d+)" data-bytes="(\d+)">', dom, re.S)
if not m or (int(m.group(1)), int(m.group(2))) != (doc["drift"]["path_count"], doc["drift"]["saved_bytes_if_reproducible"]):
    fail(f"DOM: drift totals {m and m.groups()}, JSON says {doc['drift']['path_count']} paths")
if not dom.index('id="pairs"') < dom.index('id="drift"') < dom.index('id="groups"'):
    fail("DOM: the drift section is not between the heat map and the groups")
drift_rows = re.findall(r'<tr class="drift-path" data-inputs="([^"]*)" data-bytes="(\d+)"><td class="l">([^<]*)</td>', dom)
want = [(" ".join(map(str, p["inputs"])), str(p["saved_bytes_if_reproducible"]), htmllib.escape(p["path"], quote=False))
        for p in doc["drift"]["paths"]]
if drift_rows != want:
    fail(f"DOM: drift paths {drift_rows}, JSON says {want}")
drift_dirs = re.findall(r'<tr class="drift-prefix" data-bytes="(\d+)"><td class="l">([^<]*)</td>', dom)
if drift_dirs != [(str(p["saved_bytes_if_reproducible"]), htmllib.escape(p["prefix"], quote=False))
                  for p in doc["drift"]["prefixes"]]:
    fail(f"DOM: drift directories {drift_dirs} differ from JSON")
groups = re.findall(r'<tr class="group">.*?<code>([0-9a-f]{16})</code>', dom)
if groups != [g["sha256"][:16] for g in doc["groups"][:5]]:
    fail(f"DOM: top groups {groups} differ from JSON's first five")

# The reasons table: one row per (status, reason), figures as the model computes them, and a
# sentence of advice each (different for every reason).
rows = re.findall(r'<tr class="reason [^"]*" data-status="(\w+)" data-reason="(\w+)" data-copies="(\d+)" '
                  r'data-bytes="(\d+)">(.*?)</tr>', dom)
got = {(st, rs): [int(c), int(b)] for st, rs, c, b, _ in rows}
if len(rows) != len(got) or got != exp["reasons"]:
    fail(f"DOM: reasons table {got} differs from the model's {exp['reasons']}")
advice = {}
for st, rs, _, _, body in rows:
    m = re.search(r'<td class="l advice">([^<]+\.)</td>', body)
    if not m or f">{st}<" not in body or f"<code>{rs}</code>" not in body:
        fail(f"DOM: reasons row {st}/{rs} lacks its status label, code or advice: {body}")
    advice[rs] = m.group(1)
if len(set(advice.values())) != len(advice):
    fail(f"DOM: reasons share advice sentences: {advice}")
if not re.search(r'<p class="legend" id="status-legend">.*shares_now.*would_share_once_tagged.*blocked', dom):
    fail("DOM: no status legend naming the three statuses")


def shortened(name, limit=24):
    """The heat map's axis label of a name: cut in the middle (9 before the ellipsis, 14 after)."""
    return name if len(name) <= limit else name[:9] + "\u2026" + name[-14:]


# Heat-map axes: every input's (shortened) name on the columns and the rows, the whole name in
# the title. The names are plain ASCII paths here, so display() leaves them as they are.
for axis in ("col", "row"):
    labels = re.findall(rf'<th class="{axis}" data-index="(\d+)">.*?<span class="name" title="([^"]*)">([^<]*)</span>',
                        dom)
    want = [(str(i), htmllib.escape(n, quote=True), htmllib.escape(shortened(n), quote=False))
            for i, n in enumerate(inputs)]
    if labels != want:
        fail(f"DOM: heat-map {axis} labels {labels}, expected {want}")
if shortened(A2) == A2:
    fail("the test wants one name long enough to be shortened")

# Version, command line (every argument), identities.
m = re.search(r'<span id="tool-version">([^<]*)</span>', dom)
if not m or m.group(1) != version:
    fail(f"DOM: tool version {m and m.group(1)}, erofs-share --version says {version}")
m = re.search(r'<code id="command-line">([^<]*)</code>', dom)
if not m or m.group(1).split(" ") != ["erofs-share", *[htmllib.escape(a, quote=False) for a in html_cmd[1:]]]:
    fail(f"DOM: command line {m and m.group(1)}, expected {html_cmd}")


def identity_rows(text):
    """(index, name, identity, what) per row, in a DOM dump or the page's source (unquoted)."""
    return re.findall(r'<tr class="?identity"? data-index="?(\d+)"?><td>\d+</td><td class="?l"?>([^<]*)</td>'
                      r'<td class="?l"?><code>([^<]*)</code></td><td class="?l"?>([^<]*)</td>', text)


def uuid_of(image):
    with open(image, "rb") as f:
        f.seek(1024 + 48)  # erofs_super_block.uuid
        u = f.read(16).hex()
    return f"uuid:{u[:8]}-{u[8:12]}-{u[12:16]}-{u[16:20]}-{u[20:]}"


ids = identity_rows(dom)
want = [uuid_of(A), uuid_of(B), uuid_of(C), "-", uuid_of(A2)]
if [v for _, _, v, _ in ids] != want or [n for _, n, _, _ in ids] != inputs:
    fail(f"DOM: identities {ids}, expected {list(zip(inputs, want))}")
if "not hashed" not in ids[3][3]:
    fail(f"DOM: the tree's identity does not say it is not hashed: {ids[3]}")
# With --manifest-cache the scan knows each image file's SHA-256 (the page is static: no script
# changes it, so its source is its DOM).
cached = os.path.join(t, "cached.html")
run([ES, "scan", "--no-progress", "-q", "--format", "html", "--manifest-cache", os.path.join(t, "cache"), "-o", cached,
     *opts, *inputs])
ids = identity_rows(open(cached, encoding="utf-8").read())
want = ["sha256:" + hashlib.sha256(open(p, "rb").read()).hexdigest() if p != trees["C"] else "-" for p in inputs]
if [v for _, _, v, _ in ids] != want:
    fail(f"--manifest-cache page: identities {[v for _, _, v, _ in ids]}, expected {want}")

# Container inputs: each distinct layer is an input named by its blob digest (checked), and each
# image gets a now-vs-tagged bar.
sys.path.insert(0, os.path.join(SRCDIR, "tests", "container"))
import oci_layout  # noqa: E402
base = oci_layout.layer_tar({"usr/lib/libbase.so": text(50, 20000), "etc/os-release": text(51, 300)})
apps = [oci_layout.layer_tar({"app/bin": text(52 + k, 9000), "usr/lib/libbase-copy.so": text(50, 20000)})
        for k in range(2)]
layouts, digests = [], []
for k, app in enumerate(apps):
    root = os.path.join(t, f"oci{k}")
    digests += oci_layout.write_layout(root, [(oci_layout.OCI_TAR, base), (oci_layout.OCI_TAR, app)])
    layouts.append("oci:" + root)
oci_page = os.path.join(t, "oci.html")
run([ES, "scan", "--no-progress", "--format", "html", "-o", oci_page, *layouts])
oci_text = open(oci_page, encoding="utf-8").read()
got = [v for _, _, v, what in identity_rows(oci_text) if "blob digest" in what]
if got != list(dict.fromkeys(digests)):
    fail(f"OCI page: layer identities {got}, expected the layer digests {list(dict.fromkeys(digests))}")
image_rows = re.findall(r"<tr class=image data-index=\d+>.*?</tr>", oci_text)
if len(image_rows) != 2 or not all("class=now" in row and "class=tag" in row for row in image_rows):
    fail(f"OCI page: expected two image rows with now/tagged bars: {image_rows}")

page_text = open(page).read()
if re.search(r"https?:|<script|src=|url\(|@import", page_text):
    fail("the page refers to something outside itself")
passed()
