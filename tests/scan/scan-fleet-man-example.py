#!/usr/bin/env python3
"""The fleet example of erofs-share-scan(1), MANIFESTS AND FLEETS, run as the man page prints it
(each block marked `.\\" fleet-example: NAME` is extracted and un-roffed): the merge of the
per-image manifests gives JSON byte-identical to the direct scan, and the DuckDB (NDJSON and
Parquet) and sqlite3 blocks followed by share/scan/merge.sql give the direct scan's totals and
per-input figures. Images: two domains' worth of trees, one compressed, built by mkfs.erofs."""
import json
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scanlib import *  # noqa: E402,F401,F403

MAN = os.path.join(SRCDIR, "man", "erofs-share-scan.1")
MERGE = os.path.join(SRCDIR, "share", "scan", "merge.sql")
RUNNER = os.path.join(SRCDIR, "tests", "scan", "duckdb_run.mjs")
mods = os.environ.get("DUCKDB_NODE_MODULES", "")
if not mods or not os.path.isdir(os.path.join(mods, "@duckdb", "node-api")):
    fail("DUCKDB_NODE_MODULES does not name a node_modules dir with @duckdb/node-api;"
         " source scripts/env.sh (it runs scripts/duckdb.sh) before ctest")
node = shutil.which("node") or fail("node is not installed (scripts/install-deps.sh installs it)")
sqlite = shutil.which("sqlite3") or fail("sqlite3 is not installed (scripts/install-deps.sh lists it)")


def examples():
    with open(MAN) as f:
        lines = f.read().split("\n")
    out, i = {}, 0
    while i < len(lines):
        m = re.match(r'^\.\\" fleet-example: (\S+)', lines[i])
        i += 1
        if not m:
            continue
        while lines[i] != ".EX":
            i += 1
        body = []
        i += 1
        while lines[i] != ".EE":
            body.append(lines[i])
            i += 1
        text_ = "\n".join(body) + "\n"
        for roff, plain in ((r"\(aq", "'"), (r"\-", "-"), (r"\|", ""), (r"\e", "\\")):
            text_ = text_.replace(roff, plain)
        if "\\" in text_.replace("\\n", ""):
            fail(f"fleet-example {m.group(1)}: an escape this test does not know: {text_!r}")
        out[m.group(1)] = text_
    for need in ("shell", "duckdb", "duckdb-to-parquet", "sqlite3"):
        if need not in out:
            fail(f"{MAN} has no block marked fleet-example: {need}")
    return out


ex = examples()
t = setup()
trees = make_trees(os.path.join(t, "src"))
fleet = os.path.join(t, "fleet")
os.makedirs(os.path.join(fleet, "images"))
mkfs(19, os.path.join(fleet, "images", "a.erofs"), trees["A"], "--xattr-inode-digest")
mkfs(19, os.path.join(fleet, "images", "b-z.erofs"), trees["B"], "-zlz4hc", "--xattr-inode-digest")
mkfs(19, os.path.join(fleet, "images", "c.erofs"), trees["C"], "--xattr-inode-digest")
mkfs(15, os.path.join(fleet, "images", "a15.erofs"), trees["A"])
bindir = os.path.join(t, "bin")
os.makedirs(bindir)
os.symlink(os.path.abspath(ES), os.path.join(bindir, "erofs-share"))
env = dict(os.environ, PATH=bindir + os.pathsep + os.environ["PATH"])
run(["bash", "-euo", "pipefail", "-c", ex["shell"]], cwd=fleet, env=env)
with open(os.path.join(fleet, "merged.json"), "rb") as f:
    merged = f.read()
with open(os.path.join(fleet, "direct.json"), "rb") as f:
    direct = f.read()
if merged != direct or not direct:
    fail("the man page's merged.json differs from its direct.json")
doc = json.loads(direct)
validate(doc)
print("shell: merged.json == direct.json")


def check(engine, rows):
    if len(rows) != len(doc["inputs"]) + 1:
        fail(f"{engine}: {len(rows)} rows, want {len(doc['inputs']) + 1}")
    for r in rows:
        want = doc["totals"] if r["position"] == -1 else doc["inputs"][r["position"]]
        for k in FIGURES:
            if int(r[k]) != want[k]:
                fail(f"{engine}: {r['input']} {k} = {r[k]}, the direct scan says {want[k]}")
    print(f"{engine}: the figures of the direct scan")


def duckdb(*files):
    out = run([node, RUNNER, *files], cwd=fleet, env=dict(os.environ, NODE_PATH=mods)).stdout
    return json.loads(out)


def write(name, text_):
    p = os.path.join(t, name)
    with open(p, "w") as f:
        f.write(text_)
    return p


check("duckdb ndjson", duckdb(write("duckdb.sql", ex["duckdb"]), MERGE))
for name in sorted(os.listdir(os.path.join(fleet, "manifests"))):
    if name.endswith(".ndjson"):
        m = "manifests/" + name[:-len(".ndjson")]
        duckdb(write("to-parquet.sql", ex["duckdb-to-parquet"].replace("'M.", f"'{m}.") + "SELECT 1;\n"))
parquet = ex["duckdb"]
parquet = re.sub(r"read_ndjson\('manifests/\*\.ndjson', filename = true,\s*columns = \{[^}]*\}\)",
                 "read_parquet('manifests/*.parquet', filename = true)", parquet)
if "read_parquet" not in parquet:
    fail("could not put read_parquet in place of read_ndjson in the duckdb block")
check("duckdb parquet", duckdb(write("duckdb-parquet.sql", parquet), MERGE))
script = ex["sqlite3"] + ".mode json\n" + f".read {MERGE}\n"
check("sqlite3", json.loads(run([sqlite, ":memory:"], input=script.encode(), cwd=fleet).stdout))
passed()
