#!/usr/bin/env python3
"""Acceptance tests of `erofs-share build --tar` (CTest label "tag").

A layer tar with OCI whiteouts (.wh.NAME, .wh..wh..opq), plain, gzip and zstd, is built with
`build --tar` and compared byte for byte with what containerd's EROFS differ runs on the same
tar (internal/erofsutils ConvertTarErofs + AddDefaultMkfsOpts, with mkfs_options
["--xattr-inode-digest"]):

    mkfs.erofs --tar=f --aufs --quiet -Enoinline_data -b4096 <mkfs_options> -U <uuid> layer.erofs

with the tar on standard input. The UUID is computed here independently, as containerd does
(plugins/diff/erofs: uuid.NewSHA1(uuid.NameSpaceURL, "erofs:blobs/" + desc.Digest), the layer
descriptor's digest: the blob as stored). containerd passes no timestamp, so both sides get the
same -T (build time only: --mkfs-time) to be comparable. fsck.erofs --xattr-inode-digest
passes, and every fingerprint equals its tar member's sha256. Errors: not a tar, a corrupt
gzip stream, mkfs 1.5 (no --tar=), the layer as output: exit 2, one line, no output left.

--layer-digest and --uuid-from diff-id (the diffID, as containerd 2.4's converter derives it)
choose the digest instead.

usage: build_tar_test.py CLI CASE     (CASE: convert, errors)
"""
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import uuid

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tag_test import fail, inspect, run, tools  # noqa: E402

DIFFER = ["--tar=f", "--aufs", "--quiet", "-Enoinline_data"]
STAMP = ["-T1700000000", "--mkfs-time"]  # build time only: file times stay the tar's


