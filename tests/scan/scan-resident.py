#!/usr/bin/env python3
"""scan --resident: the working-set saving of the pages a residency file says were read.

Three images by the real mkfs.erofs >= 1.9 (a and b tagged with --xattr-inode-digest, c
untagged) hold identical and differing files. A fincore-style file (`fincore --json`, with -b
bytes and without -b pages) and a status-style file (share/schema/status.schema.json, checked
against that schema) declare about half of the files resident with chosen byte counts; the
saving now and once tagged (per shared inode: the members' resident bytes less the largest;
at least: less the file's pages) is computed here from the trees alone and must equal the
report's, in JSON (schema-valid) and text. Also: a real `fincore --json -b` of the source trees
mapped with --resident-root; unmatched records (no input, no such file) counted and listed;
the every-file figures unchanged; malformed files and bad options exit 2 in one line naming
the file and the JSON pointer; -o naming the residency file or the --baseline is refused."""
import hashlib
import json
import os
import re
import shutil
import subprocess

import scanlib
from scanlib import ES, SRCDIR, fail, run

PAGE = 4096
t = scanlib.setup()
trees = {
    "a": {"bin/tool": scanlib.noise(1, 20000), "lib/libx.so": scanlib.noise(2, 50000),
          "etc/conf": scanlib.text(3, 900), "share/data": scanlib.noise(5, 9000)},
    "b": {"usr/bin/tool": scanlib.noise(1, 20000), "lib/libx.so": scanlib.noise(2, 50000),
          "etc/conf": scanlib.text(4, 900), "share/data": scanlib.noise(5, 9000)},
    "c": {"lib/libx.so": scanlib.noise(2, 50000), "opt/own": scanlib.noise(6, 7000)},
}
tagged = {"a": True, "b": True, "c": False}
img = {}
for name, files in trees.items():
    src = os.path.join(t, "trees", name)
    os.makedirs(src)
    scanlib.write_tree(src, files)
    img[name] = scanlib.mkfs(19, os.path.join(t, f"{name}.erofs"), src, *(["--xattr-inode-digest"] if tagged[name] else []))
inputs = [img["a"], img["b"], img["c"]]


def expected_saving(resident):
    """resident: {(image, path): bytes}. One domain, one class (uncompressed, block): a content
    shares now among the copies in tagged images, once tagged among all its copies."""
    groups = {}
    for name in ("a", "b", "c"):
        for path, data in trees[name].items():
            groups.setdefault(hashlib.sha256(data).hexdigest(), []).append((name, "/" + path, len(data)))
    out = {"now": 0, "tagged": 0, "now_least": 0, "tagged_least": 0}
    for copies in groups.values():
        for when, members in (("now", [c for c in copies if tagged[c[0]]]), ("tagged", copies)):
            if len(members) < 2:
                continue
            size = members[0][2]
            res = [min(resident.get((m[0], m[1]), 0), scanlib.pages(size, PAGE)) for m in members]
            out[when] += sum(res) - max(res)
            out[when + "_least"] += sum(res) - min(sum(res), scanlib.pages(size, PAGE))
    return out


def scan(*args, fmt="json", cwd=None):
    p = subprocess.run([ES, "scan", "--no-progress", "--format", fmt, *args], capture_output=True, cwd=cwd)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def write(name, doc):
    path = os.path.join(t, name)
    with open(path, "w") as f:
        f.write(doc if isinstance(doc, str) else json.dumps(doc))
    return path


def check(doc, resident, label, records, unmatched_input, unmatched_path):
    scanlib.validate(doc)
    r = doc.get("resident")
    if r is None:
        fail(f"{label}: no resident object")
    exp = expected_saving(resident)
    want = {"saved_bytes_now": exp["now"], "saved_bytes_if_tagged": exp["tagged"],
            "saved_bytes_now_at_least": exp["now_least"], "saved_bytes_if_tagged_at_least": exp["tagged_least"],
            "resident_bytes": sum(min(v, scanlib.pages(len(trees[k[0]][k[1][1:]]), PAGE)) for k, v in resident.items()),
            "files": len(resident), "records": records, "matched": records - unmatched_input - unmatched_path,
            "unmatched": unmatched_input + unmatched_path, "unmatched_no_input": unmatched_input,
            "unmatched_no_such_file": unmatched_path}
    got = {k: r[k] for k in want}
    if got != want:
        fail(f"{label}: resident figures {got}, expected {want}")
    return r


rc, out, err = scan(*inputs)
if rc != 0:
    fail(f"plain scan exited {rc}: {err}")
plain = json.loads(out)

