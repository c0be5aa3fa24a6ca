#!/usr/bin/env python3
"""Names from an image never reach a text output raw (issue 13, erofs-share(1) ESCAPING).

A source tree whose file names, a directory name, a symlink target and an xattr value hold an
ANSI colour sequence (ESC [ 31 m), CR, LF, TAB, other NUL-free C0 bytes, DEL, a C1 control
(U+009B), U+202E (right-to-left override), invalid UTF-8 and a backslash is built into images by
the real mkfs.erofs 1.9 (plain, and with --xattr-inode-digest) and 1.5. Then every text output
of every subcommand is run on them: inspect (with and without --digest, --path), scan (text,
csv, html, over images, a directory and a tar archive with the same names), lint (text, github,
junit; json and sarif must parse and carry the exact names), tag (retrofit, sidecar, --tree),
build (mkfs 1.9 native and mkfs 1.5 + retrofit) and the one-line errors (a missing --path, a
corrupt inode whose path is one of the names, a tar member, an unreadable kernel for smoke, an
unexpected argument).
Each stdout and stderr is checked byte by byte: no byte below 0x20 but the line ends, no DEL,
valid UTF-8 only, and no C1, bidi or line-separator code point. Where a name is shown, its
escaped form (display() in core/util/display.hpp) must be there, so the check cannot pass by
printing nothing.
"""

import hashlib
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import tarfile

ES = os.environ.get("EROFS_SHARE", "")
NAME = os.path.splitext(os.path.basename(sys.argv[0]))[0]
SCRATCH = os.path.join(os.environ.get("EROFS_SHARE_SCRATCH", "/tmp/erofs-share-cli"), NAME)
UUID = "6b1e0f5a-3c2d-4e8f-9a7b-1c2d3e4f5a6b"
FP = "user.fp"  # fingerprint xattr name used by tag and build (an unprivileged user can set it)


def fail(msg):
    print(f"{NAME}: FAILED: {msg}", file=sys.stderr)
    sys.exit(1)


def need(var):
    v = os.environ.get(var, "")
    if not v or not os.access(v, os.X_OK):
        fail(f"{var} is not set or not executable; run `source scripts/env.sh` before ctest")
    return v


# Names (bytes) and the escaped form every text output must show for them.
NAMES = {
    b"ansi\x1b[31mred\x1b[0m": b"ansi\\x1b[31mred\\x1b[0m",
    b"cr\rfake": b"cr\\x0dfake",
    b"lf\nerofs-share: FAILED forged line": b"lf\\x0aerofs-share: FAILED forged line",
    b"c0\x01\x02\x07\x08\x0b\x0c\x1f": b"c0\\x01\\x02\\x07\\x08\\x0b\\x0c\\x1f",
    b"tab\there": b"tab\\x09here",
    b"del\x7f": b"del\\x7f",
    b"c1\xc2\x9b31m": b"c1\\u{9b}31m",
    b"bad\xff\xfeutf8": b"bad\\xff\\xfeutf8",
    b"rlo\xe2\x80\xaetxt.exe": b"rlo\\u{202e}txt.exe",
    b"back\\slash": b"back\\\\slash",
}
DIR = b"dir\x1b]0;title\x07"  # an OSC sequence (sets the terminal title) as a directory name
DIR_SHOWN = b"dir\\x1b]0;title\\x07"
TARGET = b"target\x1b[2J\r\n\x7f\xe2\x80\xae\xff"  # symlink target: clear screen, CR LF, ...
TARGET_SHOWN = b"target\\x1b[2J\\x0d\\x0a\\x7f\\u{202e}\\xff"
XATTR_VALUE = b"value\x1b[5m\nsecond line\xe2\x80\xae"
BIDI = {0x061C, 0x200E, 0x200F, 0x2028, 0x2029} | set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))
CONTENT = b"content long enough for a few blocks\n" * 200


def content(name, in_dir):
    """One content per name and directory, so every name heads its own scan group (at most 8
    copies, all shown by the text report)."""
    return CONTENT + (b"in dir " if in_dir else b"at top ") + name


