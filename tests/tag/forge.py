"""Hand-made EROFS images for the hostile tag cases (issue #13), written byte by byte from the
format (block size 4096, compact inodes, no checksum). Each is a valid image: fsck.erofs
accepts it. Used by tag_test.py."""
import struct

BS = 4096
SB_OFF = 1024


def _inode(mode, layout, size, nlink, icount, i_u, ino):
    # Compact inode (§2.3): i_format, i_xattr_icount, i_mode, i_nb, i_size, i_mtime, i_u, i_ino,
    # i_uid, i_gid, reserved.
    return struct.pack("<HHHHIIIIHHI", layout << 1, icount, mode, nlink, size, 0, i_u, ino, 0, 0, 0)


def _superblock(blocks, root_nid, inos, meta_blkaddr, xattr_blkaddr, incompat=0, extra_devices=0, devt_slotoff=0):
    return struct.pack("<IIIBBHQQIIII16s16sIHHHBB", 0xE0F5E1E2, 0, 0, 12, 0, root_nid, inos, 0, 0, blocks,
                       meta_blkaddr, xattr_blkaddr, bytes(range(16)), b"forge", incompat, 0, extra_devices,
                       devt_slotoff, 0, 0)


def _dir_blocks(entries):
    """Directory content (§3.1) for sorted (name, nid, file_type) entries: blocks of dirents
    then names, no dirent straddling a block. Returns the bytes (last block not padded)."""
    blocks, cur = [], []

    def size(es):
        return 12 * len(es) + sum(len(n) for n, _, _ in es)

    for e in entries:
        if cur and size(cur + [e]) > BS:
            blocks.append(cur)
            cur = []
        cur.append(e)
    blocks.append(cur)
    out = bytearray()
    for k, es in enumerate(blocks):
        off = 12 * len(es)
        ds, names = b"", b""
        for n, nid, ft in es:
            ds += struct.pack("<QHBB", nid, off + len(names), ft, 0)
            names += n
        blk = ds + names
        if k + 1 < len(blocks):
            blk += b"\0" * (BS - len(blk))
        out += blk
    return bytes(out)


