// Compressed inodes (layouts 1 and 3, format reference §5): the map header, lcluster indexes
// (full and compact) and encoded extents, decoded into extents — logical range -> pcluster.
// Nothing here decompresses; zdata.cpp does that.
#pragma once

#include <string>
#include <vector>

#include "core/erofs/inode.hpp"
#include "core/util/byte_view.hpp"
#include "core/util/ints.hpp"

namespace core::erofs {

class Image;

// The compressed part of the on-disk format (§1.5, §5), transcribed like ondisk.hpp.
namespace ondisk {

struct ZMapHeader {
  ul32 h_fragmentoff;   // FRAGMENT_PCLUSTER: tail fragment offset, low 32 bits; else bytes 2-3
                        // are h_idata_size (inline pcluster size); EXTENTS: h_extents_lo
  ul16 h_advise;        // k_zadvise_* bits
  u8 h_algorithmtype;   // low nibble: HEAD1 algorithm, high nibble: HEAD2 algorithm
  u8 h_clusterbits;     // bits 0-3: lclusterbits - blkszbits; bit 7: whole file is a fragment
};
static_assert(sizeof(ZMapHeader) == 8);

inline constexpr u16 k_zadvise_compacted_2b = 0x0001;  // layout 3: 2-byte packs in the middle
inline constexpr u16 k_zadvise_extents = 0x0001;       // layout 1: encoded extents
inline constexpr u16 k_zadvise_big_pcluster_1 = 0x0002;
inline constexpr u16 k_zadvise_big_pcluster_2 = 0x0004;
inline constexpr u16 k_zadvise_inline_pcluster = 0x0008;
inline constexpr u16 k_zadvise_interlaced_pcluster = 0x0010;
inline constexpr u16 k_zadvise_fragment_pcluster = 0x0020;
inline constexpr unsigned k_zadvise_extrecsz_bit = 1;   // EXTENTS: record size 4 << ((advise >> 1) & 3)
inline constexpr u8 k_zfragment_inode_bit = 0x80;       // in h_clusterbits

// Full ("legacy") lcluster index, 8 bytes per lcluster (§5.5).
struct ZLclusterIndex {
  ul16 di_advise;      // bits 0-1: lcluster type; bit 15: PARTIAL_REF (heads)
  ul16 di_clusterofs;  // heads: where the extent starts inside the lcluster
  ul32 di_u;           // heads: blkaddr; NONHEAD: delta[0] (low 16) and delta[1] (high 16)
};
static_assert(sizeof(ZLclusterIndex) == 8);

inline constexpr unsigned k_zlcluster_plain = 0;
inline constexpr unsigned k_zlcluster_head1 = 1;
inline constexpr unsigned k_zlcluster_nonhead = 2;
inline constexpr unsigned k_zlcluster_head2 = 3;
inline constexpr u16 k_zli_partial_ref = 0x8000;
inline constexpr u16 k_zli_d0_cblkcnt = 0x0800;

// Encoded extent record (§5.11); only the first `recsz` bytes are stored.
struct ZExtentRecord {
  ul32 plen;       // bits 0-20 length, bit 27 partial, bits 28-31 format (0 plain, else alg + 1)
  ul32 pstart_lo;  // byte address
  ul32 pstart_hi;
  ul32 lstart_lo;
  ul32 lstart_hi;
  u8 reserved[12];
};
static_assert(sizeof(ZExtentRecord) == 32);

inline constexpr u32 k_zextent_plen_mask = (u32(1) << 21) - 1;
inline constexpr u32 k_zextent_plen_partial = u32(1) << 27;
inline constexpr unsigned k_zextent_plen_fmt_bit = 28;

// Compression configuration record payloads (§1.5).
struct ZLz4Cfgs {
  ul16 max_distance;
  ul16 max_pclusterblks;  // 0 means 1
  u8 reserved[10];
};
static_assert(sizeof(ZLz4Cfgs) == 14);
struct ZLzmaCfgs {
  ul32 dict_size;
  ul16 format;  // must be 0
  u8 reserved[8];
};
static_assert(sizeof(ZLzmaCfgs) == 14);
struct ZDeflateCfgs {
  u8 windowbits;
  u8 reserved[5];
};
static_assert(sizeof(ZDeflateCfgs) == 6);
struct ZZstdCfgs {
  u8 format;     // must be 0
  u8 windowlog;  // log2(window) - 10
  u8 reserved[4];
};
static_assert(sizeof(ZZstdCfgs) == 6);

}  // namespace ondisk

// Kernel limits (Z_EROFS_PCLUSTER_MAX_SIZE / _MAX_DSIZE): larger extents are refused.
inline constexpr u64 k_zmax_pcluster = u64(1) << 20;
inline constexpr u64 k_zmax_extent = u64(12) << 20;

// Per-algorithm parameters from the compression configuration records (§1.5).
struct ComprConfig {
  u16 algorithms = 0;             // bit n: algorithm n may be used
  u16 lz4_max_distance = 0;
  u32 lz4_max_pclusterblks = 1;
  u32 lzma_dict_size = 0;
  u8 deflate_windowbits = 15;
  u8 zstd_windowlog = 0;          // log2(window) - 10
};

// Reads and validates the records after the superblock (or the LZ4 defaults without
// COMPR_CFGS). Throws CorruptImage / Unsupported naming the record's byte.
ComprConfig read_compr_config(const Image& image);

enum class ZKind : u8 {
  hole,        // reads as zeros (encoded extents only)
  compressed,  // pcluster holds an `algorithm` stream
  shifted,     // uncompressed pcluster, logical la + k at pa + k
  interlaced,  // uncompressed pcluster rotated by la mod block size (§5.13)
  fragment,    // raw bytes in the packed inode at frag_off
};

// One extent: logical bytes [la, la + llen) and where they come from.
struct ZExtent {
  u64 la = 0;
  u64 llen = 0;
  ZKind kind = ZKind::hole;
  unsigned algorithm = 0;    // kind == compressed: §5.3 id
  u64 pa = 0;                // byte address of the pcluster (primary device, or the inode's
  u64 plen = 0;              //   metadata space when in_meta) and its size
  bool in_meta = false;      // ztailpacking: pcluster inline after the indexes
  bool partial_ref = false;  // the pcluster decodes to more than llen bytes
  u64 frag_off = 0;          // kind == fragment: packed-inode offset of logical byte la
  u64 head_lcn = 0;          // head lcluster (index layouts), for messages
};

// The decoded map header of one compressed inode plus the index lookups (§5.7, §5.11).
class ZMap {
public:
  // Reads and validates the map header of compressed inode `inode`. Throws CorruptImage (nid,
  // byte) or Unsupported.
  ZMap(const Image& image, const Inode& inode);

