#!/usr/bin/env python3
"""Manifests written by one scan per input (--manifest-out), merged by a later scan, give JSON
byte-identical to scanning the inputs together, with domains, mount modes, compressed images,
directories and archives; share/scan/merge.sql run by sqlite3 over the same manifests gives the
same totals and per-input figures. The manifests validate against share/scan/manifest.schema.json."""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scanlib import *  # noqa: E402,F401,F403

sqlite = shutil.which("sqlite3")
if not sqlite:
    fail("sqlite3 is not installed (apt-get install sqlite3; scripts/install-deps.sh lists it)")

t = setup()
trees = make_trees(os.path.join(t, "src"))
tar = os.path.join(t, "b.tar.gz")
make_tar(trees["B"], tar, "gz")
A19 = mkfs(19, os.path.join(t, "a19.erofs"), trees["A"], "--xattr-inode-digest")
B19z = mkfs(19, os.path.join(t, "b19z.erofs"), trees["B"], "-zlz4hc", "--xattr-inode-digest")
C19 = mkfs(19, os.path.join(t, "c19.erofs"), trees["C"], "--xattr-inode-digest")
A15 = mkfs(15, os.path.join(t, "a15.erofs"), trees["A"])
inputs = [A19, B19z, C19, A15, tar, trees["C"]]

# One job per input, as on a batch engine.
mdir = os.path.join(t, "manifests")
for x in inputs:
    run([ES, "scan", "--no-progress", "--manifest-out", mdir, x])
names = {x: os.path.join(mdir, os.path.basename(x) + ".ndjson") for x in inputs}
with open(os.path.join(SRCDIR, "share", "scan", "manifest.schema.json")) as f:
    mschema = json.load(f)
import jsonschema  # noqa: E402
for m in names.values():
    with open(m) as f:
        for line in f:
            jsonschema.validate(json.loads(line), mschema)

settings = [
    ([], {}, {}),
    (["--domain", f"{C19}=other", "--domain", f"{trees['C']}=other"], {C19: "other", trees["C"]: "other"}, {}),
    (["--mount-mode", f"{A15}=fileio", "--mount-mode", f"{tar}=fileio"], {}, {A15: "fileio", tar: "fileio"}),
    (["--page-size", "16384"], {}, {}),
]
for opts, domains, mounts in settings:
    together = run([ES, "scan", "--no-progress", "--format", "json", *opts, *inputs]).stdout
    merged = run([ES, "scan", "--no-progress", "--format", "json", *opts, *[names[x] for x in inputs]]).stdout
    if together != merged:
        fail(f"{opts}: the merged JSON differs from the JSON of scanning the inputs together")
    doc = json.loads(together)
    validate(doc)
    # The shipped SQL on sqlite3.
    page = int(opts[1]) if opts[:1] == ["--page-size"] else 4096
    load = ["CREATE TABLE files(input TEXT, path TEXT, size INTEGER, class TEXT, fingerprint TEXT,"
            " fingerprint_value TEXT, sha256 TEXT);",
            "CREATE TABLE inputs(input TEXT, position INTEGER, domain TEXT, mount_mode TEXT);",
            "CREATE TABLE params(page_size INTEGER);",
            f"INSERT INTO params VALUES ({page});"]
    for pos, x in enumerate(inputs):
        m = names[x].replace("'", "''")
        load.append(
            "INSERT INTO files SELECT json_extract(value,'$.input'), json_extract(value,'$.path'),"
            " json_extract(value,'$.size'), json_extract(value,'$.class'), json_extract(value,'$.fingerprint'),"
            " json_extract(value,'$.fingerprint_value'), json_extract(value,'$.sha256')"
            f" FROM json_each('[' || replace(rtrim(CAST(readfile('{m}') AS TEXT), char(10)), char(10), ',') || ']')"
            " WHERE json_extract(value,'$.path') IS NOT NULL;")
        xs = x.replace("'", "''")
        load.append(f"INSERT INTO inputs VALUES ('{xs}', {pos}, '{domains.get(x, 'default')}',"
                    f" '{mounts.get(x, 'block')}');")
    with open(os.path.join(SRCDIR, "share", "scan", "merge.sql")) as f:
        script = "\n".join(load) + "\n.mode json\n" + f.read()
    rows = json.loads(run([sqlite, ":memory:"], input=script.encode()).stdout)
    total = [r for r in rows if r["position"] == -1][0]
    for k in FIGURES:
        if total[k] != doc["totals"][k]:
            fail(f"{opts}: merge.sql totals {k} = {total[k]}, scan says {doc['totals'][k]}")
    for r in rows:
        if r["position"] >= 0:
            got = doc["inputs"][r["position"]]
            for k in FIGURES:
                if r[k] != got[k]:
                    fail(f"{opts}: merge.sql {r['input']} {k} = {r[k]}, scan says {got[k]}")
    print(f"{opts or 'defaults'}: identical JSON, SQL totals {[total[k] for k in FIGURES]}")

# The manifests of a --trust-fingerprints scan merge too.
tdir = os.path.join(t, "trusted")
for x in inputs:
    run([ES, "scan", "--no-progress", "--trust-fingerprints", "--manifest-out", tdir, x])
together = run([ES, "scan", "--no-progress", "--format", "json", "--trust-fingerprints", *inputs]).stdout
merged = run([ES, "scan", "--no-progress", "--format", "json", "--trust-fingerprints",
              *[os.path.join(tdir, os.path.basename(x) + ".ndjson") for x in inputs]]).stdout
if together != merged:
    fail("--trust-fingerprints: the merged JSON differs")
passed()