# ---- fincore-style: -b bytes, and one record without -b (pages) --------------------------------
declared = {("a", "/bin/tool"): 8192, ("b", "/usr/bin/tool"): 12288, ("a", "/lib/libx.so"): 20480,
            ("c", "/lib/libx.so"): 53248, ("b", "/etc/conf"): 4096}
records = []
for (name, path), res in declared.items():
    size = len(trees[name][path[1:]])
    if (name, path) == ("b", "/usr/bin/tool"):  # fincore without -b: rounded text, exact pages
        records.append({"res": "12K", "pages": res // PAGE, "size": "19.5K", "file": f"/mnt/{name}{path}"})
    else:
        records.append({"res": res, "pages": res // PAGE, "size": size, "file": f"/mnt/{name}{path}"})
records.append({"res": 4096, "pages": 1, "size": 10, "file": "/mnt/a/no/such/file"})
records.append({"res": 4096, "pages": 1, "size": 10, "file": "/elsewhere/file"})
fincore = write("fincore.json", {"fincore": records})
roots = [f"--resident-root=/mnt/{n}/={img[n]}" for n in ("a", "b", "c")]
rc, out, err = scan("--resident", fincore, *roots, *inputs)
if rc != 0:
    fail(f"scan --resident (fincore) exited {rc}: {err}")
doc = json.loads(out)
exp = expected_saving(declared)
if not (exp["now"] > 0 and exp["tagged"] > exp["now"] and exp["tagged_least"] > 0):
    fail(f"fixture: the expected saving {exp} should be > 0 now and larger once tagged")
r = check(doc, declared, "fincore", len(records), 1, 1)
if r["format"] != "fincore" or r["file"] != fincore:
    fail(f"fincore: format {r['format']}, file {r['file']}")
if r["unmatched_examples"] != ["/mnt/a/no/such/file", "/elsewhere/file"]:
    fail(f"fincore: unmatched examples {r['unmatched_examples']}")
del doc["resident"]
if doc["totals"] != plain["totals"] or doc["groups"] != plain["groups"]:
    fail("--resident changed the every-file figures")

rc, text, err = scan("--resident", fincore, *roots, *inputs, fmt="text")
if rc != 0:
    fail(f"text: exit {rc}: {err}")
block = text.split("Pages read, from ", 1)[-1].split("\n\n")[0]
resident_total = sum(declared.values())
for want in (rf"{len(records)} records, {len(records) - 2} matched, 2 unmatched \(1 with no input, 1 no such file\)",
             r"\n  unmatched: /elsewhere/file\n", rf"resident, no sharing +{resident_total} ",
             rf"with sharing now +{resident_total - exp['now']} +saves ",
             rf"once all are tagged +{resident_total - exp['tagged']} +saves "):
    if not re.search(want, block):
        fail(f"text: {want!r} not in the resident block: {block!r}")

# --page-size converts fincore pages: a page of 8192 doubles the one record given in pages.
rc, out, err = scan("--page-size", "8192", "--resident", fincore, *roots, *inputs)
if rc != 0:
    fail(f"--page-size 8192: exit {rc}: {err}")
r8 = json.loads(out)["resident"]
if r8["records"] != len(records) or r8["matched"] != len(records) - 2:
    fail(f"--page-size 8192: {r8}")

# ---- status-style: mapped by the image file; a renamed backing file with --resident-root ------
def status_doc(files):
    zero = {"files": 0, "unmeasured_files": 0, "resident_bytes": 0, "cached_bytes_now": 0, "saved_bytes_now": 0,
            "saved_percent_now": 0, "separately_resident_twin_bytes": 0}
    return {"schema_version": 1, "tool": {"name": "erofs-share", "version": "test"},
            "mounts_file": "/proc/self/mountinfo", "kernel": {"release": "", "inode_share": "unknown", "evidence": ""},
            "page_size": PAGE, "totals": zero, "mounts": [], "filesystems": [], "files": files,
            "unmeasured_files": [], "groups": [], "separately_resident_twins": []}


files = []
for (name, path), res in declared.items():
    image = os.path.abspath(img[name]) if name != "b" else "/var/lib/images/renamed-b.erofs"
    files.append({"image": image, "mount": f"/run/m/{name}", "path": path, "size": len(trees[name][path[1:]]),
                  "resident_bytes": res, "io_class": "block", "saved_now": False})
files.append({"image": os.path.abspath(img["c"]), "mount": "/run/m/c", "path": "/not/there", "size": 5,
              "resident_bytes": 4096})
files.append({"image": "/var/lib/images/other.erofs", "mount": "/run/m/other", "path": "/x", "size": 5,
              "resident_bytes": 4096})
sdoc = status_doc(files)
try:
    import jsonschema
    with open(os.path.join(SRCDIR, "share", "schema", "status.schema.json")) as f:
        jsonschema.validate(sdoc, json.load(f))
except ImportError:
    fail("python3 cannot import jsonschema")
status = write("status.json", sdoc)
# Inputs given relative to the scan's directory: a's and c's records match by the image file.
rel = [os.path.basename(i) for i in inputs]
rc, out, err = scan("--resident", status, "--resident-root=/run/m/b=b.erofs", *rel, cwd=t)
if rc != 0:
    fail(f"scan --resident (status) exited {rc}: {err}")
r = check(json.loads(out), declared, "status", len(files), 1, 1)
if r["format"] != "status" or r["unmatched_examples"] != ["/run/m/c/not/there", "/run/m/other/x"]:
    fail(f"status: {r['format']} {r['unmatched_examples']}")
# Without the root, b's records name no input.
rc, out, err = scan("--resident", status, *rel, cwd=t)
r = json.loads(out)["resident"]
if rc != 0 or r["unmatched_no_input"] != 1 + sum(1 for k in declared if k[0] == "b"):
    fail(f"status without --resident-root: exit {rc}, {r}")

# ---- a real fincore of the source trees (whatever is resident), roots at the trees -----------
if shutil.which("fincore"):
    paths = [os.path.join(t, "trees", n, p) for n in trees for p in trees[n]]
    p = run(["fincore", "--json", "-b", *paths])
    real = write("real.json", p.stdout.decode())
    measured = {}
    for e in json.loads(p.stdout)["fincore"]:
        rel = os.path.relpath(e["file"], os.path.join(t, "trees"))
        name, path = rel.split("/", 1)
        measured[(name, "/" + path)] = e["res"]
    rc, out, err = scan("--resident", real, *[f"--resident-root={os.path.join(t, 'trees', n)}={img[n]}" for n in trees],
                        *inputs)
    if rc != 0:
        fail(f"real fincore: exit {rc}: {err}")
    check(json.loads(out), measured, "real fincore", len(measured), 0, 0)

# ---- hostile files and bad options: exit 2, one line naming the file and where -------------
def refused(label, args, *words):
    rc, out, err = scan(*args)
    lines = err.strip().splitlines()
    if rc != 2 or len(lines) != 1 or not all(w in lines[0] for w in words):
        fail(f"{label}: exit {rc}, stderr {err!r}; expected exit 2 and one line with {words}")


bad = {
    "not-json": ("{", ["not valid JSON"]),
    "array": ("[]", ["not a JSON object"]),
    "neither": ({"foo": 1}, ["neither"]),
    "file-type": ({"fincore": [{"res": 1, "file": 5}]}, ["/fincore/0/file", "not a string"]),
    "no-pages": ({"fincore": [{"res": "1.2M", "file": "/mnt/a/x"}]}, ["/fincore/0/res", "fincore --json -b"]),
    "negative": ({"fincore": [{"res": -1, "pages": -3, "file": "/mnt/a/x"}]}, ["/fincore/0/res"]),
    "not-array": ({"fincore": {"file": "/x"}}, ["/fincore", "not an array"]),
    "status-bytes": (dict(status_doc([dict(files[0], resident_bytes="lots")])), ["/files/0/resident_bytes"]),
    "status-path": (dict(status_doc([dict(files[0], path="rel")])), ["/files/0/path"]),
    "status-version": (dict(status_doc([]), schema_version=2), ["/schema_version"]),
}
for label, (content, words) in bad.items():
    path = write(f"bad-{label}.json", content)
    refused(label, ["--resident", path, *inputs], f"--resident {path}", *words)
refused("missing file", ["--resident", os.path.join(t, "missing.json"), *inputs], "missing.json")
refused("unknown root", ["--resident", fincore, "--resident-root=/mnt/a=nope.erofs", *inputs], "--resident-root",
        "nope.erofs")
refused("root without =", ["--resident", fincore, "--resident-root=/mnt/a", *inputs], "MOUNTPOINT=INPUT")
refused("root without resident", ["--resident-root=/mnt/a=x", *inputs], "--resident-root", "--resident FILE")
refused("-o the residency file", ["--resident", fincore, *roots, "-o", fincore, *inputs], "--resident", "-o")
baseline = write("baseline.json", json.dumps(plain))
refused("-o the baseline", ["--baseline", baseline, "-o", baseline, *inputs], "--baseline", "-o")
with open(baseline) as f:
    if json.load(f) != plain:
        fail("the refused -o changed the baseline")
scanlib.passed()