def check_bytes(what, data, allow_tab=False):
    """No raw control byte, DEL, invalid UTF-8, C1 or bidi code point in `data`."""
    for i, c in enumerate(data):
        if (c < 0x20 and c != 0x0A and not (allow_tab and c == 0x09)) or c == 0x7F:
            fail(f"{what}: raw byte {c:#04x} at offset {i}: {data[max(0, i - 60):i + 20]!r}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        fail(f"{what}: invalid UTF-8 at offset {e.start}: {data[max(0, e.start - 60):e.start + 20]!r}")
    for i, ch in enumerate(text):
        cp = ord(ch)
        if 0x80 <= cp <= 0x9F or cp in BIDI:
            fail(f"{what}: raw U+{cp:04X} at character {i}: {text[max(0, i - 60):i + 20]!r}")


def run(what, cmd, rc=0, stdout_is_text=True, expect=(), expect_err=(), allow_tab=False):
    """Runs cmd, checks its exit status, both streams and the escaped names it must show."""
    p = subprocess.run(cmd, capture_output=True)
    if p.returncode != rc:
        fail(f"{what}: exit {p.returncode}, expected {rc}: {cmd!r}\nstderr: {p.stderr!r}")
    if stdout_is_text:
        check_bytes(f"{what} (stdout)", p.stdout, allow_tab)
    check_bytes(f"{what} (stderr)", p.stderr)
    for e in expect:
        if e not in p.stdout:
            fail(f"{what}: stdout lacks {e!r}:\n{p.stdout[:3000]!r}")
    for e in expect_err:
        if e not in p.stderr:
            fail(f"{what}: stderr lacks {e!r}:\n{p.stderr!r}")
    return p


def check_file(what, path, expect=()):
    data = open(path, "rb").read()
    check_bytes(what, data)
    for e in expect:
        if e not in data:
            fail(f"{what}: lacks {e!r}:\n{data[:3000]!r}")
    return data


def make_tree(root, with_fp_xattrs=False):
    """The hostile tree: every name twice (top level and in DIR), same content, a symlink, xattrs."""
    os.makedirs(root)
    d = os.path.join(root, DIR)
    os.mkdir(d)
    for name in NAMES:
        for parent in (root, d):
            p = os.path.join(parent, name)
            with open(p, "wb") as f:
                f.write(content(name, parent == d))
            if with_fp_xattrs:
                # A wrong fingerprint: tag replaces it and lists the file by name.
                os.setxattr(p, FP, b"sha256:" + b"\x01" * 32)
    os.symlink(TARGET, os.path.join(root, b"link\x1b[1m"))
    note = os.path.join(root, b"ansi\x1b[31mred\x1b[0m")
    os.setxattr(note, "user.note", XATTR_VALUE)
    try:
        os.setxattr(note, b"user.x\x1b[7m", b"v")  # an xattr name holding ESC
        return True
    except OSError:
        return False


def mkfs(prog, out, src, *opts):
    p = subprocess.run([prog, "-T0", "-U", UUID, "--all-root", *opts, out, src], capture_output=True)
    if p.returncode != 0:
        fail(f"{prog} {' '.join(opts)} failed: {p.stderr.decode(errors='replace')}")


def shown_names(*prefixes):
    return [pre + shown for pre in prefixes for shown in NAMES.values()]


def inspect_json(img):
    p = subprocess.run([ES, "inspect", "--format", "json", img], capture_output=True)
    if p.returncode != 0:
        fail(f"inspect --format json {img}: {p.stderr!r}")
    return json.loads(p.stdout)


def main():
    if not ES or not os.access(ES, os.X_OK):
        fail("EROFS_SHARE must name the erofs-share binary (CTest sets it)")
    mkfs15, mkfs19 = need("MKFS_EROFS_15"), need("MKFS_EROFS_19")
    shutil.rmtree(SCRATCH, ignore_errors=True)
    os.makedirs(SCRATCH)
    t = SCRATCH.encode()
    tree = os.path.join(t, b"tree")
    xattr_name_set = make_tree(tree)

    images = {
        "1.9 digest": os.path.join(t, b"digest-19.erofs"),
        "1.9 plain": os.path.join(t, b"plain-19.erofs"),
        "1.5 plain": os.path.join(t, b"plain-15.erofs"),
    }
    mkfs(mkfs19, images["1.9 digest"], tree, "--xattr-inode-digest")
    mkfs(mkfs19, images["1.9 plain"], tree)
    mkfs(mkfs15, images["1.5 plain"], tree)
    # An input whose own file name holds ESC and LF (names given on the command line are shown
    # with the same rule).
    odd_input = os.path.join(t, b"odd\x1b[33m\nname.erofs")
    shutil.copyfile(images["1.9 digest"], odd_input)

    name_lines = shown_names(b"/", b"/" + DIR_SHOWN + b"/")

    # inspect: text (with --digest), --path into the hostile directory, the xattr name.
    for label, img in images.items():
        want = name_lines + [b"/link\\x1b[1m -> " + TARGET_SHOWN]
        if xattr_name_set:
            want.append(b"user.x\\x1b[7m")
        run(f"inspect {label}", [ES, "inspect", img], expect=want)
        run(f"inspect --digest {label}", [ES, "inspect", "--digest", img], expect=want)
        run(f"inspect --path {label}", [ES, "inspect", "--path", b"/" + DIR, img],
            expect=shown_names(b"/" + DIR_SHOWN + b"/"))
        # The JSON stays exact: valid UTF-8 names as they are, invalid bytes as U+FFFD.
        paths = {f["path"] for f in inspect_json(img)["files"]}
        for name in NAMES:
            exact = "/" + name.decode("utf-8", errors="replace")
            if exact not in paths:
                fail(f"inspect --format json {label}: {exact!r} missing from {sorted(paths)!r}")
    run("inspect odd input name", [ES, "inspect", odd_input], expect=[b"odd\\x1b[33m\\x0aname.erofs"])
    # Errors: a missing --path, a corrupt inode reached through a hostile name.
    missing = b"/missing\x1b[31m\n\xe2\x80\xae"
    run("inspect --path missing", [ES, "inspect", "--path", missing, images["1.9 plain"]], rc=2, expect_err=[b"/missing\\x1b[31m\\x0a\\u{202e}"])
    # A command-line error quoting an argument (as a script passing image names would).
    run("inspect extra argument", [ES, "inspect", images["1.9 plain"], b"extra\x1b[31m\n"], rc=2,
        expect_err=[b"extra\\x1b[31m\\x0a"])
    for label in ("1.9 plain", "1.5 plain"):
        corrupt = os.path.join(t, b"corrupt-" + label.replace(" ", "-").encode() + b".erofs")
        shutil.copyfile(images[label], corrupt)
        victim = b"ansi\x1b[31mred\x1b[0m"
        nid = next(f["nid"] for f in inspect_json(corrupt)["files"] if f["path"] == "/" + victim.decode())
        img = bytearray(open(corrupt, "rb").read())
        bs = 1 << img[1024 + 12]
        pos = struct.unpack_from("<I", img, 1024 + 40)[0] * bs + nid * 32
        if pos < bs:
            fail(f"{label}: the inode of the victim is in block 0 (superblock checksum); grow the tree")
        struct.pack_into("<H", img, pos + 4, 0)  # i_mode without a file type: "bogus i_mode"
        open(corrupt, "wb").write(img)
        err = [b"path /ansi\\x1b[31mred\\x1b[0m"]
        run(f"inspect corrupt {label}", [ES, "inspect", corrupt], rc=2, expect_err=err)
        for fmt in ("text", "github", "junit"):
            p = subprocess.run([ES, "lint", "--format", fmt, corrupt], capture_output=True)
            if p.returncode not in (1, 2):
                fail(f"lint corrupt {label} {fmt}: exit {p.returncode}")
            check_bytes(f"lint corrupt {label} {fmt} (stdout)", p.stdout)
            check_bytes(f"lint corrupt {label} {fmt} (stderr)", p.stderr)

    # scan: images, the source directory and a tar archive with the same names; all formats.
    tar = os.path.join(t, b"tree.tar")
    with tarfile.open(tar, "w", format=tarfile.GNU_FORMAT, encoding="utf-8", errors="surrogateescape") as tf:
        for name in NAMES:
            ti = tarfile.TarInfo(os.fsdecode(b"member-" + name))
            data = content(name, False)
            ti.size, ti.mtime = len(data), 0
            tf.addfile(ti, io.BytesIO(data))
    inputs = list(images.values()) + [odd_input, tree, tar]
    scan = [ES, "scan", "--no-progress", "--top", "0", *inputs]
    want = [b"odd\\x1b[33m\\x0aname.erofs"] + shown_names(b"/", b"/member-")
    run("scan text", scan, expect=want)
    run("scan csv", scan + ["--format", "csv"])
    run("scan html", scan + ["--format", "html"], expect=[b"odd\\x1b[33m\\x0aname.erofs"])
    p = run("scan json", scan + ["--format", "json"], stdout_is_text=False)
    json.loads(p.stdout)
    # CSV: every group's first path is one field of one line.
    csv = run("scan csv all", scan + ["--format", "csv"]).stdout.split(b"\n")
    if not all(line.count(b",") >= 13 for line in csv if line):
        fail(f"scan csv: a row was split: {csv!r}")
    # The same tar names reach the error path too: a truncated member.
    broken = os.path.join(t, b"broken.tar")
    data = open(tar, "rb").read()
    open(broken, "wb").write(data[:512 + 100])
    p = subprocess.run([ES, "scan", "--no-progress", broken], capture_output=True)
    check_bytes("scan broken tar (stdout)", p.stdout)
    check_bytes("scan broken tar (stderr)", p.stderr)

    # lint: in a copy of the digest image every top-level file's stored fingerprint is made wrong
    # (one digest byte flipped), so each is a fingerprint-mismatch finding naming its path.
    forged = os.path.join(t, b"forged-19.erofs")
    data = bytearray(open(images["1.9 digest"], "rb").read())
    bs = 1 << data[1024 + 12]
    for name in NAMES:
        digest = hashlib.sha256(content(name, False)).digest()
        at = data.find(digest, bs)  # outside block 0, which the superblock checksum covers
        if at < 0:
            fail(f"the fingerprint of {name!r} is not in the digest image outside block 0")
        data[at + 31] ^= 0xFF
    open(forged, "wb").write(data)
    for label, img in list(images.items()) + [("1.9 forged", forged)]:
        for fmt in ("text", "github", "junit"):
            p = subprocess.run([ES, "lint", "--format", fmt, img, odd_input], capture_output=True)
            if p.returncode not in (0, 1):
                fail(f"lint {label} {fmt}: exit {p.returncode}: {p.stderr!r}")
            check_bytes(f"lint {label} {fmt} (stdout)", p.stdout)
            check_bytes(f"lint {label} {fmt} (stderr)", p.stderr)
            # (GitHub annotations name only images with findings; the odd input is clean.)
            if fmt != "github" and b"odd\\x1b[33m\\x0aname.erofs" not in p.stdout:
                fail(f"lint {label} {fmt}: the odd input name is not shown escaped:\n{p.stdout[:2000]!r}")
            if label == "1.9 forged":
                for shown in shown_names(b"/"):
                    if shown not in p.stdout:
                        fail(f"lint {label} {fmt}: no finding shows {shown!r}:\n{p.stdout[:3000]!r}")
        for fmt in ("json", "sarif"):
            p = subprocess.run([ES, "lint", "--format", fmt, img, odd_input], capture_output=True)
            check_bytes(f"lint {label} {fmt} (stderr)", p.stderr)
            doc = json.loads(p.stdout)  # must parse
            if label == "1.9 forged":
                # The JSON writer carries the exact names (invalid UTF-8 as U+FFFD).
                text = json.dumps(doc, ensure_ascii=False)
                for name in NAMES:
                    exact = "/" + name.decode("utf-8", errors="replace")
                    if json.dumps(exact, ensure_ascii=False)[1:-1] not in text:
                        fail(f"lint {label} {fmt}: the exact path {exact!r} is not in the JSON: {text[:3000]!r}")

    # tag: retrofit (-o), sidecar; an image with wrong fingerprints lists the replaced files by name.
    fp_tree = os.path.join(t, b"fp-tree")
    make_tree(fp_tree, with_fp_xattrs=True)
    for label, prog in (("1.9", mkfs19), ("1.5", mkfs15)):
        img = os.path.join(t, b"fp-" + label.encode() + b".erofs")
        mkfs(prog, img, fp_tree)
        out = os.path.join(t, b"tagged-" + label.encode() + b"\x1b[32m.erofs")
        run(f"tag -o {label}", [ES, "tag", "-q", "--xattr-name", FP, img, "-o", out],
            expect=[b"tagged-" + label.encode() + b"\\x1b[32m.erofs"] + shown_names(b"replaced /"))
        run(f"inspect tagged {label}", [ES, "inspect", out], expect=name_lines)
        side = os.path.join(t, b"side-" + label.encode() + b".erofs")
        run(f"tag --sidecar {label}", [ES, "tag", "-q", "--xattr-name", FP, img, "--sidecar", side])
    run("tag --tree", [ES, "tag", "--xattr-name", FP, "--tree", fp_tree],
        expect=[b"replaced " + fp_tree + b"/" + shown for shown in NAMES.values()])
    run("tag corrupt", [ES, "tag", "-q", os.path.join(t, b"corrupt-1.9-plain.erofs"), "-o",
                        os.path.join(t, b"never.erofs")], rc=2, expect_err=[b"/ansi\\x1b[31mred\\x1b[0m"])

    # build: from the hostile tree, natively (1.9) and by retrofit (1.5); the image name is odd too.
    for label, prog in (("1.9", mkfs19), ("1.5", mkfs15)):
        out = os.path.join(t, b"built-" + label.encode() + b"\x1b[35m\n.erofs")
        run(f"build {label}", [ES, "build", "--mkfs", prog, tree, "-o", out, "--", "-T0", "--all-root"],
            expect=[b"built-" + label.encode() + b"\\x1b[35m\\x0a.erofs"])
        run(f"inspect built {label}", [ES, "inspect", out], expect=name_lines)

    # smoke: no VM here; its one-line error names a kernel path with ESC escaped.
    kernel = os.path.join(t, b"vmlinuz\x1b[31m")
    p = subprocess.run([ES, "smoke", "-q", "--kernel", kernel, "--modules", os.path.join(t, b"mods\r")],
                       capture_output=True)
    if p.returncode != 2:
        fail(f"smoke with a missing kernel: exit {p.returncode}")
    check_bytes("smoke error (stdout)", p.stdout)
    check_bytes("smoke error (stderr)", p.stderr)

    shutil.rmtree(SCRATCH, ignore_errors=True)
    print(f"{NAME}: OK")


main()
