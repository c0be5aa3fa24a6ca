// The decoded inode and the one function that validates and decodes an on-disk inode.
#pragma once

#include <string>

#include "core/util/ints.hpp"

namespace core::erofs {

class Image;

enum class Layout : u8 { flat_plain = 0, compressed_full = 1, flat_inline = 2, compressed_compact = 3, chunk_based = 4 };
enum class FileType : u8 { file, dir, symlink, chardev, blockdev, fifo, socket };

const char* layout_name(Layout layout);      // "flat_plain", "flat_inline", ...
const char* file_type_name(FileType type);   // "file", "dir", "symlink", ...

struct Inode {
  u64 nid = 0;
  bool in_metabox = false;  // lives in the metabox stream (nid bit 63)
  u64 pos = 0;              // byte offset of the inode in its metadata space
  bool extended = false;
  u32 inode_size = 32;
  Layout layout = Layout::flat_plain;
  u16 format = 0;           // raw i_format
  FileType type = FileType::file;
  u16 mode = 0;             // full st_mode
  u64 size = 0;
  u32 nlink = 1;
  u32 uid = 0;
  u32 gid = 0;
  i64 mtime = 0;
  u32 mtime_nsec = 0;
  u32 ino = 0;
  u32 xattr_isize = 0;
  u64 startblk = 0;         // layouts 0/2: first data block (48-bit capable)
  bool startblk_null = false;  // layouts 0/2: all-ones start block, no blocks
  u64 compressed_blocks = 0;   // layouts 1/3
  u16 chunk_format = 0;        // layout 4
  u32 rdev = 0;                // device nodes, Linux "new" encoding
  bool dot_omitted = false;    // directories: "." not stored

  bool is_compressed() const { return layout == Layout::compressed_full || layout == Layout::compressed_compact; }
  u64 xattr_pos() const { return pos + inode_size; }
  // First byte after the inode core and its xattr ibody (inline data, indexes).
  u64 meta_end() const { return pos + inode_size + xattr_isize; }
  unsigned rdev_major() const { return (rdev >> 8) & 0xFFF; }
  unsigned rdev_minor() const { return (rdev & 0xFF) | ((rdev >> 12) & 0xFFF00); }
};

// Reads and validates the inode `nid` of `image`. Throws CorruptImage (with the nid and byte
// offset) or Unsupported.
Inode read_inode(const Image& image, u64 nid);

}  // namespace core::erofs