def icount_image(path, data=b"hello world\n" * 8):
    """Root directory and one regular file whose xattr ibody is the largest there is:
    i_xattr_icount 65535 (12 + 4 * 65534 bytes of inline user.* entries)."""
    img = bytearray(BS)
    root = _dir_blocks([(b".", 0, 2), (b"..", 0, 2), (b"f", 4, 1)])
    meta = bytearray(_inode(0o40755, 2, len(root), 2, 0, 0xFFFFFFFF, 1) + root)
    meta += b"\0" * (128 - len(meta))
    ibody = bytearray(struct.pack("<IB7x", 0, 0))
    for k, v in enumerate((65528, 65528, 65528, 65522)):
        name = b"a%d" % k
        e = struct.pack("<BBH", len(name), 1, v) + name + bytes([65 + k]) * v
        ibody += e + b"\0" * (-len(e) % 4)
    assert len(ibody) == 12 + 4 * (65535 - 1)
    data_blk = -(-(BS + len(meta) + 32 + len(ibody)) // BS)
    meta += _inode(0o100644, 0, len(data), 1, 65535, data_blk, 2) + ibody
    img += meta
    img += b"\0" * (data_blk * BS - len(img))
    img += data + b"\0" * (-len(data) % BS)
    img[SB_OFF:SB_OFF + 92] = _superblock(len(img) // BS, 0, 2, 1, 0)
    open(path, "wb").write(img)


def shared_xattr_links_image(path, inodes=2000, shared=255, value_size=60000, links=5):
    """Amplification: `inodes` regular files, each referencing all `shared` shared xattrs of
    `value_size` bytes and reached through `links` hard links from the root directory. All
    files share one data block. The image is a few MB; the xattr bytes it names are
    inodes * shared * value_size."""
    img = bytearray(BS)
    # Shared xattr area at block 1 (§4.2): ids are 4-byte units from its start.
    area, ids = bytearray(), []
    for k in range(shared):
        name = b"s%03d" % k
        e = struct.pack("<BBH", len(name), 1, value_size) + name + bytes([k & 0xFF]) * value_size
        ids.append(len(area) // 4)
        area += e + b"\0" * (-len(e) % 4)
    xattr_blk = 1
    img += area + b"\0" * (-len(area) % BS)
    meta_blk = len(img) // BS
    ibody = struct.pack("<IB7x", 0, shared) + b"".join(struct.pack("<I", i) for i in ids)
    slot = -(-(32 + len(ibody)) // 32)  # 32-byte slots per file inode
    names = sorted((b"f%05d-%d" % (i, k), i) for i in range(inodes) for k in range(links))
    # Root at nid 0, flat_plain directory in blocks after the inodes; files from nid 1 on.
    file_nid = lambda i: 1 + i * slot
    entries = [(b".", 0, 2), (b"..", 0, 2)] + [(n, file_nid(i), 1) for n, i in names]
    root = _dir_blocks(entries)
    meta_bytes = 32 + inodes * slot * 32
    dir_blk = meta_blk + -(-meta_bytes // BS)
    data_blk = dir_blk + -(-len(root) // BS)
    meta = bytearray(_inode(0o40755, 0, len(root), 2, 0, dir_blk, 1))
    for i in range(inodes):
        ino = _inode(0o100644, 0, 100, links, 1 + len(ibody) // 4 - 3, data_blk, 2 + i) + ibody
        meta += ino + b"\0" * (slot * 32 - len(ino))
    img += meta + b"\0" * ((dir_blk - meta_blk) * BS - len(meta))
    img += root + b"\0" * (-len(root) % BS)
    img += b"file content\n" * 7 + b"\0" * (BS - 91)
    img[SB_OFF:SB_OFF + 92] = _superblock(len(img) // BS, 0, 1 + inodes, meta_blk, xattr_blk)
    open(path, "wb").write(img)


def far_unified_image(path, uniaddr=0xFFFFFF00, dev_blocks=0x1000):
    """One extra device whose device-table slot claims a unified range far beyond the image
    (uniaddr near 2^32 blocks); all file data is on the primary device (device 0)."""
    img = bytearray(BS)
    root = _dir_blocks([(b".", 0, 2), (b"..", 0, 2), (b"f", 4, 1)])
    meta = bytearray(_inode(0o40755, 2, len(root), 2, 0, 0xFFFFFFFF, 1) + root)
    meta += b"\0" * (128 - len(meta))
    data = b"data on the primary device\n" * 10
    meta += _inode(0o100644, 0, len(data), 1, 0, 2, 2)
    img += meta + b"\0" * (BS - len(meta))
    img += data + b"\0" * (BS - len(data))
    # Device table right after the superblock (slot offset 1152 = 9 * 128): tag, blocks, uniaddr.
    slot = bytearray(128)
    slot[0:5] = b"blob0"
    struct.pack_into("<II", slot, 0x40, dev_blocks, uniaddr)
    img[1152:1280] = slot
    img[SB_OFF:SB_OFF + 92] = _superblock(len(img) // BS, 0, 2, 1, 0, incompat=0x8, extra_devices=1,
                                           devt_slotoff=9)
    open(path, "wb").write(img)


def special_layout_image(path):
    """A character device whose inode says i_size 100 (layout 2, inline), next to a regular
    file: the kernel never maps a special file's data, so neither field matters (fsck.erofs
    accepts it)."""
    img = bytearray(BS)
    root = _dir_blocks([(b".", 0, 2), (b"..", 0, 2), (b"c", 4, 3), (b"f", 5, 1)])
    meta = bytearray(_inode(0o40755, 2, len(root), 2, 0, 0xFFFFFFFF, 1) + root)
    meta += b"\0" * (128 - len(meta))
    rdev = (1 << 8) | 3  # 1:3, new encoding
    meta += _inode(0o20644, 2, 100, 1, 0, rdev, 2)
    data = b"regular data\n" * 20
    meta += _inode(0o100644, 0, len(data), 1, 0, 2, 3)
    img += meta + b"\0" * (BS - len(meta))
    img += data + b"\0" * (BS - len(data))
    img[SB_OFF:SB_OFF + 92] = _superblock(len(img) // BS, 0, 3, 1, 0)
    open(path, "wb").write(img)
