#!/usr/bin/env python3
"""Acceptance tests of `erofs-share tag` / `erofs-share build` (CTest label "tag").

Each case builds its source tree and images at test time with the real mkfs.erofs 1.5 and
>= 1.9 (MKFS_EROFS_15/19, FSCK_EROFS_19 from the environment, else from
scripts/erofs-utils.sh), runs the CLI and checks the acceptance lines of issue #6:
fsck.erofs --xattr-inode-digest passes without warnings, `erofs-share lint` is clean, every
file's content and metadata equal the input's (inspect JSON of both), and every byte of the
input except the superblock fields is unchanged in the output (so every data block too).

usage: tag_test.py CLI CASE     (CASE: see CASES at the bottom; needs root)
"""
import hashlib
import json
import os
import random
import shutil
import stat
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SB = 1024          # superblock offset
SB_FIELDS = 144    # bytes of superblock fields the writer may change


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def tools():
    need = ["MKFS_EROFS_15", "MKFS_EROFS_19", "FSCK_EROFS_19"]
    env = {k: os.environ[k] for k in need if os.environ.get(k)}
    if len(env) < len(need):
        out = subprocess.run(["bash", os.path.join(REPO, "scripts", "erofs-utils.sh")], capture_output=True,
                             text=True, check=True).stdout
        for line in out.splitlines():
            if line.startswith("export ") and "=" in line:
                k, v = line[7:].split("=", 1)
                env.setdefault(k, v)
    for k in need:
        if k not in env:
            fail(f"{k} is not set and scripts/erofs-utils.sh did not provide it")
    return env


def run(argv, ok=True, env=None):
    p = subprocess.run(argv, capture_output=True, text=True, env=env)
    if ok and p.returncode != 0:
        fail(f"{' '.join(argv)} exited {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}")
    return p


def make_tree(root, seed=1):
    """Every kind of inode the issue lists: sizes around block boundaries, holes, duplicates
    (dedupe), hard links, symlinks, devices, a FIFO, a multi-block directory, security.*,
    user.* and trusted.* xattrs, POSIX ACLs."""
    rnd = random.Random(seed)
    os.makedirs(os.path.join(root, "dir", "many"))
    os.makedirs(os.path.join(root, "empty-dir"))
    text = b"".join(b"line %d of some compressible text\n" % i for i in range(4000))
    sizes = [0, 1, 12, 100, 511, 512, 513, 1000, 3000, 4095, 4096, 4097, 8191, 10000, 70000, 300000]
    for i, n in enumerate(sizes):
        with open(os.path.join(root, f"rand-{n}"), "wb") as f:
            f.write(rnd.randbytes(n))
        with open(os.path.join(root, "dir", f"text-{n}"), "wb") as f:
            f.write(text[i:i + n])
    for n in (100, 5000, 70000):  # identical content under different names (dedupe, sharing)
        data = rnd.randbytes(n)
        for k in range(2):
            with open(os.path.join(root, "dir", f"dup-{n}-{k}"), "wb") as f:
                f.write(data)
    with open(os.path.join(root, "sparse"), "wb") as f:
        f.seek(1 << 20)
        f.write(b"end of a sparse file\n")
    for i in range(150):
        with open(os.path.join(root, "dir", "many", f"entry-with-a-long-name-{i:04d}"), "wb") as f:
            f.write(b"%d\n" % i)
    os.link(os.path.join(root, "rand-1000"), os.path.join(root, "dir", "hardlink-1000"))
    os.symlink("rand-12", os.path.join(root, "symlink-short"))
    os.symlink("x" * 600, os.path.join(root, "symlink-long"))
    os.mknod(os.path.join(root, "chardev"), stat.S_IFCHR | 0o644, os.makedev(1, 3))
    os.mknod(os.path.join(root, "blockdev"), stat.S_IFBLK | 0o600, os.makedev(8, 1))
    os.mkfifo(os.path.join(root, "fifo"))
    os.chown(os.path.join(root, "rand-100"), 1234, 5678)
    os.chmod(os.path.join(root, "rand-513"), 0o4755)
    os.setxattr(os.path.join(root, "rand-4097"), "security.selinux", b"system_u:object_r:bin_t:s0\0")
    os.setxattr(os.path.join(root, "rand-3000"), "security.capability",
                bytes.fromhex("0100000200200000000000000000000000000000"))
    os.setxattr(os.path.join(root, "rand-3000"), "user.comment", b"kept as is")
    os.setxattr(os.path.join(root, "dir"), "trusted.overlay.opaque", b"y")
    for n in (12, 511, 4096, 70000):  # the same label on many files: shared xattrs (-x)
        os.setxattr(os.path.join(root, "dir", f"text-{n}"), "security.selinux", b"system_u:object_r:etc_t:s0\0")
    run(["setfacl", "-m", "u:1000:rw,g:100:r", os.path.join(root, "rand-10000")])
    run(["setfacl", "-d", "-m", "u:1000:rx", os.path.join(root, "dir", "many")])
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            os.utime(os.path.join(dirpath, n), (1700000000, 1700000000), follow_symlinks=False)


def check_schema(report):
    """The --format json summary validates against share/schema/tag.schema.json."""
    try:
        import jsonschema
    except ImportError:
        return
    schema = json.load(open(os.path.join(REPO, "share", "schema", "tag.schema.json")))
    jsonschema.validate(report, schema)


def inspect(cli, image):
    return json.loads(run([cli, "inspect", "--format", "json", "--digest", image]).stdout)


