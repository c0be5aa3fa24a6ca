#!/usr/bin/env python3
"""Tar-index images (CTest label "e2e"): mkfs.erofs >= 1.9 `--tar=i` and `--tar=i --aufs` keep
the file data in the tar, which the image names as extra device 1 (chunk-based inodes, without
the chunked_file feature bit). containerd's tar-index mode appends the tar to the index
(`[index][tar]`), which the device table's unified address (uniaddr = the index's block count)
makes readable as one file. Each case builds a tar at test time, runs MKFS_EROFS_19 and
FSCK_EROFS_19, then checks that inspect --digest, scan and lint read every member's content
exactly (digest = sha256 of the member), and that without the tar the data is reported
unavailable, as for any multi-device image.

usage: tarindex_test.py CLI CASE     (CASE: index, index_aufs, appended, no_device)
"""
import hashlib
import io
import json
import os
import random
import subprocess
import sys
import tarfile
import tempfile


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def run(argv, ok=True):
    p = subprocess.run(argv, capture_output=True, text=True)
    if ok and p.returncode != 0:
        fail(f"{' '.join(argv)} exited {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}")
    return p


def tool(name):
    path = os.environ.get(name)
    if not path:
        fail(f"{name} is not set (source scripts/env.sh)")
    return path


def make_tar(path, aufs):
    """Members of every size class around the 512-byte tar and block boundaries, duplicates
    (so scan has a group to find), a hard link, a symlink, nested directories; with `aufs`
    also an OCI whiteout and an opaque-directory marker. Returns {path: content} of the
    regular files as the image must show them."""
    rnd = random.Random(13)
    files = {}
    dup = rnd.randbytes(9000)
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        def add_dir(name):
            ti = tarfile.TarInfo(name)
            ti.type, ti.mode, ti.mtime = tarfile.DIRTYPE, 0o755, 1700000000
            tar.addfile(ti)

        def add_file(name, data):
            ti = tarfile.TarInfo(name)
            ti.size, ti.mode, ti.mtime = len(data), 0o644, 1700000000
            tar.addfile(ti, io.BytesIO(data))
            files["/" + name] = data

        add_dir("etc")
        add_dir("usr")
        add_dir("usr/lib")
        for n in (1, 12, 511, 512, 513, 4095, 4096, 4097, 70000, 300000):
            add_file(f"usr/lib/rand-{n}", rnd.randbytes(n))
        add_file("etc/empty", b"")
        add_file("etc/dup-a", dup)
        add_file("usr/dup-b", dup)
        ln = tarfile.TarInfo("etc/hardlink")
        ln.type, ln.linkname, ln.mtime = tarfile.LNKTYPE, "usr/lib/rand-4097", 1700000000
        tar.addfile(ln)
        files["/etc/hardlink"] = files["/usr/lib/rand-4097"]
        sl = tarfile.TarInfo("etc/symlink")
        sl.type, sl.linkname, sl.mtime = tarfile.SYMTYPE, "../usr/lib/rand-12", 1700000000
        tar.addfile(sl)
        if aufs:
            add_dir("opaque")
            add_file("opaque/.wh..wh..opq", b"")
            del files["/opaque/.wh..wh..opq"]
            add_file("opaque/kept", b"kept\n")
            add_file("etc/.wh.gone", b"")
            del files["/etc/.wh.gone"]
    return files


def inspect(cli, image, devices):
    argv = [cli, "inspect", "--format", "json", "--digest"]
    for d in devices:
        argv += ["--device", d]
    return json.loads(run(argv + [image]).stdout)


def check_digests(cli, image, devices, files, aufs):
    rows = {r["path"]: r for r in inspect(cli, image, devices)["files"]}
    for path, data in files.items():
        row = rows.get(path)
        if row is None:
            fail(f"{path} is missing from inspect of {image}")
        if row["type"] != "file" or row["size"] != len(data):
            fail(f"{path}: {row}")
        if not data:
            continue
        if row.get("layout") != "chunk_based":
            fail(f"{path}: expected a chunk-based inode (data on the tar), got {row.get('layout')}")
        want = hashlib.sha256(data).hexdigest()
        if row.get("digest") != want:
            fail(f"{path}: digest {row.get('digest')} (error {row.get('digest_error')}), member sha256 {want}")
    if rows["/etc/symlink"].get("symlink_target", rows["/etc/symlink"].get("target")) not in (None, "../usr/lib/rand-12"):
        fail(f"symlink target: {rows['/etc/symlink']}")
    if rows["/etc/hardlink"]["nid"] != rows["/usr/lib/rand-4097"]["nid"]:
        fail("the tar hard link is not one inode")
    if aufs:
        gone = rows.get("/etc/gone")
        if not gone or gone["type"] != "chardev":
            fail(f"--aufs whiteout is not a char device: {gone}")
        if any(".wh." in p for p in rows):
            fail("whiteout names left in the --aufs image")
        names = [x.get("name") for x in rows["/opaque"].get("xattrs", [])]
        if "trusted.overlay.opaque" not in names:
            fail(f"opaque directory lost its xattr: {rows['/opaque']}")
    return rows


