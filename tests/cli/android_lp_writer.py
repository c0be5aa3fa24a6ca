"""A small writer of Android super images (LP metadata, format 10.0) for tests.

Written from the format facts of AOSP's liblp (metadata_format.h): 4096 reserved bytes, the
geometry at 4096 and its backup at 8192 (SHA-256 over the 52-byte struct with the checksum
zeroed), then metadata_slot_count slots of metadata_max_size bytes and a backup of each; a slot
is the 128-byte header (SHA-256 over it with its checksum zeroed, SHA-256 of the tables) followed
by the partition, extent, group and block device tables; extents are 512-byte sectors on block
device 0, the super device itself.

write_super(path, partitions, slots=2) where partitions is a list of (name, [bytes, ...]): each
bytes object becomes one linear extent, 1 MiB aligned. Returns a dict of offsets the hostile
tests rewrite. corrupt(...) helpers re-sign what they change unless told not to.
"""
import hashlib
import struct

SECTOR = 512
GEOMETRY_MAGIC = 0x616C4467
HEADER_MAGIC = 0x414C5030
MAX_SIZE = 65536
ALIGN = 1 << 20


def geometry(max_size, slots, block_size=4096):
    body = struct.pack("<II32sIII", GEOMETRY_MAGIC, 52, b"\0" * 32, max_size, slots, block_size)
    digest = hashlib.sha256(body).digest()
    return (body[:8] + digest + body[40:]).ljust(4096, b"\0")


def metadata(partitions, extents, groups, devices):
    """partitions: (name, attributes, first_extent, num_extents, group); extents: (sectors,
    type, target, source); groups: (name, flags, max); devices: (first_sector, align, align_off,
    size, name, flags)."""
    pt = b"".join(struct.pack("<36sIIII", n.encode(), a, f, k, g) for n, a, f, k, g in partitions)
    et = b"".join(struct.pack("<QIQI", *e) for e in extents)
    gt = b"".join(struct.pack("<36sIQ", n.encode(), f, m) for n, f, m in groups)
    dt = b"".join(struct.pack("<QIIQ36sI", s, a, o, z, n.encode(), f) for s, a, o, z, n, f in devices)
    tables = pt + et + gt + dt
    desc = struct.pack("<III", 0, len(partitions), 52)
    desc += struct.pack("<III", len(pt), len(extents), 24)
    desc += struct.pack("<III", len(pt) + len(et), len(groups), 48)
    desc += struct.pack("<III", len(pt) + len(et) + len(gt), len(devices), 64)
    head = struct.pack("<IHHI32sI32s", HEADER_MAGIC, 10, 0, 128, b"\0" * 32, len(tables),
                       hashlib.sha256(tables).digest()) + desc
    assert len(head) == 128
    head = head[:12] + hashlib.sha256(head).digest() + head[44:]
    return head + tables


def sign_slot(buf, off):
    """Recomputes the checksums of the slot at `off` after a test changed its bytes."""
    header_size, = struct.unpack_from("<I", buf, off + 8)
    tables_size, = struct.unpack_from("<I", buf, off + 44)
    tables = bytes(buf[off + header_size: off + header_size + tables_size])
    buf[off + 48: off + 80] = hashlib.sha256(tables).digest()
    buf[off + 12: off + 44] = b"\0" * 32
    buf[off + 12: off + 44] = hashlib.sha256(bytes(buf[off: off + header_size])).digest()


def slot_offsets(slots, max_size=MAX_SIZE):
    first = 4096 + 2 * 4096
    return [first + i * max_size for i in range(2 * slots)]  # primaries, then backups


def write_super(path, partitions, slots=2):
    meta_end = 4096 + 2 * 4096 + 2 * slots * MAX_SIZE
    data_start = (meta_end + ALIGN - 1) // ALIGN * ALIGN
    at = data_start
    parts, extents, placed = [], [], []
    for name, pieces in partitions:
        first = len(extents)
        for piece in pieces:
            assert len(piece) % SECTOR == 0
            extents.append((len(piece) // SECTOR, 0, at // SECTOR, 0))
            placed.append((at, piece))
            at = (at + len(piece) + ALIGN - 1) // ALIGN * ALIGN
        parts.append((name, 1, first, len(pieces), 0))  # READONLY, group "default"
    size = at
    devices = [(data_start // SECTOR, ALIGN, 0, size, "super", 0)]
    md = metadata(parts, extents, [("default", 0, 0)], devices)
    assert len(md) <= MAX_SIZE
    buf = bytearray(size)
    g = geometry(MAX_SIZE, slots)
    buf[4096:8192] = g
    buf[8192:12288] = g
    for off in slot_offsets(slots):
        buf[off: off + len(md)] = md
    for off, piece in placed:
        buf[off: off + len(piece)] = piece
    with open(path, "wb") as f:
        f.write(buf)
    return {"slots": slot_offsets(slots), "tables": 128, "extents_at": 128 + 52 * len(parts),
            "data_start": data_start, "size": size}