def make_layer(path):
    """A layer tar: files around block sizes, an empty file, a hard link, a symlink, a PAX
    user xattr, a whiteout (.wh.gone) and an opaque directory (.wh..wh..opq). Returns the
    content of every regular member with data, by image path."""
    files = {}
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        def add(name, kind=tarfile.REGTYPE, data=b"", **extra):
            ti = tarfile.TarInfo(name)
            ti.type, ti.mtime, ti.uid, ti.gid = kind, 1690000000, 0, 0
            ti.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
            for k, v in extra.items():
                setattr(ti, k, v)
            if kind == tarfile.REGTYPE:
                ti.size = len(data)
                if data:
                    files["/" + name] = data
            if kind == tarfile.LNKTYPE:
                files["/" + name] = files["/" + extra["linkname"]]  # the same inode
            tar.addfile(ti, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
        add("etc", tarfile.DIRTYPE)
        add("etc/hostname", data=b"layer\n")
        add("etc/block", data=bytes(range(256)) * 16)            # exactly one 4 KiB block
        add("etc/block+1", data=bytes(range(256)) * 16 + b"!")   # one byte more
        add("etc/big", data=os.urandom(300000))
        add("etc/empty")
        add("etc/.wh.gone")                                      # hides etc/gone of lower layers
        add("etc/link", tarfile.LNKTYPE, linkname="etc/hostname")
        add("etc/symlink", tarfile.SYMTYPE, linkname="hostname")
        add("etc/noted", data=b"with an xattr\n", pax_headers={"SCHILY.xattr.user.note": "kept"})
        add("var", tarfile.DIRTYPE)
        add("var/cache", tarfile.DIRTYPE)
        add("var/cache/.wh..wh..opq")                            # hides all of var/cache below
        add("var/cache/fresh", data=b"only this one\n" * 500)
        add("usr/bin/tool", data=b"\x7fELF" + os.urandom(9000))  # parents not in the tar
    return files


def sha256_file(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def containerd_uuid(blob):
    """plugins/diff/erofs/differ.go: uuid.NewSHA1(uuid.NameSpaceURL, []byte("erofs:blobs/"+desc.Digest))."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "erofs:blobs/sha256:" + sha256_file(blob)))


def compress(plain, kind):
    if kind == "none":
        return plain
    if kind == "gzip":
        out = plain + ".gz"
        with open(plain, "rb") as i, gzip.open(out, "wb") as o:
            shutil.copyfileobj(i, o)
        return out
    out = plain + ".zst"
    run(["zstd", "-q", "-f", plain, "-o", out])
    return out


def reference(t, plain, out, uuid_text, options):
    """What containerd's differ makes: the uncompressed tar on mkfs's standard input."""
    block = [] if any(o.startswith("-b") for o in options) else ["-b4096"]
    with open(plain, "rb") as tar:
        p = subprocess.run([t["MKFS_EROFS_19"], *DIFFER, *block, *options, "-U", uuid_text, out], stdin=tar,
                           capture_output=True, text=True)
    if p.returncode != 0:
        fail(f"reference mkfs: {p.returncode}\n{p.stderr}")


def check_image(cli, t, image, files, want_uuid):
    p = run([t["FSCK_EROFS_19"], "--xattr-inode-digest", image], ok=False)
    if p.returncode != 0 or any(s in p.stdout + p.stderr for s in ("MISMATCH", "no digest", "<E>", "<W>")):
        fail(f"fsck.erofs --xattr-inode-digest {image}: {p.returncode}\n{p.stdout}{p.stderr}")
    rep = inspect(cli, image)
    if rep["superblock"]["uuid"] != want_uuid:
        fail(f"{image}: UUID {rep['superblock']['uuid']}, containerd derives {want_uuid}")
    rows = {f["path"]: f for f in rep["files"]}
    for path, data in files.items():
        row = rows.get(path)
        want = hashlib.sha256(data).hexdigest()
        if not row or row.get("fingerprint_state") != "valid" or row.get("fingerprint") != want:
            fail(f"{image}: {path}: fingerprint {row and row.get('fingerprint')} ({row and row.get('fingerprint_state')})"
                 f", member sha256 {want}")
    tagged = {p for p, r in rows.items() if r.get("fingerprint_state", "none") != "none"}
    if tagged != set(files):
        fail(f"{image}: fingerprinted {sorted(tagged ^ set(files))} unexpectedly")
    gone = rows.get("/etc/gone")
    if not gone or gone["type"] != "chardev" or gone.get("rdev") != {"major": 0, "minor": 0}:
        fail(f"{image}: .wh.gone is not a 0:0 character device: {gone}")
    opaque = [x for x in rows["/var/cache"]["xattrs"] if x["name"] == "trusted.overlay.opaque"]
    if [x.get("value") for x in opaque] != ["y"]:
        fail(f"{image}: /var/cache is not opaque: {rows['/var/cache']['xattrs']}")
    if any("/.wh." in p for p in rows):
        fail(f"{image}: whiteout names left: {[p for p in rows if '/.wh.' in p]}")
    if not any(x["name"] == "user.note" and x.get("value") == "kept" for x in rows["/etc/noted"]["xattrs"]):
        fail(f"{image}: the PAX xattr user.note is missing")


def case_convert(cli, t):
    kinds = ["none", "gzip"] + (["zstd"] if shutil.which("zstd") else [])
    if "zstd" not in kinds:
        print("note: no zstd program, zstd layers not tested")
    with tempfile.TemporaryDirectory(prefix="build-tar-") as d:
        plain = os.path.join(d, "layer.tar")
        files = make_layer(plain)
        diff_id = "sha256:" + sha256_file(plain)
        for kind in kinds:
            blob = compress(plain, kind)
            want_uuid = containerd_uuid(blob)
            out, ref = os.path.join(d, f"{kind}.erofs"), os.path.join(d, f"{kind}.ref.erofs")
            argv = [cli, "build", "--tar", blob, "-o", out, "--mkfs", t["MKFS_EROFS_19"], "--format", "json"]
            rep = json.loads(run(argv + [f"--mkfs-option={o}" for o in STAMP]).stdout)
            want = {"compression": kind, "digest": "sha256:" + sha256_file(blob), "uuid": want_uuid, "diff_id": diff_id}
            if rep.get("layer") != want or rep["method"] != "mkfs":
                fail(f"{kind}: summary {rep}, want layer {want}")
            reference(t, plain, ref, want_uuid, ["--xattr-inode-digest", *STAMP])
            if open(out, "rb").read() != open(ref, "rb").read():
                fail(f"{kind}: build --tar differs from containerd's mkfs command")
            check_image(cli, t, out, files, want_uuid)
            print(f"ok: {kind} layer: equal to the differ's image, UUID {want_uuid}, {len(files)} fingerprints")
        # --layer-digest: the gzip layer under the digest of its uncompressed form is the plain build.
        again = os.path.join(d, "again.erofs")
        run([cli, "build", "--tar", plain + ".gz", "-o", again, "--mkfs", t["MKFS_EROFS_19"], "--layer-digest",
             diff_id, "--", *STAMP])
        if open(again, "rb").read() != open(os.path.join(d, "none.erofs"), "rb").read():
            fail("--layer-digest of the uncompressed tar: not the plain layer's image")
        print("ok: --layer-digest sets the UUID; options after -- reach mkfs")
        # --uuid-from diff-id (containerd 2.4's converter and layer content cache): the same.
        rep = json.loads(run([cli, "build", "--tar", plain + ".gz", "-o", again, "--mkfs", t["MKFS_EROFS_19"],
                              "--uuid-from", "diff-id", "--format", "json", "--", *STAMP]).stdout)
        if open(again, "rb").read() != open(os.path.join(d, "none.erofs"), "rb").read() or \
           rep["layer"]["digest"] != diff_id or rep["layer"]["uuid"] != containerd_uuid(plain):
            fail(f"--uuid-from diff-id: not the plain layer's image: {rep}")
        print("ok: --uuid-from diff-id derives the UUID from the uncompressed tar")
        # mkfs_options as the differ passes them: compression, and a -b of one's own (no -b4096).
        for options in (["-zlz4hc"], ["-b512", "-zlz4hc"]):
            out, ref = os.path.join(d, "opt.erofs"), os.path.join(d, "opt.ref.erofs")
            run([cli, "build", "--tar", plain, "-o", out, "--mkfs", t["MKFS_EROFS_19"],
                 *[f"--mkfs-option={o}" for o in options + STAMP]])
            reference(t, plain, ref, containerd_uuid(plain), options + ["--xattr-inode-digest", *STAMP])
            if open(out, "rb").read() != open(ref, "rb").read():
                fail(f"mkfs options {options}: build --tar differs from containerd's mkfs command")
            check_image(cli, t, out, files, containerd_uuid(plain))
            print(f"ok: mkfs_options {options}: equal to the differ's image")


def expect_refused(argv, d, out, *texts):
    """Exit 2, nothing on stdout, one 'erofs-share: ' line holding `texts`, no output and no
    temporary file left in d."""
    before = sorted(os.listdir(d))
    p = run(argv, ok=False)
    lines = p.stderr.splitlines()
    if p.returncode != 2 or p.stdout or len(lines) != 1 or not lines[0].startswith("erofs-share: ") or \
       not all(s in lines[0] for s in texts):
        fail(f"{' '.join(argv)}: exit {p.returncode}, stdout {p.stdout!r}, stderr {p.stderr!r}; want one line "
             f"with {texts}")
    after = sorted(os.listdir(d))
    if after != before or (out and os.path.exists(out)):
        fail(f"{' '.join(argv)}: left {sorted(set(after) - set(before))}")
    print("ok: refused:", lines[0])


def case_errors(cli, t):
    with tempfile.TemporaryDirectory(prefix="build-tar-") as d:
        out = os.path.join(d, "out.erofs")
        mkfs = ["--mkfs", t["MKFS_EROFS_19"]]
        junk = os.path.join(d, "junk.tar")
        with open(junk, "wb") as f:
            f.write(b"this is no tar archive\n" * 100)
        expect_refused([cli, "build", "--tar", junk, "-o", out, *mkfs], d, out, junk, "not a tar archive")
        empty = os.path.join(d, "empty.tar")
        open(empty, "wb").close()
        expect_refused([cli, "build", "--tar", empty, "-o", out, *mkfs], d, out, empty, "not a tar archive")
        # A gzip stream cut in the middle: mkfs has read part of the tar already, is stopped, and
        # only the decompression error is reported.
        plain = os.path.join(d, "layer.tar")
        with tarfile.open(plain, "w") as tar:
            data = os.urandom(4 << 20)
            ti = tarfile.TarInfo("random")
            ti.size = len(data)
            tar.addfile(ti, io.BytesIO(data))
        cut = os.path.join(d, "cut.tar.gz")
        with open(cut, "wb") as f:
            f.write(gzip.compress(open(plain, "rb").read(), 1)[:2 << 20])
        expect_refused([cli, "build", "--tar", cut, "-o", out, *mkfs], d, out, cut, "gzip")
        expect_refused([cli, "build", "--tar", plain, "-o", out, "--mkfs", t["MKFS_EROFS_15"]], d, out, "--tar=")
        expect_refused([cli, "build", "--tar", plain, "-o", out, *mkfs, "--layer-digest", "sha256:0"], d, out,
                       "--layer-digest")
        before = sha256_file(plain)
        expect_refused([cli, "build", "--tar", plain, "-o", plain, *mkfs], d, None, plain)
        if sha256_file(plain) != before:
            fail("build --tar L -o L changed L")
        expect_refused([cli, "build", "--tar", plain, d, "-o", out, *mkfs], d, out, "exclude each other")
        expect_refused([cli, "build", "--tar", plain, "-o", out, *mkfs, "--uuid-from", "diff-id", "--layer-digest",
                        "sha256:" + before], d, out, "excludes")


CASES = {"convert": case_convert, "errors": case_errors}


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in CASES:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    CASES[sys.argv[2]](sys.argv[1], tools())


if __name__ == "__main__":
    main()
