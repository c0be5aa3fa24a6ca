"""Shared code of the scan end-to-end tests (tests/scan/*.py).

Builds source trees, images with the real mkfs.erofs 1.5 / >= 1.9 (MKFS_EROFS_15, MKFS_EROFS_19,
DUMP_EROFS_19 from the environment; a missing variable FAILS the test), patches fingerprint
xattrs in images, runs `erofs-share scan`, and holds an independent model of the kernel's
sharing rules (erofs-format.md section 6.5) that computes every byte figure, and the status
and reason of every copy, from the source trees and the build options alone. Nothing here
reads erofs-share's code or output to compute an expectation.
"""

import hashlib
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tarfile

ES = os.environ.get("EROFS_SHARE", "")
SRCDIR = os.environ.get("EROFS_SHARE_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
SCHEMA = os.path.join(SRCDIR, "share", "scan", "scan.schema.json")
NAME = os.path.splitext(os.path.basename(sys.argv[0]))[0]
SCRATCH = os.path.join(os.environ.get("EROFS_SHARE_SCRATCH", "/tmp/erofs-share-scan"), NAME)
UUID = "6b1e0f5a-3c2d-4e8f-9a7b-1c2d3e4f5a6b"


def fail(msg):
    print(f"{NAME}: FAILED: {msg}", file=sys.stderr)
    sys.exit(1)


def need_env(var):
    v = os.environ.get(var, "")
    if not v:
        fail(f"{var} is not set; run `source ~/.cache/erofs-share/env` (or scripts/env.sh) before ctest")
    if not os.access(v, os.X_OK):
        fail(f"{var}={v} is not executable")
    return v


def setup():
    if not ES or not os.access(ES, os.X_OK):
        fail("EROFS_SHARE must name the erofs-share binary (CTest sets it)")
    shutil.rmtree(SCRATCH, ignore_errors=True)
    os.makedirs(SCRATCH)
    return SCRATCH


def passed():
    shutil.rmtree(SCRATCH, ignore_errors=True)
    print(f"{NAME}: OK")


def run(cmd, ok=True, **kw):
    p = subprocess.run(cmd, capture_output=True, **kw)
    if ok and p.returncode != 0:
        fail(f"{' '.join(map(str, cmd))} exited {p.returncode}:\n{p.stderr.decode(errors='replace')}")
    return p


# ---- source trees -------------------------------------------------------------------------

def text(seed, size):
    """Compressible text of exactly `size` bytes, different for every seed."""
    line = f"line of file {seed}: the quick brown fox jumps over the lazy dog\n".encode()
    return (line * (size // len(line) + 1))[:size]


def noise(seed, size):
    """Incompressible bytes (mkfs.erofs stores them uncompressed even with -z)."""
    return random.Random(seed).randbytes(size)


def write_tree(root, files, links=(), symlinks=()):
    """files: {path: bytes}; links: [(new, existing)] hard links; symlinks: [(path, target)]."""
    for path, data in files.items():
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(data)
    for new, old in links:
        os.link(os.path.join(root, old), os.path.join(root, new))
    for path, target in symlinks:
        os.symlink(target, os.path.join(root, path))
    os.makedirs(os.path.join(root, "empty-dir"), exist_ok=True)


def tree_inodes(root):
    """The non-empty regular-file inodes of a tree: {(dev, ino): {paths, size, sha256}}."""
    out = {}
    for d, dirs, names in os.walk(root):
        dirs.sort()
        for n in sorted(names):
            full = os.path.join(d, n)
            st = os.lstat(full)
            if not (st.st_mode & 0o170000 == 0o100000) or st.st_size == 0:
                continue
            rel = "/" + os.path.relpath(full, root)
            ino = out.setdefault((st.st_dev, st.st_ino), {"paths": [], "size": st.st_size})
            ino["paths"].append(rel)
            if "sha256" not in ino:
                with open(full, "rb") as f:
                    ino["sha256"] = hashlib.sha256(f.read()).hexdigest()
    for ino in out.values():
        ino["paths"].sort()
    return sorted(out.values(), key=lambda i: i["paths"][0].encode())


def make_tar(root, out, compression=""):
    mode = "w:" + compression if compression else "w"
    with tarfile.open(out, mode, format=tarfile.PAX_FORMAT) as tar:
        for d, dirs, names in os.walk(root):
            dirs.sort()
            for n in sorted(dirs) + sorted(names):
                full = os.path.join(d, n)
                tar.add(full, arcname="./" + os.path.relpath(full, root), recursive=False)


# ---- images -------------------------------------------------------------------------------

def mkfs(version, out, src, *opts):
    exe = need_env(f"MKFS_EROFS_{version}")
    run([exe, "-T0", "-U", UUID, "--all-root", *opts, out, src])
    return out


def layouts(image, paths):
    """{path: layout number} from erofs-utils' own dump.erofs."""
    dump = need_env("DUMP_EROFS_19")
    out = {}
    for p in paths:
        text_ = run([dump, f"--path={p}", image]).stdout.decode()
        for word in text_.split("Layout:")[1:2]:
            out[p] = int(word.split()[0])
    return out


def image_model(name, src, version, digest, compressed=False, block_size=4096):
    """What an image built from `src` holds, from the source tree and the build options."""
    inodes = tree_inodes(src)
    ishare = version == 19 and digest
    for ino in inodes:
        ino["storage"] = "uncompressed"
        ino["fp"] = b"sha256:" + bytes.fromhex(ino["sha256"]) if ishare else None
        ino["hidden"] = False
    if compressed:
        lay = layouts(name, [i["paths"][0] for i in inodes])
        for ino in inodes:
            ino["storage"] = "compressed" if lay[ino["paths"][0]] in (1, 3) else "uncompressed"
    return {"name": name, "kind": "erofs", "ishare": ishare, "block_size": block_size, "inodes": inodes}


def tree_model(name, src, kind):
    inodes = tree_inodes(src)
    for ino in inodes:
        ino.update(storage="uncompressed", fp=None, hidden=False)
    return {"name": name, "kind": kind, "ishare": False, "block_size": 4096, "inodes": inodes}


def find(model, path):
    for ino in model["inodes"]:
        if path in ino["paths"]:
            return ino
    fail(f"{path} not in {model['name']}")


# ---- patching fingerprints in an image (crafted cases mkfs never writes) -------------------

def _crc32c(data, crc=0xFFFFFFFF):
    table = _crc32c.table
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


def _make_table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        t.append(c)
    return t


_crc32c.table = _make_table()


class Patcher:
    """Edits fingerprint xattrs of one image in place (and fixes the superblock checksum)."""

    def __init__(self, image):
        self.image = image
        with open(image, "rb") as f:
            self.data = bytearray(f.read())
        sb = 1024
        self.compat = struct.unpack_from("<I", self.data, sb + 8)[0]
        self.blkszbits = self.data[sb + 12]
        self.meta = struct.unpack_from("<I", self.data, sb + 40)[0] << self.blkszbits
        self.prefix_id = self.data[sb + 0x69]

    def _nid(self, path):
        dump = need_env("DUMP_EROFS_19")
        out = run([dump, f"--path={path}", self.image]).stdout.decode()
        return int(out.split("NID:")[1].split()[0])

    def entry(self, path):
        """(ibody header offset, fingerprint entry offset) of `path`."""
        pos = self.meta + self._nid(path) * 32
        i_format, icount = struct.unpack_from("<HH", self.data, pos)
        isize = 64 if i_format & 1 else 32
        ibody = pos + isize
        end = ibody + 12 + 4 * (icount - 1) if icount else ibody
        at = ibody + 12 + 4 * self.data[ibody + 4]
        while at < end:
            name_len, index, value_size = self.data[at], self.data[at + 1], struct.unpack_from("<H", self.data, at + 2)[0]
            if index == (0x80 | self.prefix_id) and name_len == 0:
                return ibody, at
            at += (4 + name_len + value_size + 3) // 4 * 4
        fail(f"no fingerprint entry for {path} in {self.image}")

    def hide(self, path):
        ibody, _ = self.entry(path)
        struct.pack_into("<I", self.data, ibody, 0xFFFFFFFF)  # every name "absent"

    def set_value(self, path, value):
        """Overwrite the 39-byte value with another of the same length."""
        assert len(value) == 39
        _, at = self.entry(path)
        self.data[at + 4:at + 4 + 39] = value

    def drop(self, path):
        """Turn the entry into "user." (empty suffix): the kernel finds no fingerprint."""
        _, at = self.entry(path)
        self.data[at + 1] = 1

    def empty(self, path):
        """Shrink the value to 0 bytes; the freed bytes become zero (padding) headers."""
        _, at = self.entry(path)
        struct.pack_into("<H", self.data, at + 2, 0)
        self.data[at + 4:at + 44] = bytes(40)

    def save(self):
        if self.compat & 1:  # SB_CHKSUM: CRC-32C over the rest of the first block, field zeroed
            bs = 1 << self.blkszbits
            n = bs - 1024 if bs > 1024 else bs
            area = bytearray(self.data[1024:1024 + n])
            area[4:8] = bytes(4)
            struct.pack_into("<I", self.data, 1024 + 4, _crc32c(area))
        with open(self.image, "wb") as f:
            f.write(self.data)


# ---- the independent model ----------------------------------------------------------------

def pages(size, page):
    return (size + page - 1) // page * page


def view(inp, ino):
    """None if the kernel would use the fingerprint, else why not."""
    if inp["kind"] != "erofs":
        return "fingerprint_missing"
    if not inp["ishare"]:
        return "no_ishare_feature"
    if ino["fp"] is None:
        return "fingerprint_missing"
    if ino["hidden"]:
        return "fingerprint_hidden_by_filter"
    if len(ino["fp"]) == 0:
        return "fingerprint_empty"
    if len(ino["fp"]) > inp["block_size"]:
        return "fingerprint_too_long"
    return None


def simulate(items, assume, page):
    """items: [(key or None, io_class, size)] in instantiation order. Returns per item the
    shared inode of its key (or None) and whether it joined it, and per shared inode
    (anchor, io_class, size, joined members)."""
    keys = {}
    for i, (k, io, size) in enumerate(items):
        if k is not None:
            keys.setdefault(k, []).append(i)
    inode_of = [None] * len(items)
    joined = [False] * len(items)
    shared = []
    for k, idxs in keys.items():
        buckets = {}
        for i in idxs:
            buckets.setdefault((items[i][1], items[i][2]), []).append(i)
        if assume == "order":
            chosen = buckets[(items[idxs[0]][1], items[idxs[0]][2])]
        else:
            chosen = max(buckets.values(), key=lambda l: ((len(l) - 1) * pages(items[l[0]][2], page), -l[0]))
        for i in idxs:
            inode_of[i] = len(shared)
        for i in chosen:
            joined[i] = True
        shared.append((chosen[0], items[chosen[0]][1], items[chosen[0]][2], chosen))
    return inode_of, joined, shared


def class_reason(a, b):
    return "compressed_vs_uncompressed" if "compressed" in (a, b) else "fileio_vs_block"


def expected(inputs, page=4096, assume="order", domains=None, mounts=None, default_mount="block"):
    """Every byte figure of a scan, computed from the input models."""
    domains = domains or {}
    mounts = mounts or {}
    copies = []
    for k, inp in enumerate(inputs):
        for ino in inp["inodes"]:
            io = "compressed" if ino["storage"] == "compressed" else mounts.get(inp["name"], default_mount)
            copies.append(dict(input=k, ino=ino, io=io, domain=domains.get(inp["name"], "default"),
                               view=view(inp, ino)))
    size_count = {}
    for c in copies:
        size_count[c["ino"]["size"]] = size_count.get(c["ino"]["size"], 0) + 1
    now_items, tag_items = [], []
    for c in copies:
        ino = c["ino"]
        now_items.append((ino["fp"] + c["domain"].encode() if c["view"] is None else None, c["io"], ino["size"]))
        known = size_count[ino["size"]] >= 2
        tag_items.append(((ino["sha256"], c["domain"]) if known else None, c["io"], ino["size"]))
    now_of, now_joined, now_shared = simulate(now_items, assume, page)
    tag_of, tag_joined, tag_shared = simulate(tag_items, assume, page)
    saved_now = [now_joined[i] and now_shared[now_of[i]][0] != i for i in range(len(copies))]
    saved_tag = [tag_joined[i] and tag_shared[tag_of[i]][0] != i for i in range(len(copies))]
    shared_now = [(size, members) for _, _, size, members in now_shared]
    shared_tag = [(size, members) for _, _, size, members in tag_shared]
    n = len(inputs)
    per = [dict(cache_bytes_without_sharing=0, saved_bytes_now=0, saved_bytes_if_tagged=0, files=0, paths=0,
                data_bytes=0) for _ in inputs]
    for i, c in enumerate(copies):
        p = per[c["input"]]
        pg = pages(c["ino"]["size"], page)
        p["cache_bytes_without_sharing"] += pg
        p["saved_bytes_now"] += pg if saved_now[i] else 0
        p["saved_bytes_if_tagged"] += pg if saved_tag[i] else 0
        p["files"] += 1
        p["paths"] += len(c["ino"]["paths"])
        p["data_bytes"] += c["ino"]["size"]
    for p in per:
        p["cache_bytes_now"] = p["cache_bytes_without_sharing"] - p["saved_bytes_now"]
        p["cache_bytes_if_tagged"] = p["cache_bytes_without_sharing"] - p["saved_bytes_if_tagged"]
    totals = {k: sum(p[k] for p in per) for k in per[0]} if per else {}

    groups = {}
    for i, c in enumerate(copies):
        if size_count[c["ino"]["size"]] >= 2:
            groups.setdefault((c["ino"]["sha256"], c["ino"]["size"]), []).append(i)
    groups = {k: v for k, v in groups.items() if len(v) >= 2}
    pair = {(a, b): [0, 0, 0] for a in range(n) for b in range(a + 1, n)}

    def add(members, pg, slot):
        ins = sorted({copies[i]["input"] for i in members})
        for x in range(len(ins)):
            for y in range(x + 1, len(ins)):
                pair[(ins[x], ins[y])][slot] += pg

    for (sha, size), members in groups.items():
        add(members, pages(size, page), 0)
    for slot, shared in ((1, shared_now), (2, shared_tag)):
        for size, members in shared:
            if len(members) >= 2:
                add(members, pages(size, page), slot)
    group_rows = {}
    for (sha, size), members in groups.items():
        group_rows[(sha, size)] = dict(
            page_bytes=pages(size, page), inputs=len({copies[i]["input"] for i in members}),
            saved_bytes_now=sum(pages(size, page) for i in members if saved_now[i]),
            saved_bytes_if_tagged=sum(pages(size, page) for i in members if saved_tag[i]),
            copies=[(copies[i]["input"], copies[i]["ino"]["paths"]) for i in members])
    # Status and reason of every copy of a group.
    status = {}
    reasons = {}
    for (sha, size), members in groups.items():
        for i in members:
            c = copies[i]
            fp = c["ino"]["fp"]
            content = (sha, size)
            now_peers = now_shared[now_of[i]][3] if now_joined[i] else []
            if any(j != i and (copies[j]["ino"]["sha256"], copies[j]["ino"]["size"]) == content for j in now_peers):
                sr = ("shares_now", None)
            elif tag_joined[i] and len(tag_shared[tag_of[i]][3]) >= 2:
                mismatch = fp is not None and len(fp) == 39 and fp[:7] == b"sha256:" and fp[7:].hex() != sha
                if c["view"] is not None:
                    why = c["view"]
                elif mismatch:
                    why = "fingerprint_mismatch"
                elif not now_joined[i]:
                    anchor_io = now_shared[now_of[i]][1]
                    why = class_reason(c["io"], anchor_io) if anchor_io != c["io"] else "fingerprint_collision"
                elif any(j != i and copies[j]["view"] is None and now_items[j][0] != now_items[i][0]
                         for j in tag_shared[tag_of[i]][3]):
                    why = "fingerprint_values_differ"
                elif len(now_peers) > 1:
                    why = "fingerprint_collision"
                else:
                    why = "peer_not_tagged"
                sr = ("would_share_once_tagged", why)
            else:
                anchor, anchor_io = tag_shared[tag_of[i]][0], tag_shared[tag_of[i]][1]
                if anchor != i:
                    why = class_reason(c["io"], anchor_io)
                else:
                    others = [copies[j]["io"] for j in members
                              if j != i and copies[j]["domain"] == c["domain"] and copies[j]["io"] != c["io"]]
                    why = class_reason(c["io"], others[0]) if others else "other_domain"
                sr = ("blocked", why)
            status[(c["input"], c["ino"]["paths"][0])] = sr
            if sr[0] != "shares_now":
                r = reasons.setdefault(sr, [0, 0])
                r[0] += 1
                r[1] += pages(size, page)
    # The copies and shared inodes too, for models built on this one (tests/container/py).
    return dict(totals=totals, inputs=per, pairs=pair, groups=group_rows, status=status, reasons=reasons,
                copies=copies, saved_now=saved_now, saved_tag=saved_tag,
                shared_now=[(now_shared[k][0], size, members) for k, (size, members) in enumerate(shared_now)],
                shared_tag=[(tag_shared[k][0], size, members) for k, (size, members) in enumerate(shared_tag)])


def drift_section(rows, undetermined=0):
    """The drift JSON object for drift path rows: rows sorted (most saved first, ties by path in
    byte order), totals, and the rows summed by parent directory, sorted the same way."""
    rows.sort(key=lambda r: (-r["saved_bytes_if_reproducible"], r["path"].encode()))
    prefixes = {}
    for r in rows:
        pre = r["path"].rsplit("/", 1)[0] or "/"
        x = prefixes.setdefault(pre, {"prefix": pre, "paths": 0, "copies": 0, "page_bytes": 0,
                                      "saved_bytes_if_reproducible": 0})
        x["paths"] += 1
        x["copies"] += len(r["inputs"])
        x["page_bytes"] += r["page_bytes"]
        x["saved_bytes_if_reproducible"] += r["saved_bytes_if_reproducible"]
    pre = sorted(prefixes.values(), key=lambda x: (-x["saved_bytes_if_reproducible"], x["prefix"].encode()))
    return {"path_count": len(rows), "copies": sum(len(r["inputs"]) for r in rows),
            "page_bytes": sum(r["page_bytes"] for r in rows),
            "saved_bytes_if_reproducible": sum(r["saved_bytes_if_reproducible"] for r in rows),
            "undetermined_paths": undetermined, "prefix_count": len(pre), "paths": rows, "prefixes": pre}


def expected_drift(exp, page=4096, assume="order"):
    """The build drift (core/scan/drift.hpp) of the model `expected()` returned: paths in two or
    more inputs whose copies differ, and what they would share if they held one content (per
    domain, in the class the first copy fixes or the best class, copies not sharing once tagged
    save their pages, less one copy's when none shares). Every row (--drift-rows 0)."""
    copies = exp["copies"]
    shares = [False] * len(copies)
    for _, _, members in exp["shared_tag"]:
        if len(members) >= 2:
            for i in members:
                shares[i] = True
    size_count = {}
    for c in copies:
        size_count[c["ino"]["size"]] = size_count.get(c["ino"]["size"], 0) + 1
    by_path = {}
    for i, c in enumerate(copies):
        for p in c["ino"]["paths"]:
            by_path.setdefault(p, []).append(i)

    def bucket_saving(bucket):
        alone = [i for i in bucket if not shares[i]]
        saved = sum(pages(copies[i]["ino"]["size"], page) for i in alone)
        if alone and len(alone) == len(bucket):
            saved -= pages(copies[alone[0]]["ino"]["size"], page)
        return saved

    rows, undetermined = [], 0
    for path, idx in by_path.items():
        if len(idx) < 2:
            continue
        sizes = [copies[i]["ino"]["size"] for i in idx]
        known = {(copies[i]["ino"]["size"], copies[i]["ino"]["sha256"]) for i in idx
                 if size_count[copies[i]["ino"]["size"]] >= 2}
        unknown = sum(1 for i in idx if size_count[copies[i]["ino"]["size"]] < 2)
        if min(sizes) == max(sizes) and len(known) < 2:
            undetermined += 1 if unknown else 0
            continue
        saved = 0
        for domain in sorted({copies[i]["domain"] for i in idx}):
            mine = [i for i in idx if copies[i]["domain"] == domain]
            classes = list(dict.fromkeys(copies[i]["io"] for i in mine))
            savings = [bucket_saving([i for i in mine if copies[i]["io"] == io]) for io in classes]
            saved += savings[0] if assume == "order" else max(savings)
        rows.append({"path": path, "inputs": [copies[i]["input"] for i in idx], "contents": len(known) + unknown,
                     "size_min": min(sizes), "size_max": max(sizes),
                     "page_bytes": sum(pages(s, page) for s in sizes), "saved_bytes_if_reproducible": saved})
    return drift_section(rows, undetermined)


# ---- running scan and comparing -----------------------------------------------------------

def scan(*args, ok=True):
    p = run([ES, "scan", "--no-progress", "--format", "json", *args], ok=ok)
    if not ok:
        return p
    doc = json.loads(p.stdout)
    validate(doc)
    return doc


def validate(doc):
    try:
        import jsonschema
    except ImportError:
        fail("python3 cannot import jsonschema (apt-get install python3-jsonschema)")
    with open(SCHEMA) as f:
        jsonschema.validate(doc, json.load(f))


FIGURES = ["cache_bytes_without_sharing", "cache_bytes_now", "cache_bytes_if_tagged", "saved_bytes_now",
           "saved_bytes_if_tagged"]


def compare(doc, exp, label):
    """Every byte figure in `doc` equals the model's."""
    for k in FIGURES:
        if doc["totals"][k] != exp["totals"][k]:
            fail(f"{label}: totals.{k} = {doc['totals'][k]}, model says {exp['totals'][k]}")
    if doc["totals"]["data_bytes"] != exp["totals"]["data_bytes"]:
        fail(f"{label}: totals.data_bytes {doc['totals']['data_bytes']} != {exp['totals']['data_bytes']}")
    for i, (got, want) in enumerate(zip(doc["inputs"], exp["inputs"])):
        for k in FIGURES + ["files", "paths", "data_bytes"]:
            if got[k] != want[k]:
                fail(f"{label}: inputs[{i}] ({got['name']}).{k} = {got[k]}, model says {want[k]}")
    for p in doc["pairs"]:
        want = exp["pairs"][(p["a"], p["b"])]
        got = [p["common_bytes"], p["shared_bytes_now"], p["shared_bytes_if_tagged"]]
        if got != want:
            fail(f"{label}: pair {p['a']}-{p['b']} = {got}, model says {want}")
    if len(doc["pairs"]) != len(exp["pairs"]):
        fail(f"{label}: {len(doc['pairs'])} pairs, model says {len(exp['pairs'])}")
    got_groups = {(g["sha256"], g["size"]): g for g in doc["groups"]}
    if set(got_groups) != set(exp["groups"]):
        fail(f"{label}: groups differ: scan {sorted(got_groups)} model {sorted(exp['groups'])}")
    for key, want in exp["groups"].items():
        g = got_groups[key]
        for k in ("page_bytes", "inputs", "saved_bytes_now", "saved_bytes_if_tagged"):
            if g[k] != want[k]:
                fail(f"{label}: group {key[0][:12]} {k} = {g[k]}, model says {want[k]}")
        got_copies = [(c["input"], c["paths"]) for c in g["copies"]]
        if got_copies != want["copies"]:
            fail(f"{label}: group {key[0][:12]} copies {got_copies}, model says {want['copies']}")
    if doc["group_count"] != len(exp["groups"]):
        fail(f"{label}: group_count {doc['group_count']} != {len(exp['groups'])}")
    got_status = statuses(doc)
    if got_status != exp["status"]:
        diff = {k: (got_status.get(k), exp["status"].get(k)) for k in set(got_status) | set(exp["status"])
                if got_status.get(k) != exp["status"].get(k)}
        fail(f"{label}: copy statuses differ from the model's (scan, model): {diff}")
    got_reasons = {(r["status"], r["reason"]): [r["copies"], r["bytes"]] for r in doc["reasons"]}
    if got_reasons != exp["reasons"]:
        fail(f"{label}: reasons {got_reasons} differ from the model's {exp['reasons']}")


def statuses(doc):
    """{(input index, first path): (status, reason)} of every copy in a group."""
    out = {}
    for g in doc["groups"]:
        for c in g["copies"]:
            out[(c["input"], c["paths"][0])] = (c["status"], c["reason"])
    return out


def expect_status(doc, label, want):
    got = statuses(doc)
    for key, sr in want.items():
        if got.get(key) != sr:
            fail(f"{label}: copy {key} is {got.get(key)}, expected {sr}")


# ---- the standard trees -------------------------------------------------------------------

def make_trees(root):
    """Three overlapping trees A, B, C; returns their paths. Sizes are chosen to exercise page
    rounding (4096 exactly, 1 page + a bit), size twins with different content, hard links,
    duplicates inside one tree, compressible and incompressible data."""
    common = {"etc/common.conf": text(1, 100), "lib/libbig.so": text(2, 150000)}
    pn = {f"pn/{n}.txt": text(10 + i, 2000 + i) for i, n in enumerate(["hid", "mis", "dif", "col", "miss", "emp"])}
    a = dict(common, **pn)
    a.update({"bin/rand.bin": noise(3, 30000), "share/dup1.txt": text(4, 5000), "share/dup2.txt": text(4, 5000),
              "a-only.txt": text(5, 4096), "sizetwin": text(6, 777), "empty": b"", "pn/claimer.txt": text(16, 3000),
              "tagged-only.txt": text(17, 6000)})
    b = dict(common, **pn)
    b.update({"bin/rand.bin": noise(3, 30000), "sizetwin": text(7, 777), "b-only.bin": noise(8, 12345),
              "tagged-only.txt": text(17, 6000)})
    c = dict(common)
    c.update({"c-only.txt": text(9, 100000), "share/dup1.txt": text(4, 5000)})
    paths = {}
    for name, files, links in (("A", a, [("lib/libbig-link.so", "lib/libbig.so")]), ("B", b, []), ("C", c, [])):
        p = os.path.join(root, name)
        write_tree(p, files, links, [("link", "etc/common.conf")])
        paths[name] = p
    return paths