def compare_inspect(cli, inp, out, fp_name, dirs_converted=False):
    a, b = inspect(cli, inp), inspect(cli, out)
    for k in ("block_size", "epoch", "uuid", "volume_name", "inos", "compression", "devices", "xattr_blkaddr",
              "build_time"):
        if a["superblock"].get(k) != b["superblock"].get(k):
            fail(f"superblock {k}: {a['superblock'].get(k)} != {b['superblock'].get(k)}")
    if b["superblock"]["fingerprint_xattr"] != fp_name:
        fail(f"fingerprint xattr {b['superblock']['fingerprint_xattr']!r}, want {fp_name!r}")
    fa = {f["path"]: f for f in a["files"]}
    fb = {f["path"]: f for f in b["files"]}
    if sorted(fa) != sorted(fb):
        fail(f"paths differ: {sorted(set(fa) ^ set(fb))[:10]}")
    ignore = {"nid", "fingerprint", "fingerprint_state", "fingerprint_hidden_by_filter", "xattrs"}
    for path, x in fa.items():
        y = fb[path]
        # Compressed directories are rewritten uncompressed (their nids change; the writer
        # never compresses): only their layout may differ.
        skip = {"layout", "compression"} if dirs_converted and x["type"] == "dir" else set()
        for k in set(x) | set(y):
            if k not in ignore | skip and x.get(k) != y.get(k):
                fail(f"{path}: {k} {x.get(k)!r} != {y.get(k)!r}")
        xa = [e for e in x.get("xattrs", []) if e["name"] != fp_name]
        xb = [e for e in y.get("xattrs", []) if e["name"] != fp_name]
        if sorted(map(json.dumps, xa)) != sorted(map(json.dumps, xb)):
            fail(f"{path}: xattrs differ\n{xa}\n{xb}")
        if y["type"] == "file" and y["size"] > 0:
            if y.get("fingerprint_state") != "valid" or y.get("fingerprint") != y.get("digest") or \
               y.get("fingerprint_hidden_by_filter"):
                fail(f"{path}: fingerprint {y.get('fingerprint_state')} {y.get('fingerprint')} digest {y.get('digest')}")
        elif y.get("fingerprint_state", "none") != "none" and x.get("fingerprint_state", "none") == "none":
            fail(f"{path}: {y['type']} of size {y['size']} got a fingerprint")
    return len(fa)


def compare_bytes(inp, out, allowed=()):
    """Every byte of the input but the superblock fields (and the `allowed` [start, end) ranges)
    is unchanged (data blocks included)."""
    a = bytearray(open(inp, "rb").read())
    b = bytearray(open(out, "rb").read())
    if len(b) < len(a):
        fail(f"output ({len(b)} bytes) is shorter than the input ({len(a)})")
    for lo, hi in allowed:
        b[lo:hi] = a[lo:hi]
    if a[:SB] != b[:SB] or a[SB + SB_FIELDS:] != b[SB + SB_FIELDS:len(a)]:
        first = next(i for i in range(len(a)) if a[i] != b[i] and not SB <= i < SB + SB_FIELDS)
        fail(f"input byte {first:#x} changed in the output")


def check_tagged(cli, t, image, fp_name="erofs.fingerprint.v1"):
    p = run([t["FSCK_EROFS_19"], "--xattr-inode-digest", image], ok=False)
    # fsck also checks the packed inode (fragments), which is no regular file of the tree and
    # never carries a digest (format reference §8.10): only that warning is allowed.
    packed = inspect(cli, image)["superblock"]["packed_nid"]
    text = "\n".join(l for l in (p.stdout + p.stderr).splitlines()
                     if not l.endswith(f"no digest xattr for nid {packed}, skipped"))
    if p.returncode != 0 or "no digest" in text or "MISMATCH" in text or "<W>" in text or "<E>" in text:
        fail(f"fsck.erofs --xattr-inode-digest {image}: {p.returncode}\n{p.stdout}{p.stderr}")
    p = run([cli, "lint", image], ok=False)
    if p.returncode != 0:
        fail(f"lint {image}: {p.returncode}\n{p.stdout}{p.stderr}")


def retrofit_case(cli, t, mkfs_key, flags, fp_name=None):
    with tempfile.TemporaryDirectory(prefix="tag-") as d:
        src = os.path.join(d, "src")
        make_tree(src)
        inp, out = os.path.join(d, "in.erofs"), os.path.join(d, "out.erofs")
        p = run([t[mkfs_key], "-T1700000000", *flags, inp, src], ok=False)
        if p.returncode != 0:
            fail(f"mkfs {flags}: {p.stderr}")
        before = open(inp, "rb").read()
        argv = [cli, "tag", inp, "-o", out, "--format", "json", "-q"]
        if fp_name:
            argv += ["--xattr-name", fp_name]
        rep = json.loads(run(argv).stdout)
        check_schema(rep)
        if open(inp, "rb").read() != before:
            fail("the input image was modified")
        name = fp_name or ("erofs.fingerprint.v1")
        check_tagged(cli, t, out, name)
        n = compare_inspect(cli, inp, out, name, "--zD" in flags)
        compare_bytes(inp, out)
        if ("--zD" in flags) != (rep["dirs_converted"] > 0):
            fail(f"dirs_converted {rep['dirs_converted']}")
        if rep["files_replaced"] or rep["files_skipped"]:
            fail(f"unexpected report {rep}")
        print(f"ok: {mkfs_key} {' '.join(flags)}: {n} paths, {rep['files_tagged']} tagged, {rep['files_kept']} kept, "
              f"{rep['input_bytes']} -> {rep['output_bytes']} bytes")
        # Retrofitting the output again changes nothing but keeps every fingerprint.
        again = os.path.join(d, "again.erofs")
        rep2 = json.loads(run([cli, "tag", out, "-o", again, "--format", "json", "-q"] +
                              (["--xattr-name", fp_name] if fp_name else [])).stdout)
        if rep2["files_tagged"] or rep2["files_replaced"] or rep2["files_kept"] != rep["files_tagged"] + rep["files_kept"]:
            fail(f"second retrofit: {rep2}")
        check_tagged(cli, t, again, name)
        # ... and is idempotent (issue #13): the second -o output is a byte copy, and a second
        # --in-place writes nothing.
        check_idempotent(cli, out, fp_name)
        if "--xattr-inode-digest" in flags:
            check_idempotent(cli, inp, fp_name)


