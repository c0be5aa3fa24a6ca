#include "core/tag/plan.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

#include <fmt/format.h>

#include "core/erofs/data.hpp"
#include "core/erofs/image.hpp"
#include "core/erofs/ondisk.hpp"
#include "core/erofs/zmap.hpp"
#include "core/util/error.hpp"

namespace core::tag {

namespace od = erofs::ondisk;
using erofs::Layout;

namespace {

Where at_nid(u64 nid) {
  Where w;
  w.nid = nid;
  return w;
}

u64 div_up(u64 a, u64 b) { return a / b + (a % b != 0); }

void put16(std::vector<u8>& b, std::size_t off, u16 v) {
  b[off] = u8(v);
  b[off + 1] = u8(v >> 8);
}
void put32(std::vector<u8>& b, std::size_t off, u32 v) {
  for (int i = 0; i < 4; ++i) b[off + i] = u8(v >> (8 * i));
}
u32 get32(const std::vector<u8>& b, std::size_t off) {
  return u32(b[off]) | u32(b[off + 1]) << 8 | u32(b[off + 2]) << 16 | u32(b[off + 3]) << 24;
}

// The ibody size is kept congruent to the input's modulo 32 (the inode slot size), so every
// byte after it keeps its position modulo 32: compact indexes choose their 4-byte/2-byte
// regions by ebase mod 32 (§5.6), full and chunk indexes are 8-aligned (§5.5, §2.9), and an
// inline tail or ztailpacking pcluster that fitted in a block before still fits when the
// inode is placed so that the inline bytes start at the same offset mod 32 after a block
// boundary (see place() in retrofit.cpp). So no inline tail ever has to move.
constexpr u64 k_ibody_alignment = 32;

// End of the compressed metadata of `ino` (map header, indexes, inline pcluster); sets the
// inline range of `p`.
u64 compressed_end(const erofs::Image& img, const erofs::Inode& ino, InodePlan& p) {
  erofs::ZMap zm(img, ino);
  const std::string kind = zm.index_kind();
  const u64 hp = zm.header_pos();
  if (kind == "fragment") return hp + 8;
  const auto& v = img.meta_space(ino.in_metabox);
  auto h = v.read<erofs::ondisk::ZMapHeader>(hp, "compressed map header outside the image", at_nid(ino.nid));
  const u64 bs = img.block_size();
  u64 end = hp + 8;
  if (kind == "extents") {
    // Encoded extents (§5.11): records of recsz bytes at align(header end, recsz); recsz 4
    // starts with a u64 base; recsz >= 16 gives the count in the header, else one record
    // per lcluster. mkfs emits them without inline data.
    const u64 recsz = zm.extent_record_size();
    const u64 pos = (hp + 8 + recsz - 1) / recsz * recsz;
    const u64 raw = u64(v.read<ul64>(hp, "compressed map header outside the image", at_nid(ino.nid)));
    if (recsz >= 16) {
      end = pos + (u64(u32(raw)) | (raw >> 48) << 32) * recsz;
    } else {
      unsigned lbits = img.sb().blkszbits + (h.h_clusterbits & 15);
      end = pos + (recsz == 4 ? 8 : 0) + div_up(ino.size, u64(1) << lbits) * recsz;
    }
    return end;
  }
  if (kind == "full") {
    unsigned lbits = img.sb().blkszbits + (h.h_clusterbits & 15);
    end = hp + 16 + 8 * div_up(ino.size, u64(1) << lbits);
  } else {
    // Same geometry as the reader (§5.6): regions of 4-byte, 2-byte, 4-byte entries, the
    // last pack complete.
    const u64 n = div_up(ino.size, bs);
    const u64 ebase = hp + 8;
    const u64 n4i = ((32 - ebase % 32) / 4) & 7;
    const u64 r1 = std::min(n4i, n);
    u64 n2 = 0;
    if ((u16(h.h_advise) & od::k_zadvise_compacted_2b) && n4i < n) n2 = (n - n4i) / 16 * 16;
    const u64 rest = n - r1 - n2;
    end = ebase + r1 * 4 + n2 * 2 + rest * 4;
    end = (end + 7) & ~u64(7);
  }
  if ((zm.advise() & od::k_zadvise_inline_pcluster) && ino.size > 0) {
    erofs::ZExtent e = zm.map(ino.size - 1);
    if (e.in_meta) {
      if (e.pa < ino.meta_end())
        throw CorruptImage("ztailpacking data before the inode's indexes", v.at(e.pa, at_nid(ino.nid)));
      p.inline_off = e.pa - ino.meta_end();
      p.inline_len = e.plen;
      end = std::max(end, e.pa + e.plen);
    }
  }
  return end;
}

}  // namespace

FingerprintName split_xattr_name(const std::string& full) {
  FingerprintName n;
  n.full = full;
  n.infix = full;
  // Longest built-in prefix that `full` starts with and that leaves a non-empty rest (the
  // ACL indexes name a whole attribute and are not prefixes).
  for (u8 idx : {u8(1), u8(4), u8(6)}) {
    const char* sp = erofs::short_xattr_prefix(idx);
    std::size_t len = std::strlen(sp);
    if (full.size() > len && full.compare(0, len, sp) == 0 && len > n.full.size() - n.infix.size()) {
      n.base_index = idx;
      n.infix = full.substr(len);
    }
  }
  return n;
}

InodePlan plan_inode(const erofs::Image& img, const erofs::Inode& ino) {
  // Metabox inodes (§2.1) are read from the metabox stream and written to the plain area.
  const auto& v = img.meta_space(ino.in_metabox);
  const Where w = at_nid(ino.nid);
  InodePlan p;
  p.ino = ino;
  p.layout = ino.layout;
  p.dir = ino.type == erofs::FileType::dir;
  auto core = v.bytes(ino.pos, ino.inode_size, "inode outside the image", w);
  p.core.assign(core.begin(), core.end());
  if (ino.xattr_isize) {
    auto ib = v.bytes(ino.xattr_pos(), ino.xattr_isize, "xattr ibody outside the image", w);
    p.ibody.assign(ib.begin(), ib.end());
  }
  const u64 bs = img.block_size();
  const u64 me = ino.meta_end();
  u64 end = me;
  // Special files carry no data (the kernel never maps it, kernel-rules.md): nothing after the
  // ibody belongs to them, whatever their layout and size say.
  const bool has_data =
      ino.type == erofs::FileType::file || ino.type == erofs::FileType::dir || ino.type == erofs::FileType::symlink;
  switch (has_data ? ino.layout : Layout::flat_plain) {
    case Layout::flat_plain: break;
    case Layout::flat_inline:
      if (ino.size > 0) {
        u64 tail = ino.size - (div_up(ino.size, bs) - 1) * bs;
        p.inline_len = tail;
        end = me + tail;
      }
      break;
    case Layout::chunk_based: {
      const u64 unit = (ino.chunk_format & od::k_chunk_format_indexes) ? 8 : 4;
      const unsigned bits = img.sb().blkszbits + (ino.chunk_format & od::k_chunk_format_blkbits_mask);
      if (bits >= 63) throw CorruptImage("chunk size out of range", v.at(ino.pos + 0x10, w));
      const u64 count = (ino.size >> bits) + ((ino.size & ((u64(1) << bits) - 1)) != 0);
      if (count > v.size() / unit) throw CorruptImage("chunk map larger than the image", v.at(me, w));
      end = ((me + unit - 1) & ~(unit - 1)) + count * unit;
      break;
    }
    case Layout::compressed_full:
    case Layout::compressed_compact: end = compressed_end(img, ino, p); break;
  }
  auto blob = v.bytes(me, end - me, "inode metadata outside the image", w);
  p.blob.assign(blob.begin(), blob.end());
  return p;
}

namespace {

// One inline entry of an ibody: its byte range and the name it resolves to.
struct RawEntry {
  std::size_t off = 0, size = 0;
  bool matches = false;
};

std::vector<RawEntry> raw_entries(const erofs::Image& img, const InodePlan& p, const FingerprintName& name) {
  std::vector<RawEntry> out;
  if (p.ibody.empty()) return out;
  std::size_t pos = 12 + 4 * std::size_t(p.ibody[4]);
  const auto& table = img.long_prefixes();
  while (pos + 4 <= p.ibody.size()) {
    u8 nlen = p.ibody[pos];
    u8 idx = p.ibody[pos + 1];
    u16 vsize = u16(p.ibody[pos + 2] | p.ibody[pos + 3] << 8);
    std::size_t size = (4 + std::size_t(nlen) + vsize + 3) & ~std::size_t(3);
    if (pos + size > p.ibody.size())  // read_xattrs validated the ibody; keep the guard anyway
      throw CorruptImage("xattr entry beyond xattr_isize",
                         img.primary().at(p.ino.xattr_pos() + pos, at_nid(p.ino.nid)));
    std::string stored(reinterpret_cast<const char*>(p.ibody.data() + pos + 4), nlen);
    RawEntry e{pos, size, false};
    if (idx & od::k_xattr_long_prefix) {
      unsigned k = idx & od::k_xattr_long_prefix_mask;
      if (k < table.size()) e.matches = table[k].base_index == name.base_index && table[k].infix + stored == name.infix;
    } else if (!(nlen == 0 && idx == 0 && vsize == 0)) {
      e.matches = idx == name.base_index && stored == name.infix;
    }
    out.push_back(e);
    pos += size;
  }
  return out;
}

}  // namespace

void clear_filter_bit(const erofs::Image& img, InodePlan& p, const FingerprintName& name) {
  if (p.ibody.empty() || !img.sb().has_compat(od::k_compat_xattr_filter)) return;
  u32 f = get32(p.ibody, 0) & ~(u32(1) << erofs::xattr_filter_bit(name.base_index, name.infix));
  put32(p.ibody, 0, f);
}

bool set_fingerprint(const erofs::Image& img, InodePlan& p, const FingerprintName& name, const std::vector<u8>& value) {
  const bool filter = img.sb().has_compat(od::k_compat_xattr_filter);
  const std::size_t old_size = p.ibody.size();
  std::vector<u8> ib;
  if (p.ibody.empty()) {
    ib.assign(12, 0);
    // A fresh ibody: mkfs stores the inverted filter of its one name (§4.7), or 0 without
    // the feature.
    put32(ib, 0, filter ? ~u32(0) : 0);
  } else {
    ib.assign(p.ibody.begin(), p.ibody.begin() + 12 + 4 * std::size_t(p.ibody[4]));
  }
  // The fingerprint goes first (mkfs sorts "erofs." before the other namespaces; the
  // kernel searches inline entries in order and stops at the first match).
  std::size_t at = ib.size();
  ib.resize(at + ((4 + value.size() + 3) & ~std::size_t(3)), 0);
  ib[at] = 0;  // e_name_len: the prefix is the name
  ib[at + 1] = u8(od::k_xattr_long_prefix | name.prefix_id);
  put16(ib, at + 2, u16(value.size()));
  std::copy(value.begin(), value.end(), ib.data() + at + 4);
  for (const RawEntry& e : raw_entries(img, p, name))
    if (!e.matches) ib.insert(ib.end(), p.ibody.begin() + e.off, p.ibody.begin() + e.off + e.size);
  // Keep the ibody size congruent with the input's modulo 32 (see k_ibody_alignment): empty
  // 4-byte entries are padding (§4.3).
  const u64 a = k_ibody_alignment;
  while ((ib.size() + a - old_size % a) % a != 0) ib.insert(ib.end(), 4, u8(0));
  // i_xattr_icount is 16 bits: the ibody holds at most 12 + 4 * 65534 bytes.
  if (ib.size() > 12 + 4 * std::size_t(0xFFFF - 1)) return false;
  p.ibody = std::move(ib);
  clear_filter_bit(img, p, name);
  return true;
}

void move_tail_out(const erofs::Image& img, InodePlan& p) {
  const u64 bs = img.block_size();
  const u64 nblocks = div_up(p.ino.size, bs);
  p.data = p.blob;
  p.data.resize(bs, 0);
  p.new_blocks = 1;
  p.tail_moved = true;
  p.inline_off = p.inline_len = 0;
  if (nblocks <= 1) {
    p.layout = Layout::flat_plain;
    p.blob.clear();
    return;
  }
  // The full blocks stay where they are and the tail block is elsewhere: only a block map
  // (chunk size = block size) can express that without moving data (§2.9).
  if (!p.ino.startblk_null && p.ino.startblk + nblocks > 0xFFFFFFFFull)
    throw Unsupported("block address beyond 32 bits for a moved tail", at_nid(p.ino.nid));
  p.layout = Layout::chunk_based;
  p.chunk_format = 0;  // 4-byte block map, chunk = block
  p.blob.assign(4 * nblocks, 0);
  for (u64 i = 0; i + 1 < nblocks; ++i)
    put32(p.blob, 4 * i, p.ino.startblk_null ? 0xFFFFFFFFu : u32(p.ino.startblk + i));
  // The last entry is filled by finish_core once the block is allocated.
}

void finish_core(const erofs::Image& img, InodePlan& p) {
  (void)img;
  u16 format = u16(p.core[0] | p.core[1] << 8);
  format = u16((format & ~(od::k_inode_layout_mask << od::k_inode_layout_shift)) |
               (unsigned(p.layout) << od::k_inode_layout_shift));
  put16(p.core, 0, format);
  const u64 isize = p.ibody.size();
  put16(p.core, 2, u16(isize == 0 ? 0 : (isize - 12) / 4 + 1));
  if (p.layout == Layout::chunk_based && p.ino.layout != Layout::chunk_based) put32(p.core, 0x10, p.chunk_format);
  if (p.layout == Layout::chunk_based && p.ino.layout == Layout::chunk_based)
    put16(p.core, 0x10, p.chunk_format ? p.chunk_format : p.ino.chunk_format);
  if (p.new_blocks == 0) return;
  if (p.data_blk > 0xFFFFFFFFull) throw Unsupported("new metadata beyond 32-bit block addresses", at_nid(p.ino.nid));
  if (p.layout == Layout::chunk_based) {
    // The last entry (block map u32, or the low half of a chunk index) names the new block.
    put32(p.blob, p.blob.size() - 4, u32(p.data_blk));
    return;
  }
  // flat_plain / flat_inline with new blocks: i_u is the start block; where i_nb holds the
  // high address bits (extended, or compact non-directory with NLINK_1) they are 0.
  put32(p.core, 0x10, u32(p.data_blk));
  const bool high_in_nb = p.ino.extended || (!p.dir && (format & od::k_inode_nlink_1));
  if (high_in_nb) put16(p.core, 6, 0);
}

}  // namespace core::tag

