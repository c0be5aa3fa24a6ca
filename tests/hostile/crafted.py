#!/usr/bin/env python3
"""Crafted hostile images (issue 13): tiny inputs that used to make erofs-share do unbounded work.

Each case builds one image byte by byte at the size the issue reports (or, with --small, a
smaller one that still shows the shape): a 100,000-level directory chain (and one with
200-byte names), files referencing 255 shared xattrs of 64 KiB, a metabox claiming 1 GB of
holes, a fragment in a packed inode of 512 MiB of holes, 2 million hard links, one inode with
300,000 names and large shared xattrs or 32,767 inline ones, 19,000 directories sharing one
dirent block. It runs `erofs-share` on each (inspect text and JSON, scan, lint, tag -o) and
asserts, for every run: it takes less than 10 s of CPU time (user + system, all threads: the
work it does, whatever else the machine runs) and is killed after 60 s of wall time, its peak RSS (the child's
ru_maxrss) is at most max(256 MiB, 20 x image size), and its result is either a one-line error
with exit 2 or a correct report (checked per case: the number of names, the xattrs printed
once per inode, the JSON shared-xattr table). --no-limits (sanitizer builds) keeps the result
checks and drops the time and memory ones.

  EROFS_SHARE=path/to/erofs-share crafted.py [--small] [--no-limits] [--keep DIR] [CASE...]
"""

import json
import re
import os
import struct
import subprocess
import sys
import tempfile
import time

BS = 4096
META_BLK = 1  # nid 0 is at block 1
FT_REG, FT_DIR = 1, 2
S_IFREG, S_IFDIR = 0o100000, 0o040000
LAYOUT_PLAIN, LAYOUT_INLINE = 0, 2