def sha256_of(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def check_idempotent(cli, tagged, fp_name=None):
    """tag of an image whose fingerprints are all right changes no byte: -o writes a byte copy
    (and says "already tagged"), --in-place writes nothing (same inode, same mtime)."""
    extra = ["--xattr-name", fp_name] if fp_name else []
    want = sha256_of(tagged)
    copy = tagged + ".copy"
    p = run([cli, "tag", tagged, "-o", copy, "-q"] + extra)
    if sha256_of(copy) != want or "already tagged" not in p.stdout:
        fail(f"tag -o of an already tagged image changed bytes or did not say so:\n{p.stdout}")
    rep = json.loads(run([cli, "tag", tagged, "-o", copy, "-q", "--format", "json"] + extra).stdout)
    check_schema(rep)
    if not rep["already_tagged"] or rep["bytes_written"] != 0 or rep["output_bytes"] != rep["input_bytes"]:
        fail(f"json report of an already tagged image: {rep}")
    place = tagged + ".inplace"
    shutil.copy2(tagged, place)
    before = os.stat(place)
    p = run([cli, "tag", "--in-place", place, "-q"] + extra)
    after = os.stat(place)
    if sha256_of(place) != want or (before.st_ino, before.st_mtime_ns) != (after.st_ino, after.st_mtime_ns):
        fail("tag --in-place of an already tagged image rewrote it")
    if "nothing written" not in p.stdout:
        fail(f"tag --in-place of an already tagged image does not say so:\n{p.stdout}")
    os.unlink(copy)
    os.unlink(place)


def case_tar_index(cli, t):
    """Tar-index images (mkfs.erofs --tar=i [--aufs]; data on the tar, extra device 1): tag with
    the tar as --device writes a metadata image carrying the fingerprints mkfs
    --xattr-inode-digest gives the same tar in full mode (--tar=f); fsck.erofs verifies them
    with the tar as device; the output still takes the tar appended (containerd's
    [index][tar]), whose data inspect reads back; tagging the output again changes no byte;
    without the tar every file is skipped and named."""
    sys.dont_write_bytecode = True  # no __pycache__ in the source tree
    sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))
    from tarindex_test import make_tar
    for aufs in (False, True):
        with tempfile.TemporaryDirectory(prefix="tag-") as d:
            tar = os.path.join(d, "layer.tar")
            files = make_tar(tar, aufs)
            idx, full = os.path.join(d, "idx.erofs"), os.path.join(d, "full.erofs")
            mode = ["--aufs"] if aufs else []
            run([t["MKFS_EROFS_19"], "--quiet", "--tar=i", *mode, "-T0", idx, tar])
            run([t["MKFS_EROFS_19"], "--quiet", "--tar=f", *mode, "-T0", "--xattr-inode-digest", full, tar])
            out = os.path.join(d, "out.erofs")
            rep = json.loads(run([cli, "tag", "-q", "--format", "json", "--device", tar, idx, "-o", out]).stdout)
            regular = len({p for p, data in files.items() if data and p != "/etc/hardlink"})
            if rep["files_tagged"] != regular or rep["files_skipped"]:
                fail(f"tag of a tar index with its tar: {rep}")
            if os.path.getsize(out) > os.path.getsize(idx) + 64 * 1024:
                fail(f"the tagged index grew from {os.path.getsize(idx)} to {os.path.getsize(out)} bytes")
            p = run([t["FSCK_EROFS_19"], f"--device={tar}", "--xattr-inode-digest", out], ok=False)
            if p.returncode != 0 or "MISMATCH" in p.stdout + p.stderr or "no digest" in p.stdout + p.stderr:
                fail(f"fsck.erofs --xattr-inode-digest of the tagged index: {p.returncode}\n{p.stdout}{p.stderr}")
            want = {f["path"]: f.get("fingerprint") for f in inspect(cli, full)["files"] if f["type"] == "file"}
            got = {f["path"]: f.get("fingerprint")
                   for f in json.loads(run([cli, "inspect", "--format", "json", "--device", tar, out]).stdout)["files"]
                   if f["type"] == "file"}
            if got != want or not any(want.values()):
                diff = {k: (got.get(k), want.get(k)) for k in set(got) | set(want) if got.get(k) != want.get(k)}
                fail(f"fingerprints differ from mkfs --xattr-inode-digest: {diff}")
            blob = os.path.join(d, "blob.erofs")
            with open(blob, "wb") as b:
                b.write(open(out, "rb").read() + open(tar, "rb").read())
            rows = {f["path"]: f for f in inspect(cli, blob)["files"]}
            for path, data in files.items():
                if data and rows[path].get("digest") != hashlib.sha256(data).hexdigest():
                    fail(f"[tagged index][tar]: {path} reads {rows[path].get('digest_error', 'other content')}")
            run([cli, "lint", blob])
            again = os.path.join(d, "again.erofs")
            run([cli, "tag", "-q", "--device", tar, out, "-o", again])
            if sha256_of(again) != sha256_of(out):
                fail("a second tag of the tagged index changed bytes")
            rep = json.loads(run([cli, "tag", "-q", "--format", "json", idx, "-o", again]).stdout)
            if rep["files_skipped"] != regular or rep["files_tagged"]:
                fail(f"tag of a tar index without its tar: {rep}")
            side = os.path.join(d, "side.erofs")
            p = run([cli, "tag", "-q", "--device", tar, idx, "--sidecar", side], ok=False)
            if p.returncode != 2 or "-o OUT" not in p.stderr or os.path.exists(side):
                fail(f"--sidecar of a tar index: exit {p.returncode}: {p.stderr}")
            print(f"ok: --tar=i{' --aufs' if aufs else ''}: {regular} files fingerprinted as mkfs does")


def measured_run(argv):
    """Runs argv and returns (stdout, stderr, returncode, seconds, peak RSS bytes) of that one
    child, from wait4."""
    import time
    out_f, err_f = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
    start = time.monotonic()
    p = subprocess.Popen(argv, stdout=out_f, stderr=err_f, text=True)
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    secs = time.monotonic() - start
    out_f.seek(0)
    err_f.seek(0)
    return out_f.read(), err_f.read(), p.returncode, secs, ru.ru_maxrss * 1024


def check_bounded(argv, image, what):
    out, err, rc, secs, rss = measured_run(argv)
    limit = max(256 << 20, 20 * os.path.getsize(image))
    if secs >= 10 or rss > limit:
        fail(f"{what}: {secs:.1f} s, peak RSS {rss >> 20} MiB (limits: 10 s, {limit >> 20} MiB)")
    return out, err, rc


