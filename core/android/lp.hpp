// Android dynamic partitions: the LP ("logical partition") metadata at the start of a super.img,
// transcribed from AOSP's liblp format description (metadata_format.h, major version 10,
// minor 0 to 2). Layout of the super device:
//   0      4096 bytes reserved
//   4096   geometry (4096 bytes), 8192 its backup
//   12288  metadata slot 0 .. slot_count-1 (metadata_max_size each), then the backup of each
//   ...    the logical partitions' extents (512-byte sectors on block device 0, the super device)
// Every structure is checked (magics, sizes, SHA-256 checksums, table bounds, extents inside the
// device and not overlapping); a copy failing a check is replaced by its backup, as liblp does,
// and when both fail the primary's reason is reported.
#pragma once

#include <string>
#include <vector>

#include "core/util/byte_view.hpp"
#include "core/util/ints.hpp"

namespace core::android {

namespace lp_ondisk {

struct Geometry {
  ul32 magic;                // k_lp_geometry_magic
  ul32 struct_size;          // sizeof(Geometry)
  u8 checksum[32];           // SHA-256 of the struct with this field zero
  ul32 metadata_max_size;    // bytes of one metadata copy, a multiple of 512
  ul32 metadata_slot_count;  // 1 (non-A/B), 2 (A/B), ...
  ul32 logical_block_size;   // a multiple of 512
};
static_assert(sizeof(Geometry) == 52);

struct TableDescriptor {
  ul32 offset;       // relative to the end of the header
  ul32 num_entries;
  ul32 entry_size;
};
static_assert(sizeof(TableDescriptor) == 12);

struct Header {
  ul32 magic;  // k_lp_header_magic
  ul16 major_version;
  ul16 minor_version;
  ul32 header_size;         // 128 (v10.0, 10.1) or 256 (v10.2)
  u8 header_checksum[32];   // SHA-256 of header_size bytes with this field zero
  ul32 tables_size;         // the tables follow the header contiguously
  u8 tables_checksum[32];   // SHA-256 of the tables
  TableDescriptor partitions, extents, groups, block_devices;
};
static_assert(sizeof(Header) == 128);

struct Partition {
  char name[36];  // NUL-padded, [A-Za-z0-9_]
  ul32 attributes;
  ul32 first_extent_index;
  ul32 num_extents;
  ul32 group_index;
};
static_assert(sizeof(Partition) == 52);

struct Extent {
  ul64 num_sectors;
  ul32 target_type;    // 0 linear, 1 zero
  ul64 target_data;    // linear: first sector on the block device
  ul32 target_source;  // linear: index into the block devices
};
static_assert(sizeof(Extent) == 24);

struct Group {
  char name[36];
  ul32 flags;
  ul64 maximum_size;
};
static_assert(sizeof(Group) == 48);

struct BlockDevice {
  ul64 first_logical_sector;
  ul32 alignment;
  ul32 alignment_offset;
  ul64 size;
  char partition_name[36];
  ul32 flags;
};
static_assert(sizeof(BlockDevice) == 64);

}  // namespace lp_ondisk

inline constexpr u32 k_lp_geometry_magic = 0x616c4467;
inline constexpr u32 k_lp_header_magic = 0x414C5030;
inline constexpr u64 k_lp_geometry_offset = 4096;
inline constexpr u64 k_lp_geometry_size = 4096;
inline constexpr u64 k_lp_sector = 512;

// One piece of a logical partition, in bytes.
struct LpExtent {
  u64 bytes = 0;
  bool zero = false;      // a dm-zero extent (reads as zeros)
  u64 device_offset = 0;  // linear: offset on the super device
};

struct LpPartition {
  std::string name;   // slot suffix applied when the SLOT_SUFFIXED attribute asks for it
  std::string group;  // its partition group
  u32 attributes = 0;
  u32 slot = 0;       // the first metadata slot listing it
  u64 size = 0;       // sum of its extents
  std::vector<LpExtent> extents;
};

struct LpMetadata {
  u32 slot_count = 0;
  u32 metadata_max_size = 0;
  u32 logical_block_size = 0;
  u16 minor_version = 0;
  // Every partition of every slot once (slots normally list the same partitions), in slot and
  // table order. A name listed by two slots with different extents is refused.
  std::vector<LpPartition> partitions;
};

// True if `super` holds the LP geometry magic at 4096 (or at its backup, 8192).
bool has_lp_geometry(const util::ByteView& super);

// Reads and checks the geometry and every slot's metadata. Throws CorruptImage naming the
// structure, the slot and the byte offset; Unsupported for another major version or an extent
// on a block device other than the super device itself.
LpMetadata read_lp_metadata(const util::ByteView& super);

}  // namespace core::android