def check_scan(cli, image, device_args, files):
    out = json.loads(run([cli, "scan", "--format", "json"] + device_args + [image]).stdout)
    inp = out["inputs"][0]
    regular = sum(1 for d in files.values() if d)
    if inp["unreadable_files"] != 0 or inp["files"] < regular - 1:  # the hard link is one inode
        fail(f"scan read {inp['files']} files, {inp['unreadable_files']} unreadable: {inp}")
    if inp["data_bytes"] != sum(len(d) for p, d in files.items() if p != "/etc/hardlink"):
        fail(f"scan data_bytes {inp['data_bytes']}")
    if out["group_count"] != 1:
        fail(f"scan found {out['group_count']} groups of equal content, expected 1 (dup-a, dup-b)")


def check_lint(cli, image, devices, tar, files, tmp):
    """lint of the tar-index image, then of its tagged copy, whose fingerprints lint verifies
    against the tar's data: equal with the right tar, a finding with a tar whose member
    changed."""
    dev = []
    for d in devices:
        dev += ["--device", d]
    p = run([cli, "lint", "--format", "json"] + dev + [image], ok=False)
    rules = sorted({f["rule"] for f in json.loads(p.stdout)["findings"]}) if p.stdout else None
    if p.returncode != 1 or rules != ["fingerprints-absent"]:  # untagged, and nothing else
        fail(f"lint of a tar-index image exited {p.returncode}, rules {rules}\n{p.stderr}")
    tagged = os.path.join(tmp, "tagged.erofs")
    run([cli, "tag", "-q"] + dev + [image, "-o", tagged])
    run([cli, "lint"] + dev + [tagged])
    if devices:
        bad = os.path.join(tmp, "changed.tar")
        raw = bytearray(open(tar, "rb").read())
        at = raw.index(files["/usr/lib/rand-70000"][:64])
        raw[at] ^= 0xFF
        open(bad, "wb").write(raw)
        p = run([cli, "lint", "--device", bad, tagged], ok=False)
        if p.returncode != 1 or "mismatch" not in p.stdout.lower():
            fail(f"lint with a changed tar member exited {p.returncode}:\n{p.stdout}{p.stderr}")


def main():
    cli, case = sys.argv[1], sys.argv[2]
    mkfs, fsck = tool("MKFS_EROFS_19"), tool("FSCK_EROFS_19")
    aufs = case == "index_aufs"
    with tempfile.TemporaryDirectory(prefix="tarindex-") as tmp:
        tar = os.path.join(tmp, "layer.tar")
        files = make_tar(tar, aufs)
        image = os.path.join(tmp, "layer.erofs")
        run([mkfs, "--tar=i", "--quiet"] + (["--aufs"] if aufs else []) + ["-T0", image, tar])
        run([fsck, f"--device={tar}", image])
        if case in ("index", "index_aufs"):
            check_digests(cli, image, [tar], files, aufs)
            check_scan(cli, image, ["--device", f"{image}={tar}"], files)
            check_lint(cli, image, [tar], tar, files, tmp)
        elif case == "appended":
            # containerd (enable_tar_index): the tar appended to the index, one file.
            blob = os.path.join(tmp, "blob.erofs")
            with open(blob, "wb") as out:
                out.write(open(image, "rb").read())
                out.write(open(tar, "rb").read())
            run([fsck, blob])
            check_digests(cli, blob, [], files, aufs)
            check_scan(cli, blob, [], files)
            check_lint(cli, blob, [], tar, files, tmp)
        elif case == "no_device":
            rows = {r["path"]: r for r in inspect(cli, image, [])["files"]}
            for path, data in files.items():
                if data and "extra device 1" not in rows[path].get("digest_error", ""):
                    fail(f"{path}: data not reported unavailable without the tar: {rows[path]}")
            out = json.loads(run([cli, "scan", "--format", "json", image]).stdout)
            if out["inputs"][0]["unreadable_files"] == 0:
                fail(f"scan without the tar reads no data but says every file was read: {out['inputs'][0]}")
            # A tagged index linted without the tar: every fingerprint unverified, saying why.
            tagged = os.path.join(tmp, "tagged.erofs")
            run([cli, "tag", "-q", "--device", tar, image, "-o", tagged])
            findings = json.loads(run([cli, "lint", "--format", "json", tagged]).stdout)["findings"]
            unverified = [f for f in findings if f["rule"] == "fingerprint-unverified" and "extra device 1" in f["message"]]
            if len(unverified) != len({p for p, d in files.items() if d and p != "/etc/hardlink"}):
                fail(f"lint without the tar: {findings}")
        else:
            fail(f"unknown case {case}")
    print(f"ok {case}")


if __name__ == "__main__":
    main()