class Img:
    """A growing EROFS image: superblock at 1024, inodes from block META_BLK, data blocks after."""

    def __init__(self, size_hint=0):
        self.b = bytearray(BS * 2)
        self.compat = 0
        self.incompat = 0
        self.algs = 0  # lz4_max_distance without COMPR_CFGS: non-zero makes the image compressed-capable
        self.extslots = 0
        self.metabox_nid = 0
        self.packed_nid = 0
        self.xattr_blk = 0
        self.root = 0
        self.prefixes = (0, 0)  # xattr_prefix_count, xattr_prefix_start
        self.inos = 0
        self.meta_end = META_BLK * BS  # next free inode byte
        self.data_end = 0  # end of the last data blocks: later inodes go after them

    def reserve(self, end):
        if len(self.b) < end:
            self.b.extend(bytes(end - len(self.b)))

    def put(self, off, data):
        self.reserve(off + len(data))
        self.b[off:off + len(data)] = data

    def new_inode_slot(self, nbytes):
        """Reserves nbytes of metadata (32-byte aligned, not crossing a block when it fits one)."""
        pos = (max(self.meta_end, self.data_end) + 31) // 32 * 32
        if nbytes <= BS and pos // BS != (pos + nbytes - 1) // BS:
            pos = (pos // BS + 1) * BS
        self.meta_end = pos + nbytes
        self.reserve(self.meta_end)
        return (pos - META_BLK * BS) // 32, pos

    def inode(self, pos, mode, size, layout=LAYOUT_PLAIN, startblk=0, nlink=1, icount=0, fmt_extra=0,
              extended=False):
        self.inos += 1
        if extended:
            fmt = 1 | (layout << 1) | fmt_extra
            self.put(pos, struct.pack("<HHHHQIIIIQII16x", fmt, icount, mode, 0, size, startblk, 0, 0, 0, 0, 0,
                                      nlink))
        else:
            fmt = (layout << 1) | fmt_extra
            self.put(pos, struct.pack("<HHHHIIIIHHI", fmt, icount, mode, nlink, size, 0, startblk, 0, 0, 0, 0))

    def data_blocks(self, nblocks):
        """Allocates nblocks of data after everything written so far; returns the first block."""
        start = (max(len(self.b), self.meta_end) + BS - 1) // BS
        self.reserve((start + nblocks) * BS)
        self.data_end = (start + nblocks) * BS
        return start

    def finish(self, path):
        self.reserve((len(self.b) + BS - 1) // BS * BS)
        blocks = len(self.b) // BS
        sb = struct.pack("<IIIBBHQQIIII16s16sIHHHBBIQBB2xIQ8xQ8x",
                         0xE0F5E1E2, 0, self.compat, 12, self.extslots, self.root, self.inos, 0, 0, blocks,
                         META_BLK, self.xattr_blk, b"", b"crafted", self.incompat, self.algs, 0, 0, 0,
                         self.prefixes[0], self.prefixes[1], self.packed_nid, 0, 0, 0, 0, self.metabox_nid)
        self.put(1024, sb)
        with open(path, "wb") as f:
            f.write(self.b)
        return len(self.b)


def dir_blocks(entries):
    """Packs sorted (name bytes, nid, file type) entries into directory blocks (lists of bytes)."""
    entries = sorted(entries, key=lambda e: e[0])
    blocks, cur, used = [], [], 0
    for e in entries:
        need = 12 + len(e[0])
        if cur and used + need > BS:
            blocks.append(cur)
            cur, used = [], 0
        cur.append(e)
        used += need
    if cur:
        blocks.append(cur)
    out = []
    for blk in blocks:
        head = bytearray()
        names = bytearray()
        off = 12 * len(blk)
        for name, nid, ft in blk:
            head += struct.pack("<QHBB", nid, off + len(names), ft, 0)
            names += name
        out.append(bytes(head + names))
    return out


def add_dir(img, nid, pos, parent, children, dot=True, nlink=2):
    """Writes the entries of directory `nid` (children: (name, nid, ft)) as flat_plain blocks."""
    entries = list(children) + [(b"..", parent, FT_DIR)] + ([(b".", nid, FT_DIR)] if dot else [])
    blks = dir_blocks(entries)
    start = img.data_blocks(len(blks))
    for i, blk in enumerate(blks):
        img.put((start + i) * BS, blk)
    size = (len(blks) - 1) * BS + len(blks[-1])
    img.inode(pos, S_IFDIR | 0o755, size, LAYOUT_PLAIN, start, nlink=nlink, fmt_extra=0 if dot else 0x10)


def names(count, width=0):
    """count distinct names in byte order, each at least `width` bytes."""
    digits = b"0123456789abcdefghijklmnopqrstuvwxyz"
    out = []
    for i in range(count):
        s = bytearray()
        n = i
        while True:
            s.append(digits[n % 36])
            n //= 36
            if not n:
                break
        s = bytes(reversed(s)).rjust(max(width, 1), b"0")
        out.append(b"f" + s)
    return out


def xattr_entry(index, name, value):
    e = struct.pack("<BBH", len(name), index, len(value)) + name + value
    return e + bytes(-len(e) % 4)


def shared_area(img, entries):
    """Writes encoded entries as the shared xattr area; returns their ids (4-byte units)."""
    total = sum(len(e) for e in entries)
    start = img.data_blocks((total + BS - 1) // BS)
    img.xattr_blk = start
    ids, at = [], start * BS
    for e in entries:
        ids.append((at - start * BS) // 4)
        img.put(at, e)
        at += len(e)
    return ids


def ibody(shared_ids, inline=b""):
    body = struct.pack("<IB7x", 0, len(shared_ids)) + b"".join(struct.pack("<I", i) for i in shared_ids) + inline
    return body, (len(body) - 12) // 4 + 1


# --- cases: each writes its image to `path` and returns its size; CHECKS judge the reports ---

def case_deep_chain(path, small, long_names):
    """A chain of directories, 100,000 levels in 10 MB (1-byte names) or 30,000 with 200-byte names."""
    depth = (20000 if small else 100000) if not long_names else (3000 if small else 30000)
    name = b"d" if not long_names else b"n" * 200
    img = Img()
    nids = []
    slots = []
    inline_size = 12 * 3 + 1 + 2 + len(name)
    for i in range(depth + 1):
        nid, pos = img.new_inode_slot(32 + inline_size)
        nids.append(nid)
        slots.append(pos)
    img.root = nids[0]
    for i in range(depth + 1):
        parent = nids[i - 1] if i else nids[0]
        kids = [(name, nids[i + 1], FT_DIR)] if i < depth else []
        entries = kids + [(b"..", parent, FT_DIR), (b".", nids[i], FT_DIR)]
        blk = dir_blocks(entries)[0]
        img.inode(slots[i], S_IFDIR | 0o755, len(blk), LAYOUT_INLINE, 0, nlink=2)
        img.put(slots[i] + 32, blk)
    return img.finish(path)


def case_shared_xattrs(path, small, inodes):
    """`inodes` files, each referencing 255 shared xattrs of 64 KiB (9 distinct ones)."""
    img = Img()
    root_nid, root_pos = img.new_inode_slot(32)
    img.root = root_nid
    vals = [xattr_entry(1, b"s%d" % k, bytes([65 + k]) * 65535) for k in range(9)]
    ids = shared_area(img, vals)
    refs = [ids[k % len(ids)] for k in range(255)]
    body, icount = ibody(refs)
    files = []
    for name in names(inodes):
        nid, pos = img.new_inode_slot(32 + len(body))
        img.inode(pos, S_IFREG | 0o644, 0, LAYOUT_PLAIN, 0xFFFFFFFF, icount=icount)
        img.put(pos + 32, body)
        files.append((name, nid, FT_REG))
    add_dir(img, root_nid, root_pos, root_nid, files)
    return img.finish(path)


def shared_xattrs_check(inodes):
    def check(cmd, out):
        if cmd == "inspect-json":
            doc = json.loads(out)
            files = [f for f in doc["files"] if f["type"] == "file"]
            assert len(files) == inodes, f"{len(files)} files, want {inodes}"
            assert len(doc["shared_xattrs"]) == 9, f"{len(doc['shared_xattrs'])} shared xattrs, want 9"
            assert all(len(f["xattrs"]) == 255 for f in files), "every file lists its 255 xattrs"
            assert all("value_hex" not in x for f in files for x in f["xattrs"]), "shared values printed per file"
        elif cmd == "inspect":
            rows = [l for l in out.splitlines() if " /f" in l]
            assert len(rows) == inodes, f"{len(rows)} rows, want {inodes}"
    return check


def case_metabox_holes(path, small):
    """A metabox inode whose i_size claims 1 GB of holes in a ~300 KB image."""
    img = Img()
    img.incompat |= 0x100
    img.extslots = 2  # sb_size 0x A0 > 0x80: metabox_nid present
    root_nid, root_pos = img.new_inode_slot(32)
    img.root = root_nid
    mb_nid, mb_pos = img.new_inode_slot(32)
    img.metabox_nid = mb_nid
    img.inode(mb_pos, S_IFREG | 0o600, 1 << 30, LAYOUT_PLAIN, 0xFFFFFFFF, extended=False)
    add_dir(img, root_nid, root_pos, root_nid, [])
    img.data_blocks(70)  # ~295 KB, as in the report
    return img.finish(path)


def case_fragment_holes(path, small):
    """A compressed file kept whole in an uncompressed packed inode that is 512 MiB of holes."""
    claim = 512 << 20
    img = Img()
    img.algs = 0xFFFF  # compressed-capable (lz4_max_distance)
    img.incompat |= 0x20  # fragments
    root_nid, root_pos = img.new_inode_slot(32)
    img.root = root_nid
    p_nid, p_pos = img.new_inode_slot(64)
    img.packed_nid = p_nid
    img.inode(p_pos, S_IFREG | 0o600, claim, LAYOUT_PLAIN, 0xFFFFFFFF, extended=True)
    f_nid, f_pos = img.new_inode_slot(64 + 8)
    img.inode(f_pos, S_IFREG | 0o644, claim, 1, 0, extended=True)  # compressed_full
    img.put(f_pos + 64, struct.pack("<Q", 1 << 63))  # map header: the whole file is a fragment at 0
    add_dir(img, root_nid, root_pos, root_nid, [(b"frag", f_nid, FT_REG)])
    img.data_blocks(70)
    return img.finish(path)


def case_hard_links(path, small):
    """One file with 2 million names (34 MB image); --small: 200,000."""
    count = 200000 if small else 2000000
    img = Img()
    root_nid, root_pos = img.new_inode_slot(32)
    img.root = root_nid
    f_nid, f_pos = img.new_inode_slot(64)
    img.inode(f_pos, S_IFREG | 0o644, 0, LAYOUT_PLAIN, 0xFFFFFFFF, nlink=count, extended=True)
    add_dir(img, root_nid, root_pos, root_nid, [(n, f_nid, FT_REG) for n in names(count)])
    return img.finish(path)


def names_check(count, with_xattrs=True):
    def check(cmd, out):
        if cmd == "inspect":
            rows = [l for l in out.splitlines() if " /f" in l]
            assert len(rows) == count, f"{len(rows)} rows, want {count}"
            listed = sum(1 for l in rows if " xattrs=" in l)
            assert listed == int(with_xattrs), f"{listed} rows list the xattrs, want {int(with_xattrs)}"
            links = sum(1 for l in rows if re.search(r" \(hard link of nid \d+\)$", l))
            assert links == count - 1, f"{links} rows say they are hard links, want {count - 1}"
        elif cmd == "inspect-json":
            doc = json.loads(out)
            got = sum(1 for f in doc["files"] if f["type"] == "file")
            assert got == count, f"{got} file names, want {count}"
            firsts = [f for f in doc["files"] if f["type"] == "file" and "xattrs" in f]
            assert len(firsts) == 1, f"{len(firsts)} names list the xattrs, want 1"
            links = sum(1 for f in doc["files"] if f.get("hard_link"))
            assert links == count - 1, f"{links} rows are hard links, want {count - 1}"
    return check


def case_names_shared_64k(path, small):
    """One inode with 300,000 names and 255 shared xattrs of 64 KiB (5 MB image)."""
    count = 30000 if small else 300000
    img = Img()
    root_nid, root_pos = img.new_inode_slot(32)
    img.root = root_nid
    vals = [xattr_entry(1, b"big%d" % k, bytes([97 + k]) * 65535) for k in range(4)]
    ids = shared_area(img, vals)
    body, icount = ibody([ids[k % len(ids)] for k in range(255)])
    f_nid, f_pos = img.new_inode_slot(64 + len(body))
    img.inode(f_pos, S_IFREG | 0o644, 0, LAYOUT_PLAIN, 0xFFFFFFFF, nlink=count, icount=icount, extended=True)
    img.put(f_pos + 64, body)
    add_dir(img, root_nid, root_pos, root_nid, [(n, f_nid, FT_REG) for n in names(count)])
    return img.finish(path)


def case_names_inline_xattrs(path, small):
    """One inode with 32,767 inline xattrs and 100,000 names (2 MB image)."""
    count = 10000 if small else 100000
    img = Img()
    # The image declares fingerprints (ISHARE_XATTRS, plain long-prefix table "user.fp" at byte
    # 256), so scan looks each name's fingerprint up among the 32,767 entries.
    img.compat |= 0x20 | 0x10
    img.incompat |= 0x40
    img.prefixes = (1, 64)  # count, start in 4-byte units
    img.put(256, struct.pack("<HB", 3, 1) + b"fp")
    root_nid, root_pos = img.new_inode_slot(32)
    img.root = root_nid
    inline = b"".join(xattr_entry(1, b"%04x" % k, b"") for k in range(32766)) + xattr_entry(0x80, b"", b"x" * 4)
    body, icount = ibody([], inline)
    assert icount <= 65535
    f_nid, f_pos = img.new_inode_slot(64 + len(body))
    # One byte (a hole): scan skips empty files before it looks for fingerprints.
    img.inode(f_pos, S_IFREG | 0o644, 1, LAYOUT_PLAIN, 0xFFFFFFFF, nlink=count, icount=icount, extended=True)
    img.put(f_pos + 64, body)
    add_dir(img, root_nid, root_pos, root_nid, [(n, f_nid, FT_REG) for n in names(count)])
    return img.finish(path)


def case_shared_dir_block(path, small, compressed):
    """19,000 directories whose entries are one shared block (DOT_OMITTED, ".." = root)."""
    count = 3000 if small else 19000
    img = Img()
    if compressed:
        img.algs = 0xFFFF  # lz4_max_distance: the image may hold compressed inodes
    root_nid, root_pos = img.new_inode_slot(32)
    img.root = root_nid
    f_nid, f_pos = img.new_inode_slot(32)
    img.inode(f_pos, S_IFREG | 0o644, 0, LAYOUT_PLAIN, 0xFFFFFFFF, nlink=1)
    shared = dir_blocks([(b"..", root_nid, FT_DIR)] + [(n, f_nid, FT_REG) for n in names(600)][:330])
    blk = img.data_blocks(1)
    img.put(blk * BS, shared[0])
    dirs = []
    for name in names(count, 5):
        nid, pos = img.new_inode_slot(32)
        img.inode(pos, S_IFDIR | 0o755, len(shared[0]), LAYOUT_PLAIN, blk, nlink=2, fmt_extra=0x10)
        dirs.append((b"d" + name, nid, FT_DIR))
    add_dir(img, root_nid, root_pos, root_nid, dirs, nlink=count + 2)
    return img.finish(path)


CASES = {
    "deep-chain": lambda p, s: case_deep_chain(p, s, False),
    "deep-chain-long-names": lambda p, s: case_deep_chain(p, s, True),
    "shared-xattrs-200": lambda p, s: case_shared_xattrs(p, s, 200),
    "shared-xattrs-2000": lambda p, s: case_shared_xattrs(p, s, 200 if s else 2000),
    "metabox-holes": case_metabox_holes,
    "fragment-holes": case_fragment_holes,
    "hard-links": case_hard_links,
    "names-shared-64k": case_names_shared_64k,
    "names-inline-xattrs": case_names_inline_xattrs,
    "shared-dir-block-compressed": lambda p, s: case_shared_dir_block(p, s, True),
    "shared-dir-block-plain": lambda p, s: case_shared_dir_block(p, s, False),
}


def fragment_check(cmd, out):
    if cmd == "inspect-digest":
        import hashlib
        h = hashlib.sha256()
        zeros = bytes(1 << 20)
        for _ in range(512):
            h.update(zeros)
        rows = [l for l in out.splitlines() if l.endswith(" /frag")]
        assert len(rows) == 1 and h.hexdigest() in rows[0], f"no row with the digest of 512 MiB of zeros: {rows}"


CHECKS = {
    "fragment-holes": lambda s: fragment_check,
    "shared-xattrs-200": lambda s: shared_xattrs_check(200),
    "shared-xattrs-2000": lambda s: shared_xattrs_check(200 if s else 2000),
    "hard-links": lambda s: names_check(200000 if s else 2000000, with_xattrs=False),
    "names-shared-64k": lambda s: names_check(30000 if s else 300000),
    "names-inline-xattrs": lambda s: names_check(10000 if s else 100000),
}


def in_child(fn):
    """Runs fn() in a forked child and returns its result as a string. Images are built and
    reports read in children so this process stays small: a child's peak RSS (ru_maxrss)
    includes the memory it inherited from its parent before exec."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            os.write(w, str(fn()).encode())
        except BaseException as e:  # noqa: BLE001 - reported to the parent
            os.write(w, f"{type(e).__name__}: {e}".encode())
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r) as f:
        result = f.read()
    os.waitpid(pid, 0)
    return result


def check_file(check, cmd, out_path):
    try:
        with open(out_path, "r", encoding="utf-8", errors="replace") as f:
            check(cmd, f.read())
    except (AssertionError, ValueError, KeyError) as e:
        return f"{type(e).__name__}: {e}"
    return ""


def build(name, image, small):
    result = in_child(lambda: CASES[name](image, small))
    if not result.isdigit():
        raise SystemExit(f"{name}: building the image failed: {result}")
    return int(result), checks_of(name, small)


def checks_of(name, small):
    """The report check of a case, without building its image."""
    return CHECKS.get(name, lambda s: None)(small)


def run(argv, out_path, limits, timeout):
    """Runs argv with stdout to out_path; returns (exit status, stderr, wall seconds, CPU seconds,
    peak RSS bytes)."""
    start = time.monotonic()
    with open(out_path, "wb") as out:
        p = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        deadline = start + timeout
        err = b""
        while True:
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                p.kill()
                pid, status, usage = os.wait4(p.pid, 0)
                break
            time.sleep(0.02)
        err = p.stderr.read()
        p.stderr.close()
    seconds = time.monotonic() - start
    code = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return code, err.decode("utf-8", "replace"), seconds, cpu, usage.ru_maxrss * 1024


def main():
    args = sys.argv[1:]
    small = "--small" in args
    limits = "--no-limits" not in args
    keep = None
    if "--keep" in args:
        keep = args[args.index("--keep") + 1]
        args.remove(keep)
    selected = [a for a in args if not a.startswith("--")] or list(CASES)
    exe = os.environ["EROFS_SHARE"]
    failures = []
    with tempfile.TemporaryDirectory(prefix="crafted-") as scratch:
        work = keep or scratch
        os.makedirs(work, exist_ok=True)
        for name in selected:
            image = os.path.join(work, name + ".erofs")
            t0 = time.monotonic()
            size, check = build(name, image, small)
            print(f"{name}: {size} bytes (built in {time.monotonic() - t0:.1f} s)", flush=True)
            rss_limit = max(256 << 20, 20 * size)
            runs = {
                "inspect": [exe, "inspect", image],
                "inspect-json": [exe, "inspect", "--format", "json", image],
                "scan": [exe, "scan", image],
                "lint": [exe, "lint", image],
                "tag": [exe, "tag", image, "-o", os.path.join(work, name + ".tagged")],
            }
            if name == "fragment-holes":  # only reading the content reaches the packed inode
                runs["inspect-digest"] = [exe, "inspect", "--digest", "--wide", image]  # whole digests
            for cmd, argv in runs.items():
                out_path = os.path.join(work, f"{name}.{cmd}.out")
                code, err, secs, cpu, rss = run(argv, out_path, limits, 60 if limits else 600)
                line = f"  {cmd:<13} exit {code:>3}  {secs:6.2f} s  {cpu:6.2f} s CPU  {rss / 2**20:8.1f} MiB"
                problems = []
                if limits and cpu >= 10:
                    problems.append("took 10 s of CPU time or more")
                if limits and secs >= 60:
                    problems.append("killed after 60 s")
                if limits and rss > rss_limit:
                    problems.append(f"peak RSS above {rss_limit / 2**20:.0f} MiB")
                lines = err.strip().splitlines()
                if code == 2:
                    if len(lines) != 1:
                        problems.append(f"error is {len(lines)} lines, want 1")
                    line += "  " + (lines[0][:150] if lines else "")
                elif code in (0, 1):  # lint: 1 = findings (the refused entries), a report
                    if check:
                        wrong = in_child(lambda: check_file(check, cmd, out_path))
                        if wrong:
                            problems.append(f"wrong report: {wrong}")
                else:
                    problems.append(f"exit status {code}: {err.strip()[:300]}")
                if problems:
                    line += "  FAIL: " + "; ".join(problems)
                    failures.append(f"{name} {cmd}: " + "; ".join(problems))
                print(line, flush=True)
                os.unlink(out_path) if not keep else None
            if not keep:
                os.unlink(image)
                tagged = os.path.join(work, name + ".tagged")
                if os.path.exists(tagged):
                    os.unlink(tagged)
    if failures:
        print("\n".join(["FAILED:"] + failures))
        return 1
    print("all crafted cases bounded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
