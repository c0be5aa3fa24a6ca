#include "core/erofs/inode.hpp"

#include <sys/stat.h>

#include <fmt/format.h>

#include "core/erofs/image.hpp"
#include "core/erofs/ondisk.hpp"

namespace core::erofs {

namespace od = ondisk;

const char* layout_name(Layout layout) {
  switch (layout) {
    case Layout::flat_plain: return "flat_plain";
    case Layout::compressed_full: return "compressed_full";
    case Layout::flat_inline: return "flat_inline";
    case Layout::compressed_compact: return "compressed_compact";
    case Layout::chunk_based: return "chunk_based";
  }
  return "unknown";
}

const char* file_type_name(FileType type) {
  switch (type) {
    case FileType::file: return "file";
    case FileType::dir: return "dir";
    case FileType::symlink: return "symlink";
    case FileType::chardev: return "chardev";
    case FileType::blockdev: return "blockdev";
    case FileType::fifo: return "fifo";
    case FileType::socket: return "socket";
  }
  return "unknown";
}

namespace {

FileType type_of_mode(u16 mode, const util::ByteView& v, u64 at, const Where& ctx) {
  switch (mode & S_IFMT) {
    case S_IFREG: return FileType::file;
    case S_IFDIR: return FileType::dir;
    case S_IFLNK: return FileType::symlink;
    case S_IFCHR: return FileType::chardev;
    case S_IFBLK: return FileType::blockdev;
    case S_IFIFO: return FileType::fifo;
    case S_IFSOCK: return FileType::socket;
    default: v.fail("bogus i_mode", at, ctx);
  }
}

// Checks the layout-specific fields that the data readers rely on. Only what the kernel
// checks when it loads an inode (erofs_read_inode) or maps its data is rejected; see
// core/erofs/kernel-rules.md. The kernel never reads the data of special files, so their
// layout and size are not checked.
void validate_layout(const Image& img, Inode& ino, const util::ByteView& v, const Where& ctx) {
  const SuperInfo& sb = img.sb();
  if (ino.layout == Layout::chunk_based) {
    // Checked for every file type, as erofs_read_inode does. No chunked_file feature check:
    // the kernel makes none, and mkfs --tar=i writes chunk-based inodes without the bit.
    if (ino.chunk_format & ~od::k_chunk_format_known)
      throw Unsupported(fmt::format("unsupported chunk format {:#x}", ino.chunk_format), v.at(ino.pos + 0x10, ctx));
  }
  const bool has_data = ino.type == FileType::file || ino.type == FileType::dir || ino.type == FileType::symlink;
  if (has_data && ino.is_compressed() && !sb.compressed_capable)
    v.fail("compressed inode in a plain (uncompressed) filesystem", ino.pos, ctx);
}

}  // namespace

Inode read_inode(const Image& img, u64 nid) {
  const SuperInfo& sb = img.sb();
  Where ctx;
  ctx.nid = nid;
  Inode ino;
  ino.nid = nid;
  ino.in_metabox = (nid & od::k_nid_metabox_bit) != 0;
  if (ino.in_metabox && !sb.has_incompat(od::k_incompat_metabox))
    throw CorruptImage("metabox nid in an image without metabox", ctx);
  const util::ByteView& v = img.meta_space(ino.in_metabox);
  u64 slot = nid & ~od::k_nid_metabox_bit;
  if (slot > (u64(1) << 58)) throw CorruptImage("nid out of range", ctx);
  u64 base = ino.in_metabox ? 0 : sb.meta_base();
  ino.pos = base + (slot << od::k_islotbits);
  if (ino.pos < base) throw CorruptImage("nid out of range", ctx);

  auto c = v.read<od::InodeCompact>(ino.pos, "inode outside the image", ctx);
  ino.format = c.i_format;
  if (ino.format & ~od::k_inode_format_known)
    throw Unsupported(fmt::format("unsupported i_format {:#x}", ino.format), v.at(ino.pos, ctx));
  ino.extended = (ino.format & od::k_inode_version_mask) != 0;
  unsigned layout = (ino.format >> od::k_inode_layout_shift) & od::k_inode_layout_mask;
  if (layout > od::k_layout_chunk_based)
    throw Unsupported(fmt::format("unsupported data layout {}", layout), v.at(ino.pos, ctx));
  ino.layout = static_cast<Layout>(layout);
  ino.mode = c.i_mode;
  ino.type = type_of_mode(ino.mode, v, ino.pos + 4, ctx);
  u16 icount = c.i_xattr_icount;
  ino.xattr_isize = icount ? 12 + 4 * (u32(icount) - 1) : 0;
  u32 i_u = c.i_u;
  u64 hi = 0;  // bits 32..47 of startblk / blocks when present
  if (ino.extended) {
    ino.inode_size = 64;
    auto e = v.read<od::InodeExtended>(ino.pos, "inode outside the image", ctx);
    i64 size = static_cast<i64>(u64(e.i_size));
    if (size < 0) v.fail("negative i_size", ino.pos + 8, ctx);
    ino.size = static_cast<u64>(size);
    ino.uid = e.i_uid;
    ino.gid = e.i_gid;
    ino.mtime = static_cast<i64>(u64(e.i_mtime));
    ino.mtime_nsec = e.i_mtime_nsec;
    ino.nlink = e.i_nlink;
    ino.ino = e.i_ino;
    hi = u16(e.i_nb);
  } else {
    ino.inode_size = 32;
    ino.size = u32(c.i_size);
    ino.uid = u16(c.i_uid);
    ino.gid = u16(c.i_gid);
    // Wraps like the kernel's arithmetic; a hostile epoch must not overflow a signed add.
    ino.mtime = static_cast<i64>(u64(sb.epoch) + u32(c.i_mtime));
    ino.mtime_nsec = sb.fixed_nsec;
    ino.ino = c.i_ino;
    bool nlink_1 = ino.type != FileType::dir && (ino.format & od::k_inode_nlink_1);
    if (nlink_1) {
      ino.nlink = 1;
      hi = u16(c.i_nb);
    } else {
      ino.nlink = u16(c.i_nb);
    }
  }
  v.require(ino.pos, ino.meta_end() - ino.pos, "inode metadata outside the image", ctx);
  if (ino.type == FileType::dir) ino.dot_omitted = (ino.format & od::k_inode_dot_omitted) != 0;
  if (!sb.has_incompat(od::k_incompat_48bit)) hi = 0;

  switch (ino.layout) {
    case Layout::flat_plain:
    case Layout::flat_inline: {
      if (ino.type == FileType::chardev || ino.type == FileType::blockdev) {
        ino.rdev = i_u;
        break;
      }
      u64 blk = u64(i_u) | (hi << 32);
      u64 mask = hi ? ((u64(1) << 48) - 1) : 0xFFFFFFFFull;
      // The kernel treats an all-ones start block as "no blocks" for layout 0 only; a layout-2
      // inode's start block is used as is (and ignored when all its data is inline).
      ino.startblk_null = ino.layout == Layout::flat_plain && ((blk & mask) == mask || (!hi && i_u == 0xFFFFFFFFu));
      ino.startblk = blk;
      break;
    }
    case Layout::compressed_full:
    case Layout::compressed_compact: ino.compressed_blocks = u64(i_u) | (hi << 32); break;
    case Layout::chunk_based: ino.chunk_format = static_cast<u16>(i_u & 0xFFFF); break;
  }
  // The kernel takes a device number from i_u whatever the layout says.
  if (ino.type == FileType::chardev || ino.type == FileType::blockdev) ino.rdev = i_u;
  validate_layout(img, ino, v, ctx);
  return ino;
}

}  // namespace core::erofs
