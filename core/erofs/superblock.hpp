// The decoded superblock (ImageInfo) and the one function that validates and decodes it.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "core/util/byte_view.hpp"
#include "core/util/ints.hpp"

namespace core::erofs {

struct DeviceInfo {
  std::string tag;  // printable part of the 64-byte tag
  u64 blocks = 0;
  u64 uniaddr = 0;  // first block in the unified address space, 0 = unmapped
};

struct SuperInfo {
  u32 feature_compat = 0;
  u32 feature_incompat = 0;
  unsigned blkszbits = 12;
  u32 block_size = 4096;
  u32 sb_size = 128;
  u64 root_nid = 0;
  u64 inos = 0;
  i64 epoch = 0;
  u32 fixed_nsec = 0;
  u32 build_time = 0;
  u64 blocks = 0;  // primary-device blocks
  u64 meta_blkaddr = 0;
  u64 xattr_blkaddr = 0;
  std::array<u8, 16> uuid{};
  std::string volume_name;
  u16 available_compr_algs = 0;  // with COMPR_CFGS
  u16 lz4_max_distance = 0;      // without COMPR_CFGS
  u8 xattr_prefix_count = 0;
  u32 xattr_prefix_start = 0;
  u64 packed_nid = 0;
  u8 xattr_filter_reserved = 0;
  u8 ishare_xattr_prefix_id = 0;
  u64 metabox_nid = 0;
  u32 checksum = 0;
  std::vector<DeviceInfo> devices;
  bool compressed_capable = false;  // compressed inodes are legal in this image

  bool has_compat(u32 bit) const { return (feature_compat & bit) != 0; }
  bool has_incompat(u32 bit) const { return (feature_incompat & bit) != 0; }
  u64 meta_base() const { return meta_blkaddr << blkszbits; }
};

// Decodes and validates the superblock of `primary` (magic, block size, checksum, feature
// bits, device table). Throws CorruptImage or Unsupported naming the offending byte.
// `lenient` skips the three checks for which the kernel refuses to mount but the rest can
// still be read (checksum, unknown incompat bits, ishare prefix id): lint reports them itself.
SuperInfo parse_superblock(const util::ByteView& primary, bool lenient = false);

// Names of the set bits, in bit order; unknown bits render as "0x...".
std::vector<std::string> compat_feature_names(u32 bits);
std::vector<std::string> incompat_feature_names(u32 bits);

// The CRC-32C EROFS stores in the superblock for the first block of `primary` (field zeroed).
u32 superblock_checksum(const util::ByteView& primary, unsigned blkszbits);

// Canonical text of a uuid ("xxxxxxxx-xxxx-...") or "" when all zero.
std::string uuid_string(const std::array<u8, 16>& uuid);

}  // namespace core::erofs
