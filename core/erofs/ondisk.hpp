// The EROFS on-disk format, transcribed from the format reference (shared docs, tracking
// Linux 7.3 fs/erofs and erofs-utils 1.9.x). Plain declarations, no logic; field names follow
// the kernel's erofs_fs.h so code can be grepped across projects.
#pragma once

#include "core/util/ints.hpp"

namespace core::erofs::ondisk {

inline constexpr u32 k_super_magic = 0xE0F5E1E2;
inline constexpr u64 k_super_offset = 1024;
inline constexpr unsigned k_islotbits = 5;           // 32-byte inode slots
inline constexpr u64 k_nid_metabox_bit = 1ull << 63;  // nid lives in the metabox stream

// feature_compat
inline constexpr u32 k_compat_sb_chksum = 0x01;
inline constexpr u32 k_compat_mtime = 0x02;
inline constexpr u32 k_compat_xattr_filter = 0x04;
inline constexpr u32 k_compat_shared_ea_in_metabox = 0x08;
inline constexpr u32 k_compat_plain_xattr_pfx = 0x10;
inline constexpr u32 k_compat_ishare_xattrs = 0x20;

// feature_incompat (some bits carry two names)
inline constexpr u32 k_incompat_lz4_0padding = 0x001;
inline constexpr u32 k_incompat_compr_cfgs = 0x002;  // also BIG_PCLUSTER
inline constexpr u32 k_incompat_big_pcluster = 0x002;
inline constexpr u32 k_incompat_chunked_file = 0x004;
inline constexpr u32 k_incompat_device_table = 0x008;  // also COMPR_HEAD2
inline constexpr u32 k_incompat_compr_head2 = 0x008;
inline constexpr u32 k_incompat_ztailpacking = 0x010;
inline constexpr u32 k_incompat_fragments = 0x020;  // also DEDUPE
inline constexpr u32 k_incompat_dedupe = 0x020;
inline constexpr u32 k_incompat_xattr_prefixes = 0x040;
inline constexpr u32 k_incompat_48bit = 0x080;
inline constexpr u32 k_incompat_metabox = 0x100;
inline constexpr u32 k_incompat_all = 0x1FF;

struct SuperBlock {
  ul32 magic;                  // k_super_magic
  ul32 checksum;               // crc32c of the rest of the first block (SB_CHKSUM)
  ul32 feature_compat;         // compatible feature bits
  u8 blkszbits;                // log2(block size)
  u8 sb_extslots;              // extra 16-byte slots after the first 128 bytes
  ul16 rootnid_2b;             // root nid, or blocks_hi with 48BIT and rootnid_8b != 0
  ul64 inos;                   // inode count (statfs only)
  ul64 epoch;                  // base time of compact inodes, seconds
  ul32 fixed_nsec;             // nanoseconds of all compact-inode times
  ul32 blocks_lo;              // primary-device block count, low 32 bits
  ul32 meta_blkaddr;           // block of nid 0
  ul32 xattr_blkaddr;          // block of shared xattr id 0
  u8 uuid[16];                 // volume uuid
  u8 volume_name[16];          // label, not necessarily NUL-terminated
  ul32 feature_incompat;       // incompatible feature bits
  ul16 available_compr_algs;   // with COMPR_CFGS: algorithm bitmap; else lz4_max_distance
  ul16 extra_devices;          // devices besides the primary (DEVICE_TABLE)
  ul16 devt_slotoff;           // device table offset in 128-byte units
  u8 dirblkbits;               // reserved, must be 0
  u8 xattr_prefix_count;       // number of long xattr name prefixes
  ul32 xattr_prefix_start;     // prefix table start in 4-byte units
  ul64 packed_nid;             // nid of the packed (fragments) inode, 0 = none
  u8 xattr_filter_reserved;    // non-zero disables the xattr bloom filter
  u8 ishare_xattr_prefix_id;   // long-prefix index of the fingerprint xattr (ISHARE_XATTRS)
  u8 reserved[2];
  ul32 build_time;             // seconds after epoch of the mkfs run
  ul64 rootnid_8b;             // 64-bit root nid (48BIT)
  u8 reserved2[8];
  ul64 metabox_nid;            // nid of the metabox inode (METABOX); needs sb_size > 0x80
  u8 reserved3[8];
};
static_assert(sizeof(SuperBlock) == 144);

// i_format bits
inline constexpr u16 k_inode_version_mask = 0x1;
inline constexpr unsigned k_inode_layout_shift = 1;
inline constexpr u16 k_inode_layout_mask = 0x7;
inline constexpr u16 k_inode_nlink_1 = 0x10;  // non-dir compact: nlink 1, i_nb = startblk_hi
inline constexpr u16 k_inode_dot_omitted = 0x10;  // directories: "." is not stored
inline constexpr u16 k_inode_format_known = 0x1F;

// data layouts
inline constexpr unsigned k_layout_flat_plain = 0;
inline constexpr unsigned k_layout_compressed_full = 1;
inline constexpr unsigned k_layout_flat_inline = 2;
inline constexpr unsigned k_layout_compressed_compact = 3;
inline constexpr unsigned k_layout_chunk_based = 4;

struct InodeCompact {
  ul16 i_format;        // version, layout, nlink_1 / dot_omitted
  ul16 i_xattr_icount;  // xattr ibody size in 4-byte units (see xattr_isize)
  ul16 i_mode;          // POSIX mode
  ul16 i_nb;            // nlink, or startblk_hi when NLINK_1
  ul32 i_size;          // file size
  ul32 i_mtime;         // seconds after sb epoch
  ul32 i_u;             // startblk_lo / compressed blocks / chunk format / rdev
  ul32 i_ino;           // inode number for stat
  ul16 i_uid;
  ul16 i_gid;
  ul32 i_reserved;
};
static_assert(sizeof(InodeCompact) == 32);

struct InodeExtended {
  ul16 i_format;
  ul16 i_xattr_icount;
  ul16 i_mode;
  ul16 i_nb;            // startblk_hi / blocks_hi (48BIT)
  ul64 i_size;
  ul32 i_u;
  ul32 i_ino;
  ul32 i_uid;
  ul32 i_gid;
  ul64 i_mtime;         // absolute seconds
  ul32 i_mtime_nsec;
  ul32 i_nlink;
  u8 i_reserved2[16];
};
static_assert(sizeof(InodeExtended) == 64);

// chunk format (low 16 bits of i_u for layout 4)
inline constexpr u16 k_chunk_format_blkbits_mask = 0x1F;
inline constexpr u16 k_chunk_format_indexes = 0x20;
inline constexpr u16 k_chunk_format_48bit = 0x40;
inline constexpr u16 k_chunk_format_known = 0x7F;

struct ChunkIndex {
  ul16 startblk_hi;  // bits 32-47 (chunk format 48BIT)
  ul16 device_id;    // 0 = primary, k = extra device k
  ul32 startblk_lo;
};
static_assert(sizeof(ChunkIndex) == 8);

struct DeviceSlot {
  u8 tag[64];         // digest or path of the device
  ul32 blocks_lo;     // device size in blocks
  ul32 uniaddr_lo;    // first block in the unified address space, 0 = unmapped
  ul16 blocks_hi;     // 48BIT
  ul16 uniaddr_hi;    // 48BIT
  u8 reserved[52];
};
static_assert(sizeof(DeviceSlot) == 128);

struct Dirent {
  ul64 nid;       // target nid
  ul16 nameoff;   // name offset within the block
  u8 file_type;   // k_ft_*
  u8 reserved;
};
static_assert(sizeof(Dirent) == 12);

inline constexpr u8 k_ft_unknown = 0, k_ft_reg_file = 1, k_ft_dir = 2, k_ft_chrdev = 3,
                    k_ft_blkdev = 4, k_ft_fifo = 5, k_ft_sock = 6, k_ft_symlink = 7;

struct XattrIbodyHeader {
  ul32 h_name_filter;  // inverted bloom filter of the inode's xattr names
  u8 h_shared_count;   // shared xattr ids that follow
  u8 h_reserved2[7];
};
static_assert(sizeof(XattrIbodyHeader) == 12);

struct XattrEntry {
  u8 e_name_len;     // name length after the prefix
  u8 e_name_index;   // built-in prefix, or 0x80 | long-prefix index
  ul16 e_value_size;
};
static_assert(sizeof(XattrEntry) == 4);

inline constexpr u8 k_xattr_long_prefix = 0x80;
inline constexpr u8 k_xattr_long_prefix_mask = 0x7F;
inline constexpr u32 k_xattr_filter_seed = 0x25BBE08F;

}  // namespace core::erofs::ondisk
