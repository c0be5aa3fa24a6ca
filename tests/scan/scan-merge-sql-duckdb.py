#!/usr/bin/env python3
"""share/scan/merge.sql run on DuckDB (the npm package @duckdb/node-api, scripts/duckdb.sh) over
the NDJSON manifests read directly with read_ndjson, and over Parquet files DuckDB wrote from
them (COPY ... (FORMAT parquet)), gives the totals and per-input figures of
`erofs-share scan --format json` over the same inputs: several domains, a mount mode, a
compressed image, a tar archive and a directory. (sqlite3: scan-manifests-merge.py.)"""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scanlib import *  # noqa: E402,F401,F403

mods = os.environ.get("DUCKDB_NODE_MODULES", "")
if not mods or not os.path.isdir(os.path.join(mods, "@duckdb", "node-api")):
    fail("DUCKDB_NODE_MODULES does not name a node_modules dir with @duckdb/node-api;"
         " source scripts/env.sh (it runs scripts/duckdb.sh) before ctest")
node = shutil.which("node") or fail("node is not installed (scripts/install-deps.sh installs it)")
RUNNER = os.path.join(SRCDIR, "tests", "scan", "duckdb_run.mjs")
MERGE = os.path.join(SRCDIR, "share", "scan", "merge.sql")


def duckdb(*sql_files, cwd):
    env = dict(os.environ, NODE_PATH=mods)
    return json.loads(run([node, RUNNER, *sql_files], cwd=cwd, env=env).stdout)


t = setup()
trees = make_trees(os.path.join(t, "src"))
tar = os.path.join(t, "b.tar")
make_tar(trees["B"], tar)
A19 = mkfs(19, os.path.join(t, "a19.erofs"), trees["A"], "--xattr-inode-digest")
B19z = mkfs(19, os.path.join(t, "b19z.erofs"), trees["B"], "-zlz4hc", "--xattr-inode-digest")
C19 = mkfs(19, os.path.join(t, "c19.erofs"), trees["C"], "--xattr-inode-digest")
A15 = mkfs(15, os.path.join(t, "a15.erofs"), trees["A"])
inputs = [A19, B19z, C19, A15, tar, trees["C"]]
mdir = os.path.join(t, "manifests")
for x in inputs:
    run([ES, "scan", "--no-progress", "--manifest-out", mdir, x])
manifest = {x: os.path.join(mdir, os.path.basename(x) + ".ndjson") for x in inputs}

COLUMNS = ("{input: 'VARCHAR', path: 'VARCHAR', size: 'BIGINT', class: 'VARCHAR',"
           " fingerprint: 'VARCHAR', fingerprint_value: 'VARCHAR', sha256: 'VARCHAR'}")
# Parquet: one file per manifest, as a per-image job would write it.
for x in inputs:
    m = manifest[x]
    with open(m + ".to-parquet.sql", "w") as f:
        f.write(f"COPY (SELECT * FROM read_ndjson('{m}', columns = {COLUMNS}))"
                f" TO '{m[:-len('.ndjson')]}.parquet' (FORMAT parquet);\nSELECT 1 AS ok;\n")
    duckdb(m + ".to-parquet.sql", cwd=t)

settings = [
    ([], {}, {}),
    (["--domain", f"{C19}=other", "--domain", f"{trees['C']}=other", "--domain", f"{tar}=third"],
     {C19: "other", trees["C"]: "other", tar: "third"}, {}),
    (["--mount-mode", f"{A15}=fileio", "--page-size", "16384"], {}, {A15: "fileio"}),
]
for opts, domains, mounts in settings:
    doc = json.loads(run([ES, "scan", "--no-progress", "--format", "json", *opts, *inputs]).stdout)
    page = int(opts[opts.index("--page-size") + 1]) if "--page-size" in opts else 4096
    for form in ("ndjson", "parquet"):
        read = {x: (f"read_ndjson('{manifest[x]}', columns = {COLUMNS})" if form == "ndjson" else
                    f"read_parquet('{manifest[x][:-len('.ndjson')]}.parquet')") for x in inputs}
        load = [
            "CREATE TABLE files AS " + " UNION ALL ".join(
                f"SELECT input, path, size, class, fingerprint, fingerprint_value, sha256"
                f" FROM {read[x]} WHERE path IS NOT NULL" for x in inputs) + ";",
            "CREATE TABLE inputs(input VARCHAR, position INTEGER, domain VARCHAR, mount_mode VARCHAR);",
            f"CREATE TABLE params AS SELECT {page} AS page_size;",
        ]
        for pos, x in enumerate(inputs):
            load.append(f"INSERT INTO inputs SELECT input, {pos}, '{domains.get(x, 'default')}',"
                        f" '{mounts.get(x, 'block')}' FROM {read[x]} WHERE path IS NULL;")
        loader = os.path.join(t, "load.sql")
        with open(loader, "w") as f:
            f.write("\n".join(load) + "\n")
        rows = duckdb(loader, MERGE, cwd=t)
        if len(rows) != len(inputs) + 1:
            fail(f"{form} {opts}: merge.sql gave {len(rows)} rows, want {len(inputs) + 1}")
        total = [r for r in rows if r["position"] == -1][0]
        for k in FIGURES:
            if total[k] != doc["totals"][k]:
                fail(f"{form} {opts}: merge.sql totals {k} = {total[k]}, scan says {doc['totals'][k]}")
        for r in rows:
            if r["position"] >= 0:
                got = doc["inputs"][r["position"]]
                if r["input"] != inputs[r["position"]]:
                    fail(f"{form} {opts}: row {r['position']} is {r['input']}, want {inputs[r['position']]}")
                for k in FIGURES:
                    if r[k] != got[k]:
                        fail(f"{form} {opts}: merge.sql {r['input']} {k} = {r[k]}, scan says {got[k]}")
        print(f"duckdb {form} {opts or 'defaults'}: SQL totals {[total[k] for k in FIGURES]} = scan's")
passed()
