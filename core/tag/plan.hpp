// The new metadata of one inode, planned before anything is written: its raw core (patched
// later with the new layout, address and xattr count), its new xattr ibody, and the bytes that
// follow the ibody (inline tail, chunk map, compressed indexes with ztailpacking data).
#pragma once

#include <string>
#include <vector>

#include "core/erofs/inode.hpp"
#include "core/erofs/xattr.hpp"
#include "core/util/ints.hpp"

namespace core::erofs {
class Image;
}

namespace core::tag {

struct InodePlan {
  erofs::Inode ino;                                  // as read from the input
  std::string path;                                  // first path it was reached by ("" for the packed inode)
  std::vector<u8> core;                              // raw inode core (32 or 64 bytes)
  std::vector<u8> ibody;                             // the new xattr ibody (empty: none)
  std::vector<u8> blob;                              // bytes after the ibody, copied with their relative alignment
  u64 inline_off = 0;                                // [inline_off, inline_off + inline_len) of blob must stay within
  u64 inline_len = 0;                                //   one block (FLAT_INLINE tail, ztailpacking pcluster)
  erofs::Layout layout = erofs::Layout::flat_plain;  // the output layout
  // Bytes to store in new data blocks: directory content (nids patched after placement) or an
  // inline tail moved out of the metadata. new_blocks blocks are allocated for them.
  std::vector<u8> data;
  u64 new_blocks = 0;
  u64 data_blk = 0;  // first allocated data block
  bool dir = false;
  bool tail_moved = false;
  u16 chunk_format = 0;  // i_u of a layout this writer made CHUNK_BASED
  u64 new_pos = 0;       // absolute byte of the inode in the output
  u64 new_nid = 0;
  u64 extent() const { return core.size() + ibody.size() + blob.size(); }
};

// The fingerprint to write: full name split as the xattr lookup sees it (§4.6, §6.1).
struct FingerprintName {
  std::string full;
  u8 base_index = 0;
  std::string infix;
  u8 prefix_id = 0;  // index in the output's long-prefix table
};

// Splits `full` into the longest matching built-in prefix index and the rest (index 0 if none).
FingerprintName split_xattr_name(const std::string& full);

// Plans `ino` without fingerprint changes: copies core, ibody and the bytes after it.
// Throws CorruptImage or Unsupported (metabox inodes, encoded extents).
InodePlan plan_inode(const erofs::Image& image, const erofs::Inode& ino);

// Replaces the ibody of `plan` so that it carries `value` under `name` (dropping inline entries
// that resolve to the same name) and clears the name's filter bit when XATTR_FILTER is on;
// pads with empty entries so the bytes after the ibody keep their alignment mod 32. Returns
// false, leaving `plan` as it was, if the new ibody would exceed i_xattr_icount's 16 bits.
bool set_fingerprint(const erofs::Image& image, InodePlan& plan, const FingerprintName& name,
                     const std::vector<u8>& value);

// Only clears the filter bit of `name` (the right fingerprint is there but filtered out).
void clear_filter_bit(const erofs::Image& image, InodePlan& plan, const FingerprintName& name);

// Moves the FLAT_INLINE tail of a regular file into `data` (one new block): the file becomes
// FLAT_PLAIN if the tail was its only block, else CHUNK_BASED with a 4-byte block map.
void move_tail_out(const erofs::Image& image, InodePlan& plan);

// Writes the final core fields: layout, xattr count, start block (flat layouts with new data).
void finish_core(const erofs::Image& image, InodePlan& plan);

}  // namespace core::tag

namespace core::tag {

// Sidecar images (§6.9): the data of `plan` (a regular file or symlink of an uncompressed
// image) stays on the input, attached as extra device 1. Regular files become CHUNK_BASED with
// 8-byte chunk indexes naming device 1 and the original blocks (chunks as large as the data's
// contiguity allows); an inline tail after full blocks, and the target of a non-inline
// symlink, move to new blocks of the sidecar (device 0). Throws Unsupported for compressed
// inodes: their pclusters carry no device id (§5).
void to_device_chunks(const erofs::Image& image, InodePlan& plan);

}  // namespace core::tag