def case_hostile_limits(cli, t):
    """Hostile but valid images from the issue, each tagged in < 10 s with peak RSS <=
    max(256 MiB, 20x the image): an inode with i_xattr_icount 65535 (fsck accepts it) is tagged,
    that file skipped with the reason and its input nid; a device table claiming a far unified
    range is tagged; one whose range leaves no room is refused with one line naming the device
    and its slot in the input; 2,000 inodes referencing 255 shared xattrs through 10,000 hard
    links are tagged in linear work; a character device with a size and a layout is kept."""
    sys.dont_write_bytecode = True
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import forge
    fsck = t["FSCK_EROFS_19"]
    with tempfile.TemporaryDirectory(prefix="tag-") as d:
        img, out = os.path.join(d, "icount.erofs"), os.path.join(d, "icount-out.erofs")
        forge.icount_image(img)
        run([fsck, img])
        o, e, rc = check_bounded([cli, "tag", "--format", "json", "-q", img, "-o", out], img, "icount 65535")
        if rc != 0:
            fail(f"tag of a valid icount-65535 image: exit {rc}: {e}")
        rep = json.loads(o)
        if rep["files_skipped"] != 1 or rep["notes"][0]["nid"] != 4 or "no room" not in rep["notes"][0]["detail"]:
            fail(f"icount 65535: {rep}")
        run([fsck, out])
        again = os.path.join(d, "icount-again.erofs")
        run([cli, "tag", "-q", out, "-o", again])
        if sha256_of(again) != sha256_of(out):
            fail("a second tag of the icount-65535 output changed bytes")

        img, out = os.path.join(d, "far.erofs"), os.path.join(d, "far-out.erofs")
        forge.far_unified_image(img)
        run([fsck, img])
        o, e, rc = check_bounded([cli, "tag", "--format", "json", "-q", img, "-o", out], img, "far unified range")
        if rc != 0 or json.loads(o)["files_tagged"] != 1:
            fail(f"tag of an image with a far unified range: exit {rc}: {o}{e}")
        run([fsck, "--xattr-inode-digest", out])
        if os.path.getsize(out) > 64 * 1024:
            fail(f"far unified range: output of {os.path.getsize(out)} bytes")

        img, out = os.path.join(d, "near.erofs"), os.path.join(d, "near-out.erofs")
        forge.far_unified_image(img, uniaddr=2, dev_blocks=0xFFFFFFF0)
        run([fsck, img])
        o, e, rc = check_bounded([cli, "tag", "-q", img, "-o", out], img, "unified range leaving no room")
        lines = e.strip().splitlines()
        if rc != 2 or len(lines) != 1 or "extra device 1" not in lines[0] or "byte 0x480 of the input" not in lines[0]:
            fail(f"unified range leaving no room: exit {rc}, stderr {e!r}")
        if os.path.exists(out):
            fail("output written for a refused image")

        img, out = os.path.join(d, "shared.erofs"), os.path.join(d, "shared-out.erofs")
        forge.shared_xattr_links_image(img)
        o, e, rc = check_bounded([cli, "tag", "--format", "json", "-q", img, "-o", out], img,
                                 "2,000 inodes x 255 shared xattrs x 5 hard links")
        if rc != 0 or json.loads(o)["files_tagged"] != 2000:
            fail(f"shared xattr amplification: exit {rc}: {e}")
        o, e, rc = check_bounded([cli, "tag", "-q", out, "-o", os.path.join(d, "shared-again.erofs")], out,
                                 "second tag of the amplification image")
        if rc != 0 or "already tagged" not in o:
            fail(f"second tag of the amplification image: exit {rc}: {o}{e}")
        # A special file with a size and an inline layout: valid (the kernel never maps it).
        img, out = os.path.join(d, "special.erofs"), os.path.join(d, "special-out.erofs")
        forge.special_layout_image(img)
        run([fsck, img])
        o, e, rc = check_bounded([cli, "tag", "-q", img, "-o", out], img, "special file with a size")
        if rc != 0:
            fail(f"tag of a special file with a size: exit {rc}: {e}")
        run([fsck, "--xattr-inode-digest", out])
        c = next(f for f in inspect(cli, out)["files"] if f["path"] == "/c")
        if c["type"] != "chardev" or c.get("rdev") != {"major": 1, "minor": 3} or c["size"] != 100:
            fail(f"special file changed: {c}")
        print("ok: hostile tag cases bounded")


def case_idempotent(cli, t):
    """Issue #13: tag of a mkfs 1.9 --xattr-inode-digest image (plain and compressed) and a
    second tag of a retrofitted mkfs 1.5 image (plain and compressed) change no byte, for -o
    and --in-place."""
    with tempfile.TemporaryDirectory(prefix="tag-") as d:
        src = os.path.join(d, "src")
        make_tree(src)
        for key, flags in (("MKFS_EROFS_19", ["--xattr-inode-digest"]),
                           ("MKFS_EROFS_19", ["--xattr-inode-digest", "-zlz4hc"]),
                           ("MKFS_EROFS_15", []), ("MKFS_EROFS_15", ["-zlz4hc"])):
            img = os.path.join(d, "img.erofs")
            run([t[key], "-T1700000000", *flags, img, src])
            if key == "MKFS_EROFS_15":
                tagged = os.path.join(d, "tagged.erofs")
                run([cli, "tag", img, "-o", tagged, "-q"])
                size = os.path.getsize(tagged)
                check_idempotent(cli, tagged)
                if os.path.getsize(tagged) != size:
                    fail("the tagged image grew")
            else:
                check_idempotent(cli, img)
            print(f"ok: {key} {' '.join(flags)}: tagging again changes no byte")


def crc32c(data, crc=0xFFFFFFFF):
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc


def fix_checksum(path):
    """Recomputes the superblock CRC32C (format §1.4) after a test patched the image."""
    with open(path, "r+b") as f:
        f.seek(SB)
        sb = bytearray(f.read(128))
        bs = 1 << sb[0x0C]
        n = bs - SB if bs > SB else bs
        f.seek(SB)
        area = bytearray(f.read(n))
        if not int.from_bytes(area[8:12], "little") & 1:
            return
        area[4:8] = b"\0\0\0\0"
        f.seek(SB + 4)
        f.write(crc32c(bytes(area)).to_bytes(4, "little"))


def case_wrong_fingerprint(cli, t):
    with tempfile.TemporaryDirectory(prefix="tag-") as d:
        src = os.path.join(d, "src")
        make_tree(src)
        inp, out = os.path.join(d, "in.erofs"), os.path.join(d, "out.erofs")
        run([t["MKFS_EROFS_19"], "-T1700000000", "--xattr-inode-digest", inp, src])
        digest = hashlib.sha256(open(os.path.join(src, "rand-5000" if False else "rand-4097"), "rb").read()).digest()
        img = bytearray(open(inp, "rb").read())
        at = img.find(b"sha256:" + digest)
        if at < 0:
            fail("fingerprint of /rand-4097 not found in the mkfs image")
        img[at + 38] ^= 0xFF
        open(inp, "wb").write(img)
        fix_checksum(inp)
        rep = json.loads(run([cli, "tag", inp, "-o", out, "--format", "json", "-q"]).stdout)
        check_schema(rep)
        if rep["files_replaced"] != 1 or rep["files_tagged"] != 0 or not rep["notes"] or \
           rep["notes"][0]["path"] != "/rand-4097" or rep["notes"][0]["action"] != "replaced":
            fail(f"report: {json.dumps(rep)}")
        check_tagged(cli, t, out)
        compare_inspect(cli, inp, out, "erofs.fingerprint.v1")
        compare_bytes(inp, out)
        text = run([cli, "tag", inp, "-o", out + "2"]).stdout
        if "replaced /rand-4097" not in text:
            fail(f"text report does not name the replaced file:\n{text}")
        print(f"ok: 1 replaced, {rep['files_kept']} kept")


