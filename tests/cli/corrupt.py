#!/usr/bin/env python3
"""Corrupts one field of an uncompressed EROFS image in place, for corrupt-image-error-has-location.sh.

usage: corrupt.py IMAGE WHAT    WHAT: root-dirent | root-inode | child-inode

Only bytes outside block 0 are changed (the test tree is big enough for its inodes and the
root's dirent blocks to live there), so the superblock checksum stays valid. Prints
"NID BYTE": the nid the error must name and the absolute byte offset of the changed field
(for root-dirent, the offset inside the directory block).
"""
import struct
import sys

path, what = sys.argv[1], sys.argv[2]
img = bytearray(open(path, "rb").read())
SB = 1024
bs = 1 << img[SB + 12]
root_nid = struct.unpack_from("<H", img, SB + 14)[0]
meta_blkaddr = struct.unpack_from("<I", img, SB + 40)[0]


def inode_pos(nid):
    return meta_blkaddr * bs + nid * 32


root = inode_pos(root_nid)
i_format = struct.unpack_from("<H", img, root)[0]
layout = (i_format >> 1) & 7
dir_blk = struct.unpack_from("<I", img, root + 16)[0]  # i_u: raw_blkaddr (layouts 0 and 2)
if layout not in (0, 2) or dir_blk == 0xFFFFFFFF:
    sys.exit(f"corrupt.py: root of {path} has layout {layout} and no data block")
first = dir_blk * bs
if root < bs or first < bs:
    sys.exit(f"corrupt.py: {path}: root inode or dirents in block 0; make a bigger tree")

if what == "root-dirent":
    struct.pack_into("<H", img, first + 8, 13)  # nameoff of the first dirent: not a multiple of 12
    with open(path, "wb") as f:
        f.write(img)
    print(root_nid, 8)
    sys.exit(0)
if what == "root-inode":
    nid = root_nid
elif what == "child-inode":
    nameoff = struct.unpack_from("<H", img, first + 8)[0]
    # The first entry that is not "." or "..".
    for i in range(nameoff // 12):
        e_nid, e_off = struct.unpack_from("<QH", img, first + 12 * i)
        end = struct.unpack_from("<H", img, first + 12 * (i + 1) + 8)[0]
        if img[first + e_off:first + end] not in (b".", b".."):
            nid = e_nid
            break
else:
    sys.exit(f"corrupt.py: unknown WHAT {what}")
at = inode_pos(nid) + 4                    # i_mode, same offset in both inode formats
struct.pack_into("<H", img, at, 0)         # no file type: "bogus i_mode"
with open(path, "wb") as f:
    f.write(img)
print(nid, at)