namespace core::tag {

namespace {

// One 8-byte chunk index (§2.9): u16 startblk_hi, u16 device_id, u32 startblk_lo.
void put_index(std::vector<u8>& b, std::size_t off, u16 device, u32 blk) {
  put16(b, off, 0);
  put16(b, off + 2, device);
  put32(b, off + 4, blk);
}

unsigned ceil_log2(u64 v) {
  unsigned k = 0;
  while ((u64(1) << k) < v) ++k;
  return k;
}

}  // namespace

void to_device_chunks(const erofs::Image& img, InodePlan& p) {
  const erofs::Inode& ino = p.ino;
  if (ino.size == 0 || p.dir) return;
  if (ino.type != erofs::FileType::file && ino.type != erofs::FileType::symlink) return;
  if (ino.is_compressed())
    throw Unsupported("compressed files cannot be referenced from a sidecar: pclusters name no device (only "
                      "unified addressing could reach them, which erofs-utils does not read back)",
                      at_nid(ino.nid));
  const u64 bs = img.block_size();
  const unsigned bsbits = img.sb().blkszbits;
  const u64 nblocks = div_up(ino.size, bs);
  // Entries start 8-aligned after the ibody; the ibody keeps its size mod 32, so the padding
  // computed from the input position holds in the output.
  const u64 pad = (8 - ino.meta_end() % 8) % 8;
  constexpr unsigned k_max_chunkbits = 30;
  if (ino.type == erofs::FileType::symlink) {
    if (ino.layout == Layout::flat_inline && nblocks == 1) return;  // target inline, stays
    p.data = erofs::read_file(img, ino, u64(1) << 20);
    p.new_blocks = nblocks;
    p.data.resize(nblocks * bs, 0);
    p.layout = Layout::flat_plain;
    p.blob.clear();
    p.inline_off = p.inline_len = 0;
    return;
  }
  auto null_blk = [](u64 blk) { return blk == 0xFFFFFFFFull; };
  switch (ino.layout) {
    case Layout::flat_plain:
    case Layout::flat_inline: {
      const bool tail = ino.layout == Layout::flat_inline;
      const u64 full = tail ? nblocks - 1 : nblocks;
      if (full == 0) return;  // all inline: stays in the sidecar's metadata
      if (!ino.startblk_null && ino.startblk + full > 0xFFFFFFFFull)
        throw Unsupported("block address beyond 32 bits in a sidecar", at_nid(ino.nid));
      // The full blocks are contiguous: the largest chunk that ends where the tail begins.
      unsigned extra = tail ? unsigned(std::countr_zero(full)) : ceil_log2(full);
      extra = std::min(extra, k_max_chunkbits - bsbits);
      const u64 per = u64(1) << extra;
      const u64 n = div_up(full, per) + (tail ? 1 : 0);
      p.blob.assign(pad + 8 * n, 0);
      for (u64 k = 0; k * per < full; ++k) {
        if (ino.startblk_null)
          put_index(p.blob, pad + 8 * k, 0, 0xFFFFFFFFu);
        else
          put_index(p.blob, pad + 8 * k, 1, u32(ino.startblk + k * per));
      }
      if (tail) {
        auto t =
            img.primary().bytes(ino.meta_end(), ino.size - full * bs, "inline data outside the image", at_nid(ino.nid));
        p.data.assign(t.begin(), t.end());
        p.data.resize(bs, 0);
        p.new_blocks = 1;  // device 0; finish_core fills in the block of the last entry
      }
      p.chunk_format = u16(od::k_chunk_format_indexes | extra);
      break;
    }
    case Layout::chunk_based: {
      const bool indexes = ino.chunk_format & od::k_chunk_format_indexes;
      const u64 unit = indexes ? 8 : 4;
      const u64 old_pad = ((ino.meta_end() + unit - 1) & ~(unit - 1)) - ino.meta_end();
      const u64 n = (p.blob.size() - old_pad) / unit;
      std::vector<u8> blob(pad + 8 * n, 0);
      for (u64 k = 0; k < n; ++k) {
        const std::size_t at = old_pad + unit * k;
        if (!indexes) {
          const u32 v = get32(p.blob, at);
          put_index(blob, pad + 8 * k, null_blk(v) ? 0 : 1, v);
        } else {
          std::memcpy(blob.data() + pad + 8 * k, p.blob.data() + at, 8);
          const u64 lo = get32(p.blob, at + 4);
          const u16 dev = u16(p.blob[at + 2] | p.blob[at + 3] << 8);
          if (dev == 0 && !null_blk(lo)) put16(blob, pad + 8 * k + 2, 1);
        }
      }
      p.blob = std::move(blob);
      p.chunk_format = u16(ino.chunk_format | od::k_chunk_format_indexes);
      break;
    }
    default: return;
  }
  p.layout = Layout::chunk_based;
  p.inline_off = p.inline_len = 0;
}

}  // namespace core::tag
