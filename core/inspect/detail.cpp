#include "core/inspect/detail.hpp"

#include <algorithm>
#include <bit>

#include <fmt/format.h>

#include "core/codec/codec.hpp"
#include "core/erofs/dir.hpp"
#include "core/erofs/ondisk.hpp"
#include "core/erofs/zmap.hpp"
#include "core/util/error.hpp"

namespace core::inspect {

namespace {

namespace od = erofs::ondisk;

// First upstream kernel per INCOMPAT bit. Sources: the "Since" column of the format reference
// (§1.3, itself from the feature table of dump.erofs in erofs-utils 1.9, dump/main.c)
// and the Linux fs/erofs history for each feature's merge.
struct KernelFeature {
  u32 bit;
  int major, minor;
};
constexpr KernelFeature k_incompat_kernels[] = {
    {od::k_incompat_lz4_0padding, 5, 4},    // LZ4_0PADDING: Linux 5.4 (erofs out of staging)
    {od::k_incompat_compr_cfgs, 5, 13},     // COMPR_CFGS / BIG_PCLUSTER: Linux 5.13
    {od::k_incompat_chunked_file, 5, 15},   // CHUNKED_FILE: Linux 5.15
    {od::k_incompat_device_table, 5, 16},   // DEVICE_TABLE / COMPR_HEAD2: Linux 5.16
    {od::k_incompat_ztailpacking, 5, 17},   // ZTAILPACKING: Linux 5.17
    {od::k_incompat_fragments, 6, 1},       // FRAGMENTS / DEDUPE: Linux 6.1
    {od::k_incompat_xattr_prefixes, 6, 4},  // XATTR_PREFIXES: Linux 6.4
    {od::k_incompat_48bit, 6, 15},          // 48BIT: Linux 6.15
    {od::k_incompat_metabox, 6, 17},        // METABOX: Linux 6.17
};
// COMPAT bits do not count: a kernel that does not know one still mounts the image. So
// ISHARE_XATTRS (format reference §1.3, Linux 7.0) does not raise the answer, although sharing
// page cache with -o inode_share needs 7.0.
constexpr int k_base_major = 5, k_base_minor = 4;  // EROFS left staging in Linux 5.4

std::string kind_name(const erofs::ZExtent& e) {
  switch (e.kind) {
    case erofs::ZKind::hole: return "hole";
    case erofs::ZKind::compressed: return std::string("compressed:") + codec::algorithm_name(e.algorithm);
    case erofs::ZKind::shifted: return e.in_meta ? "inline" : "plain";
    case erofs::ZKind::interlaced: return "interlaced";
    case erofs::ZKind::fragment: return "fragment";
  }
  return "?";
}

void compressed_extents(const erofs::Image& img, InodeDetail& d, std::size_t max) {
  if (d.inode.size == 0) return;
  erofs::ZMap map(img, d.inode);
  for (u64 pos = 0; pos < d.inode.size;) {
    erofs::ZExtent e = map.map(pos);
    ++d.extent_count;
    if (d.extents.size() < max)
      d.extents.push_back(
          {e.la, e.llen, e.kind == erofs::ZKind::fragment ? e.frag_off : e.pa, e.plen, 0, kind_name(e)});
    if (e.la + e.llen <= pos) throw CorruptImage("extent does not advance", map.where());
    pos = e.la + e.llen;
  }
}

void chunks(const erofs::Image& img, InodeDetail& d, std::size_t max) {
  const erofs::Inode& ino = d.inode;
  const erofs::SuperInfo& sb = img.sb();
  const util::ByteView& meta = img.meta_space(ino.in_metabox);
  const unsigned chunkbits = sb.blkszbits + (ino.chunk_format & od::k_chunk_format_blkbits_mask);
  if (chunkbits >= 48) {
    Where at;
    at.nid = ino.nid;
    throw CorruptImage(fmt::format("chunk size 2^{} too large", chunkbits), at);
  }
  const u64 chunk = u64(1) << chunkbits;
  const bool indexes = ino.chunk_format & od::k_chunk_format_indexes;
  const unsigned unit = indexes ? 8 : 4;
  const u64 base = (ino.meta_end() + unit - 1) / unit * unit;
  const u64 count = ino.size / chunk + (ino.size % chunk != 0);
  d.extent_count = count;
  Where w;
  w.nid = ino.nid;
  for (u64 k = 0; k < count && d.extents.size() < max; ++k) {
    ExtentRow r{k * chunk, std::min(chunk, ino.size - k * chunk), 0, 0, 0, "chunk"};
    u64 blk;
    u64 none;
    if (!indexes) {
      blk = meta.read<ul32>(base + k * unit, "chunk block map outside the image", w);
      none = 0xFFFFFFFFull;
    } else {
      auto ci = meta.read<od::ChunkIndex>(base + k * unit, "chunk index outside the image", w);
      none = (ino.chunk_format & od::k_chunk_format_48bit) ? (u64(1) << 48) - 1 : 0xFFFFFFFFull;
      blk = (u64(u16(ci.startblk_hi)) << 32 | u32(ci.startblk_lo)) & none;
      r.device = u16(ci.device_id);
    }
    if (blk == none) {
      r.kind = "hole";
    } else {
      r.physical = blk * img.block_size();
      r.physical_length = (r.length + img.block_size() - 1) / img.block_size() * img.block_size();  // whole blocks
    }
    d.extents.push_back(std::move(r));
  }
}

}  // namespace

std::string min_kernel(const erofs::SuperInfo& sb) {
  int major = k_base_major, minor = k_base_minor;
  for (const auto& f : k_incompat_kernels)
    if ((sb.feature_incompat & f.bit) && (f.major > major || (f.major == major && f.minor > minor))) {
      major = f.major;
      minor = f.minor;
    }
  return fmt::format("{}.{}", major, minor);
}

u64 stored_bytes(const erofs::Inode& ino, u64 block_size) {
  return ino.is_compressed() ? ino.compressed_blocks * block_size : ino.size;
}

InodeDetail inode_detail(const erofs::Image& img, u64 nid, std::size_t max) {
  InodeDetail d;
  d.inode = erofs::read_inode(img, nid);
  erofs::XattrDecoder decoder(img);
  d.xattrs = decoder.read(d.inode);
  d.stored_bytes = stored_bytes(d.inode, img.block_size());
  if (d.inode.is_compressed()) {
    compressed_extents(img, d, max);
  } else if (d.inode.layout == erofs::Layout::chunk_based) {
    chunks(img, d, max);
  } else if (d.inode.size > 0) {
    // Flat: one extent of whole blocks plus, for flat_inline, the tail after the inode.
    const u64 bs = img.block_size();
    const bool inl = d.inode.layout == erofs::Layout::flat_inline;
    const u64 tail = inl ? (d.inode.size % bs ? d.inode.size % bs : bs) : 0;
    const u64 blocks_len = d.inode.size - tail;
    if (blocks_len) d.extents.push_back({0, blocks_len, d.inode.startblk * bs, blocks_len, 0, "plain"});
    if (tail) d.extents.push_back({blocks_len, tail, d.inode.meta_end(), tail, 0, "inline"});
    d.extent_count = d.extents.size();
    if (d.extents.size() > max) d.extents.resize(max);
  }
  return d;
}

u64 nid_of_path(const erofs::Image& img, const std::string& path) {
  std::string want = path.empty() || path.front() != '/' ? "/" + path : path;
  while (want.size() > 1 && want.back() == '/') want.pop_back();
  std::optional<u64> found;
  erofs::walk_tree(
      img,
      [&](std::string& p, const erofs::Inode& ino) {
        if (!found && p == want) found = ino.nid;
      },
      {}, erofs::WalkOrder::paths);
  if (!found) throw UsageError("no such path in the image: " + path);
  return *found;
}

std::size_t size_bucket(u64 bytes) {
  const std::size_t b = std::bit_width(bytes >> 10);
  return std::min(b, k_size_buckets - 1);
}

Statistics statistics(const Report& rep, u64 bs) {
  Statistics s;
  for (const auto& f : rep.files) {
    const erofs::Inode& ino = f.node->inode;
    ++s.files;
    switch (ino.type) {
      case erofs::FileType::file: ++s.regular; break;
      case erofs::FileType::dir: ++s.dirs; break;
      case erofs::FileType::symlink: ++s.symlinks; break;
      case erofs::FileType::chardev: ++s.chardevs; break;
      case erofs::FileType::blockdev: ++s.blockdevs; break;
      case erofs::FileType::fifo: ++s.fifos; break;
      case erofs::FileType::socket: ++s.sockets; break;
    }
    ++(ino.is_compressed() ? s.compressed : s.uncompressed);
    ++s.by_layout[static_cast<unsigned>(ino.layout)];
    if (ino.type != erofs::FileType::file) continue;
    const u64 stored = stored_bytes(ino, bs);
    s.logical_bytes += ino.size;
    s.stored_bytes += stored;
    ++s.logical_sizes[size_bucket(ino.size)];
    ++s.stored_sizes[size_bucket(stored)];
  }
  return s;
}

}  // namespace core::inspect