  // The whole extent containing logical byte `ofs` (< i_size): la <= ofs < la + llen.
  // Throws CorruptImage ("bogus lookback distance", "bogus CBLKCNT", ...) naming nid and byte.
  ZExtent map(u64 ofs) const;

  const Inode& inode() const { return m_ino; }
  bool whole_fragment() const { return m_whole_fragment; }
  bool has_fragment() const { return m_whole_fragment || (m_advise & ondisk::k_zadvise_fragment_pcluster); }
  u64 fragment_off() const { return m_fragment_off; }
  // Byte of the map header in the inode's metadata space (fragment offsets live there).
  u64 header_pos() const { return m_header_pos; }
  // How the extents are indexed: "fragment" (whole file), "full", "compact" or "extents".
  const char* index_kind() const;
  u16 advise() const { return m_advise; }
  unsigned extent_record_size() const { return m_recsz; }  // encoded extents only
  // Location context for messages: nid and path-free detail.
  Where where(const std::string& detail = {}) const;

private:
  enum class Mode : u8 { full, compact, extents };
  struct Lcluster {
    u64 lcn = 0;
    unsigned type = 0;
    u32 clusterofs = 0;
    u32 delta0 = 0;
    u32 cblkcnt = 0;      // NONHEAD with CBLKCNT: compressed blocks of the previous head
    u64 pblk = 0;         // heads
    bool partial_ref = false;
    u64 next_pack = 0;    // byte after this entry's pack (ztailpacking data follows the last)
    u64 pos = 0;          // byte of the entry, for messages
  };

  Lcluster load(u64 lcn, bool need_pblk) const;
  Lcluster load_full(u64 lcn) const;
  Lcluster load_compact(u64 lcn, bool need_pblk) const;
  Lcluster head_of(u64 ofs, Lcluster* initial) const;
  u64 compressed_blocks(const Lcluster& head) const;
  ZExtent map_index(u64 ofs) const;
  ZExtent map_extents(u64 ofs) const;
  u64 extent_pa_recsz4(u64 lcn) const;
  void check(ZExtent& e, u64 byte) const;
  [[noreturn]] void fail(const std::string& what, u64 byte, const std::string& detail = {}) const;

  const Image& m_img;
  Inode m_ino;
  const util::ByteView& m_meta;
  Mode m_mode = Mode::full;
  u16 m_advise = 0;
  unsigned m_algs[2] = {0, 0};
  unsigned m_lclusterbits = 12;
  u64 m_header_pos = 0;
  u64 m_nidx = 0;  // index entries (lclusters)
  bool m_whole_fragment = false;
  u64 m_fragment_off = 0;
  bool m_inline = false;
  u32 m_idata_size = 0;
  u64 m_inline_pos = 0;
  bool m_has_tail = false;  // inline or fragment tail: m_tail_head_lcn is valid
  u64 m_tail_head_lcn = 0;
  // compact geometry (§5.6)
  u64 m_ebase = 0, m_n4i = 0, m_n2 = 0;
  // encoded extents (§5.11)
  unsigned m_recsz = 0;
  u64 m_ext_pos = 0;
  u64 m_ext_count = 0;
  mutable std::vector<u64> m_pa_checkpoints;  // recsz 4: pa of lcluster k * k_checkpoint_step
};

// What inspect reports about a compressed inode, from its mapping alone (no decompression).
struct ZSummary {
  std::vector<unsigned> algorithms;  // distinct §5.3 ids of compressed pclusters, ascending
  u64 extents = 0;
  u64 pclusters = 0;                 // distinct pclusters referenced (inline tail included)
  u64 plain_pclusters = 0;           // ... of which stored uncompressed
  u64 compressed_bytes = 0;          // their physical size
  u64 fragment_bytes = 0;            // logical bytes kept in the packed inode
  bool inline_tail = false;          // ztailpacking
};

// Walks the extents of a compressed inode. Throws like ZMap.
ZSummary summarize_compressed(const Image& image, const Inode& inode);

}  // namespace core::erofs
