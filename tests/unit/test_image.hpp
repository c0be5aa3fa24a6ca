// TestImage: a test-only EROFS image builder. It writes a superblock, inodes, dirent blocks and
// xattrs into a byte vector so a unit test can make exactly one corruption and assert the full
// error text (house style example 14). No binary fixtures are committed.
#pragma once

#include <exception>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/erofs/image.hpp"
#include "core/erofs/ondisk.hpp"
#include "core/util/ints.hpp"

namespace test {

using core::u16;
using core::u32;
using core::u64;
using core::u8;
namespace od = core::erofs::ondisk;

struct Dent {
  std::string name;
  u64 nid = 0;
  u8 file_type = od::k_ft_reg_file;
};

// The fields of an inode core; add_inode() encodes them as a compact or extended inode.
struct InodeSpec {
  u16 mode = 0100644;
  u64 size = 0;
  unsigned layout = od::k_layout_flat_plain;
  bool extended = false;
  u16 extra_format = 0;  // OR-ed into i_format (e.g. NLINK_1 / DOT_OMITTED)
  u16 xattr_icount = 0;
  u32 i_u = 0;           // startblk / rdev / chunk format
  u16 i_nb = 1;          // compact: nlink (or startblk_hi with NLINK_1)
  u32 nlink = 1;         // extended only
  u32 uid = 0, gid = 0;
  u32 mtime = 0;         // compact: relative to sb.epoch; extended: absolute
};

class TestImage {
public:
  explicit TestImage(unsigned blkszbits = 12, u32 meta_blkaddr = 1);

  od::SuperBlock sb{};          // written at byte 1024 by build()
  bool fix_checksum = true;     // build() stores the right CRC when SB_CHKSUM is set

  u64 block_size() const { return u64(1) << sb.blkszbits; }
  u64 inode_pos(u64 nid) const { return u64(u32(sb.meta_blkaddr)) * block_size() + nid * 32; }

  // Raw bytes at an absolute offset; the image grows as needed.
  void write(u64 off, std::span<const u8> data);
  void write(u64 off, const std::string& s);
  void put8(u64 off, u8 v);
  void put16(u64 off, u16 v);
  void put32(u64 off, u32 v);
  void put64(u64 off, u64 v);
  // Makes the image at least `size` bytes long.
  void reserve(u64 size);

  // Encodes an inode at `nid`; returns its byte offset.
  u64 add_inode(u64 nid, const InodeSpec& spec);

  // The bytes of one directory block holding `entries` in the given order (no padding).
  static std::vector<u8> dir_block(const std::vector<Dent>& entries);
  // An xattr entry (header, name, value) padded to 4 bytes.
  static std::vector<u8> xattr_entry(u8 name_index, const std::string& name, const std::string& value);
  // An ibody: header with `shared` ids, then the already encoded inline entries.
  static std::vector<u8> xattr_ibody(const std::vector<u32>& shared, const std::vector<u8>& entries,
                                     u32 name_filter = 0);
  // i_xattr_icount for an ibody of `isize` bytes.
  static u16 icount_for(u64 isize) { return isize ? static_cast<u16>((isize - 12) / 4 + 1) : 0; }

  // The finished image: padded to whole blocks, blocks_lo set, checksum stored.
  std::vector<u8> build() const;

private:
  std::vector<u8> m_bytes;
};

// A small valid image that most tests start from (bs 4096, meta_blkaddr 1, one long prefix
// "trusted.overlay." in a plain table, shared xattrs at block 3):
//   /              nid 4   dir, inline dirents          (byte 0x1080, dirents at 0x10a0)
//   /a             nid 16  file "hello", inline         (byte 0x1200)
//   /big           nid 20  file 5000 bytes, flat_plain at block 4
//   /chunked       nid 36  extended, chunk indexes, 10000 bytes: block 7, hole, block 7
//   /dev           nid 40  char device 1:3
//   /sub           nid 24  dir, flat_plain at block 6
//   /sub/link      nid 28  symlink -> "../a", inline
//   /x             nid 32  file "xyz" with xattrs: shared trusted.s=1 (id 0),
//                          inline user.k=v and trusted.overlay.opaque=y
struct Sample {
  Sample();

  TestImage img;
  static constexpr u64 k_root = 4, k_a = 16, k_big = 20, k_sub = 24, k_link = 28, k_x = 32, k_chunked = 36,
                       k_dev = 40;
  u64 root_dirents = 0;     // byte offset of the root's inline dirent block
  u64 sub_block = 0;        // byte offset of /sub's dirent block
  u64 x_ibody = 0;          // byte offset of /x's xattr ibody
  u64 chunk_indexes = 0;    // byte offset of /chunked's chunk index array
  u64 shared_xattrs = 0;    // byte offset of shared xattr id 0
  u64 prefix_table = 0;     // byte offset of the long prefix table

  // Rewrites the root's inline dirents (and i_size) from `entries`.
  void set_root(const std::vector<Dent>& entries);
  // The standard root entries.
  std::vector<Dent> root_entries() const;
  // Rewrites /sub's dirent block (and i_size) from `entries`.
  void set_sub(const std::vector<Dent>& entries);
  std::vector<Dent> sub_entries() const;
};

// Low limits so tests stay fast.
core::erofs::OpenOptions test_options();

// Runs `fn` and returns the what() of the exception of type E it throws; records a failure and
// returns "" if it throws nothing or something else.
template <class E, class F>
std::string error_of(F&& fn) {
  try {
    fn();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "unexpected exception type: " << e.what();
    return "";
  }
  ADD_FAILURE() << "no exception thrown";
  return "";
}

// Opens `bytes` and runs inspect with digests: everything `erofs-share inspect --digest` does.
void open_and_inspect(const std::vector<u8>& bytes);

}  // namespace test