def case_corrupt(cli, t):
    with tempfile.TemporaryDirectory(prefix="tag-") as d:
        src = os.path.join(d, "src")
        make_tree(src)
        inp, out = os.path.join(d, "in.erofs"), os.path.join(d, "out.erofs")
        run([t["MKFS_EROFS_15"], "-T1700000000", inp, src])
        j = inspect(cli, inp)
        nid = next(f["nid"] for f in j["files"] if f["path"] == "/rand-4097")
        pos = j["superblock"]["meta_blkaddr"] * j["superblock"]["block_size"] + nid * 32
        with open(inp, "r+b") as f:
            f.seek(pos + 4)
            f.write(b"\0\0")  # i_mode 0: bogus
        fix_checksum(inp)
        before = open(inp, "rb").read()
        for argv in ([cli, "tag", inp, "-o", out], [cli, "tag", "--in-place", inp]):
            p = run(argv, ok=False)
            lines = p.stderr.strip().splitlines()
            if p.returncode != 2 or len(lines) != 1 or f"@ nid {nid}" not in lines[0]:
                fail(f"{argv}: exit {p.returncode}, stderr {p.stderr!r}")
            if os.path.exists(out) or open(inp, "rb").read() != before:
                fail(f"{argv}: output written or input changed")
            left = [n for n in os.listdir(d) if n.startswith(".")]
            if left:
                fail(f"temporary files left: {left}")
        p = run([cli, "tag", os.path.join(d, "missing.erofs"), "-o", out], ok=False)
        if p.returncode != 2 or os.path.exists(out):
            fail(f"missing input: exit {p.returncode}")
        print("ok: corrupt input refused before writing:", lines[0])


def case_in_place_faults(cli, t):
    with tempfile.TemporaryDirectory(prefix="tag-") as d:
        src = os.path.join(d, "src")
        make_tree(src)
        orig = os.path.join(d, "orig.erofs")
        run([t["MKFS_EROFS_15"], "-T1700000000", "-zlz4hc", orig, src])
        old = open(orig, "rb").read()
        chunk = max(512, len(old) // 150)
        ref = os.path.join(d, "ref.erofs")
        shutil.copy(orig, ref)
        env = dict(os.environ, EROFS_SHARE_TAG_FAULT=f"-1,{chunk}")
        p = run([cli, "tag", "--in-place", "-q", ref], env=env)
        steps = int(p.stderr.strip().split()[-1])
        new = open(ref, "rb").read()
        check_tagged(cli, t, ref)
        if steps < 100:
            fail(f"only {steps} kill points")
        seen = {"old": 0, "new": 0}
        work = os.path.join(d, "work", "img.erofs")
        for k in range(steps):
            shutil.rmtree(os.path.dirname(work), ignore_errors=True)
            os.makedirs(os.path.dirname(work))
            shutil.copy(orig, work)
            env = dict(os.environ, EROFS_SHARE_TAG_FAULT=f"{k},{chunk}")
            p = run([cli, "tag", "--in-place", "-q", work], ok=False, env=env)
            if p.returncode != 99:
                fail(f"kill point {k}: exit {p.returncode} {p.stderr}")
            # The temporary file is unnamed (O_TMPFILE) until just before the rename: only
            # the kill point between naming it and the rename may leave it behind.
            if [f for f in os.listdir(os.path.dirname(work)) if f.startswith(".")]:
                seen["left_temp"] = seen.get("left_temp", 0) + 1
            now = open(work, "rb").read()
            if now == old:
                seen["old"] += 1
            elif now == new:
                seen["new"] += 1
            else:
                fail(f"kill point {k}: the image is neither the old nor the new one")
        if not seen["old"] or not seen["new"]:
            fail(f"kill points never saw both states: {seen}")
        if seen.get("left_temp", 0) > 1:
            fail(f"{seen['left_temp']} kill points left a temporary file (expected at most 1)")
        # After a crash the next run works.
        p = run([cli, "tag", "--in-place", "-q", work])
        check_tagged(cli, t, work)
        # --in-place through a symlink replaces the file it points to, not the link.
        real, link = os.path.join(d, "real.erofs"), os.path.join(d, "link.erofs")
        shutil.copy(orig, real)
        os.symlink("real.erofs", link)
        run([cli, "tag", "--in-place", "-q", link])
        if not os.path.islink(link) or open(real, "rb").read() != new:
            fail("--in-place through a symlink did not update its target")
        print(f"ok: {steps} kill points: {seen['old']} left the old image, {seen['new']} the new one")


def case_tree_build(cli, t):
    with tempfile.TemporaryDirectory(prefix="tag-") as d:
        src = os.path.join(d, "src")
        make_tree(src)
        rep = json.loads(run([cli, "tag", "--tree", src, "--format", "json"]).stdout)
        check_schema(rep)
        if rep["files_tagged"] == 0:
            fail(f"tree: {rep}")
        v = os.getxattr(os.path.join(src, "rand-4097"), "trusted.erofs.fingerprint")
        if v != b"sha256:" + hashlib.sha256(open(os.path.join(src, "rand-4097"), "rb").read()).digest():
            fail("tree: wrong value on rand-4097")
        rep2 = json.loads(run([cli, "tag", "--tree", src, "--format", "json"]).stdout)
        if rep2["files_tagged"] or rep2["files_replaced"] or rep2["files_kept"] != rep["files_tagged"]:
            fail(f"tree again: {rep2}")
        for key, extra in (("MKFS_EROFS_15", []), ("MKFS_EROFS_19", []), ("MKFS_EROFS_15", ["-zlz4hc"]),
                           ("MKFS_EROFS_19", ["-zlz4hc", "-Eztailpacking"])):
            img = os.path.join(d, f"{key}-{len(extra)}.erofs")
            b = json.loads(run([cli, "build", src, "-o", img, "--mkfs", t[key], "--format", "json", "--",
                                "-T1700000000", *extra]).stdout)
            want = "mkfs" if key == "MKFS_EROFS_19" else "mkfs+retrofit"
            if b["method"] != want:
                fail(f"build with {key}: method {b['method']}")
            check_tagged(cli, t, img)
            print(f"ok: build {key} {' '.join(extra)}: {b['method']}")
        # The tree's own xattr as the fingerprint name: the mkfs-1.5 image carries it as an
        # ordinary trusted.* xattr, and retrofit verifies and keeps it.
        img15 = os.path.join(d, "plain15.erofs")
        run([t["MKFS_EROFS_15"], "-T1700000000", img15, src])
        out = os.path.join(d, "trusted.erofs")
        r = json.loads(run([cli, "tag", img15, "-o", out, "--xattr-name", "trusted.erofs.fingerprint",
                            "--format", "json", "-q"]).stdout)
        if r["files_tagged"] or r["files_replaced"] or r["files_kept"] == 0:
            fail(f"retrofit of a tree-tagged image: {r}")
        check_tagged(cli, t, out, "trusted.erofs.fingerprint")
        p = run([cli, "tag", "--tree", src, "--xattr-name", "erofs.fingerprint.v1"], ok=False)
        if p.returncode != 2:
            fail("tree with a namespace-less name was accepted")
        print("ok: tree-tagged image retrofitted with its own name:", r["files_kept"], "kept")


def case_blobdev(cli, t):
    """Chunked data on an extra device (--blobdev): without --device the files are skipped and
    reported; with it they are tagged, and the device's unified range moves behind the new blocks."""
    with tempfile.TemporaryDirectory(prefix="tag-") as d:
        src = os.path.join(d, "src")
        make_tree(src)
        inp, out, blob = (os.path.join(d, n) for n in ("in.erofs", "out.erofs", "blob"))
        run([t["MKFS_EROFS_19"], "-T1700000000", f"--blobdev={blob}", "--chunksize=4096", inp, src])
        rep = json.loads(run([cli, "tag", inp, "-o", out, "--format", "json", "-q"]).stdout)
        check_schema(rep)
        if rep["files_tagged"] or not rep["files_skipped"] or any(n["action"] != "skipped" for n in rep["notes"]):
            fail(f"without --device: {rep}")
        rep = json.loads(run([cli, "tag", inp, "-o", out, "--device", blob, "--format", "json", "-q"]).stdout)
        if not rep["files_tagged"] or rep["files_skipped"]:
            fail(f"with --device: {rep}")
        p = run([t["FSCK_EROFS_19"], f"--device={blob}", "--xattr-inode-digest", out], ok=False)
        if p.returncode != 0 or "<W>" in p.stdout + p.stderr:
            fail(f"fsck: {p.stdout}{p.stderr}")
        run([cli, "lint", "--device", blob, out])
        # The device's unified range began at the end of the image: it moves behind the new
        # metadata (uniaddr = the output's block count), and only that field of its slot changes.
        raw = open(out, "rb").read()
        slot = int.from_bytes(raw[SB + 0x58:SB + 0x5A], "little") * 128
        uniaddr = int.from_bytes(raw[slot + 0x44:slot + 0x48], "little")
        if uniaddr != int.from_bytes(raw[SB + 0x24:SB + 0x28], "little"):
            fail(f"unified address {uniaddr} is not the output's block count")
        compare_bytes(inp, out, [(slot + 0x44, slot + 0x48)])
        print(f"ok: extra device: {rep['files_tagged']} tagged")


def case_mutations(cli, t):
    """Hostile input: randomly corrupted images either retrofit (exit 0) or are refused with one
    error line (exit 2); never a crash, never a partial output or temporary file."""
    rnd = random.Random(6)
    with tempfile.TemporaryDirectory(prefix="tag-") as d:
        src = os.path.join(d, "src")
        make_tree(src)
        bases = []
        for key, flags in (("MKFS_EROFS_15", ["-zlz4hc", "-Eztailpacking"]), ("MKFS_EROFS_19", ["-b512"]),
                           ("MKFS_EROFS_19", ["-zlzma", "-Efragments,dedupe", "--chunksize=8192"])):
            img = os.path.join(d, f"base{len(bases)}.erofs")
            run([t[key], "-T1700000000", *flags, img, src])
            j = inspect(cli, img)["superblock"]
            bases.append((open(img, "rb").read(), j["meta_blkaddr"] * j["block_size"]))
        counts = {0: 0, 2: 0}
        for i in range(240):
            data, meta = bases[i % len(bases)]
            img = bytearray(data)
            for _ in range(rnd.randint(1, 4)):
                lo = meta if rnd.random() < 0.7 else SB
                img[rnd.randrange(lo, len(img))] = rnd.randrange(256)
            work = os.path.join(d, "work")
            shutil.rmtree(work, ignore_errors=True)
            os.makedirs(work)
            inp, out = os.path.join(work, "in.erofs"), os.path.join(work, "out.erofs")
            open(inp, "wb").write(img)
            fix_checksum(inp)
            p = run([cli, "tag", inp, "-o", out, "-q"], ok=False)
            if p.returncode not in counts:
                fail(f"mutation {i}: exit {p.returncode}\n{p.stderr}")
            counts[p.returncode] += 1
            names = sorted(os.listdir(work))
            if p.returncode == 2:
                if len(p.stderr.strip().splitlines()) != 1 or not p.stderr.startswith("erofs-share: "):
                    fail(f"mutation {i}: error output {p.stderr!r}")
                if names != ["in.erofs"]:
                    fail(f"mutation {i}: files left after a refusal: {names}")
            elif names != ["in.erofs", "out.erofs"]:
                fail(f"mutation {i}: files {names}")
        print(f"ok: 240 mutated images: {counts[0]} retrofitted, {counts[2]} refused")


def case_sidecar(cli, t):
    """--sidecar: a metadata-only image whose files' data stays in IMAGE (extra device 1): fsck
    with --device passes, lint is clean, content and metadata equal the input's, IMAGE is not
    modified. Compressed images are refused before anything is written."""
    with tempfile.TemporaryDirectory(prefix="tag-") as d:
        src = os.path.join(d, "src")
        make_tree(src)
        for key, flags in (("MKFS_EROFS_15", []), ("MKFS_EROFS_19", ["-b512", "-x1"]),
                           ("MKFS_EROFS_19", ["--chunksize=16384"]), ("MKFS_EROFS_15", ["--chunksize=8192"])):
            inp, meta = os.path.join(d, "in.erofs"), os.path.join(d, "meta.erofs")
            run([t[key], "-T1700000000", *flags, inp, src])
            before = open(inp, "rb").read()
            rep = json.loads(run([cli, "tag", inp, "--sidecar", meta, "--format", "json", "-q"]).stdout)
            check_schema(rep)
            if open(inp, "rb").read() != before or rep["mode"] != "sidecar" or not rep["files_tagged"]:
                fail(f"sidecar {flags}: {rep}")
            p = run([t["FSCK_EROFS_19"], f"--device={inp}", "--xattr-inode-digest", meta], ok=False)
            if p.returncode != 0 or "<W>" in p.stdout + p.stderr:
                fail(f"fsck sidecar {flags}: {p.stdout}{p.stderr}")
            run([cli, "lint", "--device", inp, meta])
            a = inspect(cli, inp)
            b = json.loads(run([cli, "inspect", "--format", "json", "--digest", "--device", inp, meta]).stdout)
            keep = ("type", "mode", "uid", "gid", "size", "mtime", "nlink", "digest", "symlink_target", "rdev")
            fa = {f["path"]: ({k: f.get(k) for k in keep}, [x for x in f.get("xattrs", []) if x["name"] != "erofs.fingerprint.v1"]) for f in a["files"]}
            fb = {f["path"]: ({k: f.get(k) for k in keep}, [x for x in f.get("xattrs", []) if x["name"] != "erofs.fingerprint.v1"]) for f in b["files"]}
            if fa != fb:
                diff = [k for k in fa if fa.get(k) != fb.get(k)][:5]
                fail(f"sidecar {flags}: files differ: {diff}")
            print(f"ok: sidecar {key} {' '.join(flags)}: {os.path.getsize(meta)} bytes for a {len(before)}-byte image")
            os.unlink(meta)
        inp = os.path.join(d, "z.erofs")
        run([t["MKFS_EROFS_19"], "-T1700000000", "-zlz4hc", inp, src])
        p = run([cli, "tag", inp, "--sidecar", os.path.join(d, "zmeta.erofs")], ok=False)
        if p.returncode != 2 or "compressed" not in p.stderr or os.path.exists(os.path.join(d, "zmeta.erofs")):
            fail(f"compressed sidecar: exit {p.returncode} {p.stderr}")
        print("ok: compressed image refused:", p.stderr.strip())


def case_qemu_sharing(cli, t):
    """A retrofitted mkfs-1.5 image and an mkfs-1.9 --xattr-inode-digest image of the same tree
    share their page cache in one domain under a Linux >= 7.0 kernel in QEMU (the smoke harness,
    `erofs-share smoke --debian-kernel`). Exit 77 (skipped) when the harness cannot run here."""
    with tempfile.TemporaryDirectory(prefix="tag-") as d:
        src = os.path.join(d, "src")
        make_tree(src)
        v15, tagged, v19 = (os.path.join(d, n) for n in ("v15.erofs", "v15-tagged.erofs", "v19.erofs"))
        run([t["MKFS_EROFS_15"], "-T1700000000", v15, src])
        run([cli, "tag", v15, "-o", tagged, "-q"])
        run([t["MKFS_EROFS_19"], "-T1700000000", "--xattr-inode-digest", v19, src])
        p = run([cli, "smoke", "--debian-kernel", "--format", "json", "-q", tagged, v19], ok=False)
        if p.returncode == 2:
            print(f"skipped: the smoke harness cannot run here: {p.stderr.strip()[-300:]}")
            sys.exit(77)
        rep = json.loads(p.stdout)
        shares = [s for s in rep["scenarios"] if s["name"] == "same_domain_shares"]
        if p.returncode != 0 or rep["status"] != "pass" or not shares or shares[0]["verdict"] != "shared":
            fail(f"smoke: exit {p.returncode}, status {rep.get('status')}, scenarios {rep.get('scenarios')}")
        print(f"ok: {rep['kernel_release']} ({rep['accelerator']}): {shares[0]['evidence']}; "
              f"{rep['agreement']['agreed']}/{rep['agreement']['observed']} observations agree")


def case_qemu_sidecar(cli, t):
    """A sidecar mounts under a Linux >= 7.0 kernel in QEMU with the untouched mkfs-1.5 image as
    its extra device (`erofs-share smoke --device META=IMAGE`: -o device=/dev/vdX on every mount
    of META), the content of a file whose blocks META takes from the device (read() and mmap)
    hashes to its fingerprint, and every file shares the page cache with its twin in a
    retrofitted copy of the same image in one domain (100% agreement with scan's model). Exit
    77 (skipped) when the harness cannot run here."""
    with tempfile.TemporaryDirectory(prefix="tag-") as d:
        src = os.path.join(d, "src")
        make_tree(src)
        # The first regular file by path, so smoke's content check reads it: 17 full blocks that
        # META's chunk indexes take from the device, and an inline tail copied into META.
        with open(os.path.join(src, "0-device-data"), "wb") as f:
            f.write(random.Random(7).randbytes(70000))
        img, meta, tagged = (os.path.join(d, n) for n in ("v15.erofs", "meta.erofs", "v15-tagged.erofs"))
        run([t["MKFS_EROFS_15"], "-T1700000000", img, src])
        before = open(img, "rb").read()
        run([cli, "tag", img, "--sidecar", meta, "-q"])
        files = json.loads(run([cli, "tag", img, "-o", tagged, "--format", "json", "-q"]).stdout)["files_tagged"]
        # Every fingerprint group observed (about 3 per file, under 30 s with TCG).
        p = run([cli, "smoke", "--debian-kernel", "--format", "json", "-q", "--max-observations", "5000", "--device",
                 f"{meta}={img}", meta, tagged], ok=False)
        host = ("smoke cannot run (no_qemu)", "smoke cannot run (no_busybox)", "debian-kernel.sh failed")
        if p.returncode == 2 and any(h in p.stderr for h in host):
            print(f"skipped: the smoke harness cannot run here: {p.stderr.strip()[-300:]}")
            sys.exit(77)
        if p.returncode == 2:
            fail(f"smoke could not run the sidecar (exit 2): {p.stderr.strip()[-2000:]}\n{p.stdout[-4000:]}")
        rep = json.loads(p.stdout)
        where = f"exit {p.returncode}, status {rep.get('status')}, scenarios {rep.get('scenarios')}, " \
                f"kernel log {rep.get('kernel_log')}"
        if p.returncode != 0 or rep["status"] != "pass":
            fail(f"smoke: {where}")
        if open(img, "rb").read() != before:
            fail("the original image changed")
        sc = {s["name"]: s for s in rep["scenarios"]}
        m, tg = "meta.erofs@m0:", "v15-tagged.erofs@m1:"
        # Sharing between META's files (read first) and their twins in the retrofitted image.
        share = sc["same_domain_shares"]
        if share["verdict"] != "shared" or m not in share["evidence"] or tg not in share["evidence"]:
            fail(f"same_domain_shares: {share}")
        # Content: the twin's pages, all resident before it is read (so filled by reading META's
        # file), hash to the fingerprint through read() and mmap.
        content = sc["content_matches_fingerprint"]
        ev = content.get("probe", {})
        if content["verdict"] != "matches_fingerprint" or m + "/0-device-data" not in content["evidence"] or \
                ev.get("pages") != 18 or ev.get("resident") != 18:
            fail(f"content_matches_fingerprint: {content}")
        want = hashlib.sha256(open(os.path.join(src, "0-device-data"), "rb").read()).hexdigest()
        if f"read() sha256 {want}, mmap sha256 {want}" not in content["evidence"]:
            fail(f"content differs from the source file (sha256 {want}): {content['evidence']}")
        # META mounted three times (both domains, and without inode_share) with its device.
        for name in ("other_domain_does_not", "no_inode_share_does_not"):
            if sc[name]["verdict"] != "not_shared" or m not in sc[name]["evidence"]:
                fail(f"{name}: {sc[name]}")
        if sc["domain_id_required"]["verdict"] != "refused_einval":
            fail(f"domain_id_required: {sc['domain_id_required']}")
        # Every file of the retrofitted image is served from the page cache META's twin filled.
        obs = rep["observations"]
        cross = [o for o in obs if o["read"].startswith(m) and o["target"].startswith(tg)]
        shared = {o["target"] for o in cross if o["observed"] == "shared"}
        if len(shared) != files or any(not o["agrees"] for o in obs) or rep["agreement"]["percent"] != 100:
            fail(f"observations: {len(shared)} of {files} retrofitted files shared with META, "
                 f"agreement {rep['agreement']}")
        print(f"ok: {rep['kernel_release']} ({rep['accelerator']}): sidecar {os.path.getsize(meta)} bytes mounted "
              f"with its {len(before)}-byte device; {share['evidence']}; content: {content['evidence']}; "
              f"{len(shared)}/{files} retrofitted files shared with META's twins; "
              f"{rep['agreement']['agreed']}/{rep['agreement']['observed']} observations agree")


MATRIX = {
    "v15_plain": ("MKFS_EROFS_15", []),
    "v15_lz4hc": ("MKFS_EROFS_15", ["-zlz4hc"]),
    "v15_ztailpacking": ("MKFS_EROFS_15", ["-zlz4hc", "-Eztailpacking"]),
    "v15_fragments": ("MKFS_EROFS_15", ["-zlz4hc", "-Eztailpacking,fragments"]),
    "v15_dedupe": ("MKFS_EROFS_15", ["-zlz4hc", "-Ededupe"]),
    "v15_chunked": ("MKFS_EROFS_15", ["--chunksize=8192"]),
    "v15_shared_xattrs": ("MKFS_EROFS_15", ["-x1"]),
    "v19_plain": ("MKFS_EROFS_19", []),
    "v19_bs512": ("MKFS_EROFS_19", ["-b512"]),
    "v19_lz4hc": ("MKFS_EROFS_19", ["-zlz4hc"]),
    "v19_lzma": ("MKFS_EROFS_19", ["-zlzma"]),
    "v19_zstd": ("MKFS_EROFS_19", ["-zzstd"]),
    "v19_ztailpacking": ("MKFS_EROFS_19", ["-zlz4hc", "-Eztailpacking"]),
    "v19_fragments": ("MKFS_EROFS_19", ["-zlzma", "-Eztailpacking,fragments"]),
    "v19_dedupe": ("MKFS_EROFS_19", ["-zlz4hc", "-Ededupe"]),
    "v19_fragments_dedupe": ("MKFS_EROFS_19", ["-zzstd", "-Efragments,dedupe"]),
    "v19_chunked": ("MKFS_EROFS_19", ["--chunksize=8192"]),
    "v19_bs512_chunked": ("MKFS_EROFS_19", ["-b512", "--chunksize=4096"]),
    "v19_bs512_ztailpacking": ("MKFS_EROFS_19", ["-b512", "-zlz4hc", "-Eztailpacking"]),
    "v19_bs512_fragments": ("MKFS_EROFS_19", ["-b512", "-zzstd", "-Eztailpacking,fragments"]),
    "v19_compressed_dirs": ("MKFS_EROFS_19", ["-zlz4hc", "--zD"]),
    "v19_shared_xattrs": ("MKFS_EROFS_19", ["-x1", "-b512"]),
    "v19_digest": ("MKFS_EROFS_19", ["--xattr-inode-digest"]),
    "v19_48bit": ("MKFS_EROFS_19", ["-E48bit"]),
    "v19_48bit_encoded_extents": ("MKFS_EROFS_19", ["-E48bit", "-zlz4hc"]),
    "v19_48bit_fragments": ("MKFS_EROFS_19", ["-E48bit", "-b512", "-zlzma", "-Efragments"]),
    "v19_metabox": ("MKFS_EROFS_19", ["-m4096", "-zlz4hc"]),
    "v19_metabox_fragments": ("MKFS_EROFS_19", ["-m4096:lzma", "-zlz4hc", "-x1", "-Efragments"]),
}

CASES = {
    "wrong_fingerprint": case_wrong_fingerprint,
    "corrupt_input": case_corrupt,
    "in_place_faults": case_in_place_faults,
    "tree_build": case_tree_build,
    "extra_device": case_blobdev,
    "hostile_mutations": case_mutations,
    "sidecar": case_sidecar,
    "idempotent": case_idempotent,
    "tar_index": case_tar_index,
    "hostile_limits": case_hostile_limits,
    "qemu_sharing": case_qemu_sharing,
    "qemu_sidecar": case_qemu_sidecar,
}


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    cli, case = sys.argv[1], sys.argv[2]
    if os.geteuid() != 0:
        fail("needs root (mknod, chown, trusted.* xattrs)")
    t = tools()
    if case in MATRIX:
        key, flags = MATRIX[case]
        retrofit_case(cli, t, key, flags)
    elif case == "v15_visible_name":
        retrofit_case(cli, t, "MKFS_EROFS_15", [], fp_name="trusted.erofs.fingerprint")
    elif case in CASES:
        CASES[case](cli, t)
    else:
        fail(f"unknown case {case}")


if __name__ == "__main__":
    main()
