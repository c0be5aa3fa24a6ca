#include "core/erofs/zmap.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/codec/codec.hpp"
#include "core/erofs/image.hpp"
#include "core/erofs/ondisk.hpp"

namespace core::erofs {

namespace od = ondisk;

namespace {

constexpr u64 k_checkpoint_step = 256;  // recsz-4 extents: one cached pa per 256 lclusters

u16 available_algorithms(const SuperInfo& sb) {
  // Without COMPR_CFGS only LZ4 exists (§1.2, §5.3).
  return sb.has_incompat(od::k_incompat_compr_cfgs) ? sb.available_compr_algs : u16(1);
}

// Compact index entry `i` of a pack (§5.6): bit-packed little-endian, `lobits` of value then
// 2 bits of type.
u32 decode_compact(std::span<const u8> pack, unsigned lobits, unsigned bitpos, unsigned* type) {
  u32 v = load_le32(pack.data() + bitpos / 8) >> (bitpos % 8);
  *type = (v >> lobits) & 3;
  return v & ((u32(1) << lobits) - 1);
}

}  // namespace

ComprConfig read_compr_config(const Image& img) {
  const SuperInfo& sb = img.sb();
  const util::ByteView& v = img.primary();
  ComprConfig cfg;
  if (!sb.has_incompat(od::k_incompat_compr_cfgs)) {
    cfg.algorithms = 1;
    cfg.lz4_max_distance = sb.lz4_max_distance;
    return cfg;
  }
  cfg.algorithms = sb.available_compr_algs;
  // §1.5: one record per set bit, in algorithm order, right after the superblock; each record
  // is a 4-aligned u16 length plus payload.
  u64 at = od::k_super_offset + sb.sb_size;
  for (unsigned alg = 0; alg < 16; ++alg) {
    if (!(cfg.algorithms & (1u << alg))) continue;
    at = align_up(at, 4);
    Where ctx;
    ctx.detail = fmt::format("compression config {}", alg);
    u16 len = v.read<ul16>(at, "compression config outside the image", ctx);
    if (len == 0) v.fail("empty compression config record", at, ctx);
    auto rec = v.bytes(at + 2, len, "compression config outside the image", ctx);
    const u64 rec_at = at;
    at += 2 + u64(len);
    auto bad = [&](const std::string& what) { throw CorruptImage(what, v.at(rec_at, ctx)); };
    switch (alg) {
      case 0: {
        if (len < sizeof(od::ZLz4Cfgs)) bad("invalid lz4 cfgs");
        od::ZLz4Cfgs c;
        std::memcpy(&c, rec.data(), sizeof(c));
        cfg.lz4_max_distance = c.max_distance;
        cfg.lz4_max_pclusterblks = u16(c.max_pclusterblks) ? u16(c.max_pclusterblks) : 1;
        if ((u64(cfg.lz4_max_pclusterblks) << sb.blkszbits) > k_zmax_pcluster) bad("too large lz4 pclusterblks");
        break;
      }
      case 1: {
        if (len < sizeof(od::ZLzmaCfgs)) bad("invalid lzma cfgs");
        od::ZLzmaCfgs c;
        std::memcpy(&c, rec.data(), sizeof(c));
        if (u16(c.format) != 0)
          throw Unsupported(fmt::format("unidentified lzma format {:#x}", u16(c.format)), v.at(rec_at, ctx));
        cfg.lzma_dict_size = c.dict_size;
        if (cfg.lzma_dict_size > (u32(8) << 20))
          bad(fmt::format("unsupported lzma dictionary size {}", cfg.lzma_dict_size));
        break;
      }
      case 2: {
        if (len < sizeof(od::ZDeflateCfgs)) bad("invalid deflate cfgs");
        cfg.deflate_windowbits = rec[0];
        if (cfg.deflate_windowbits < 8 || cfg.deflate_windowbits > 15)
          throw Unsupported(fmt::format("unsupported windowbits {}", cfg.deflate_windowbits), v.at(rec_at, ctx));
        break;
      }
      case 3: {
        if (len < sizeof(od::ZZstdCfgs)) bad("invalid zstd cfgs");
        if (rec[0] != 0)
          throw Unsupported(fmt::format("unsupported zstd format {}", rec[0]), v.at(rec_at, ctx));
        cfg.zstd_windowlog = rec[1];
        // The kernel caps the zstd window at 1 MiB (windowlog + 10 <= 20).
        if (cfg.zstd_windowlog > 10)
          throw Unsupported(fmt::format("unsupported zstd window log {}", cfg.zstd_windowlog), v.at(rec_at, ctx));
        break;
      }
      default: throw Unsupported(fmt::format("unknown algorithm {}", alg), v.at(rec_at, ctx));
    }
  }
  return cfg;
}

// ---------------------------------------------------------------------------------------------
// Map header (§5.1, §5.2)

ZMap::ZMap(const Image& img, const Inode& ino)
    : m_img(img), m_ino(ino), m_meta(img.meta_space(ino.in_metabox)) {
  const SuperInfo& sb = img.sb();
  if (!ino.is_compressed()) throw CorruptImage("not a compressed inode", where());
  m_header_pos = align_up(ino.meta_end(), 8);
  auto h = m_meta.read<od::ZMapHeader>(m_header_pos, "compression map header outside the image", where());
  const u64 raw = m_meta.read<ul64>(m_header_pos, "compression map header outside the image", where());

  auto need_packed = [&] {
    if (!sb.has_incompat(od::k_incompat_fragments) || sb.packed_nid == 0)
      fail("fragment without a packed inode", m_header_pos);
  };
  if (h.h_clusterbits & od::k_zfragment_inode_bit) {
    // The whole file lives in the packed inode; the other 63 bits are its offset there.
    m_whole_fragment = true;
    m_fragment_off = raw & ~(u64(1) << 63);
    need_packed();
    return;
  }
  m_advise = h.h_advise;
  m_lclusterbits = sb.blkszbits + (h.h_clusterbits & 15);
  m_mode = ino.layout == Layout::compressed_compact ? Mode::compact : Mode::full;
  if (m_mode == Mode::full && (m_advise & od::k_zadvise_extents)) {
    m_mode = Mode::extents;
    m_recsz = 4u << ((m_advise >> od::k_zadvise_extrecsz_bit) & 3);
    m_ext_pos = align_up(m_header_pos + sizeof(od::ZMapHeader), m_recsz);
    if (m_advise & od::k_zadvise_fragment_pcluster) need_packed();
    if (m_recsz >= 16) {
      m_ext_count = u64(u32(h.h_fragmentoff)) | (raw >> 48) << 32;
      if (m_ext_count > m_meta.size() / m_recsz)
        fail(fmt::format("{} encoded extents do not fit the image", m_ext_count), m_header_pos);
      m_meta.require(m_ext_pos, m_ext_count * m_recsz, "encoded extents outside the image", where());
    } else {
      if (m_lclusterbits > 40) fail("bogus lcluster size", m_header_pos + 7);
      m_nidx = div_round_up(ino.size, u64(1) << m_lclusterbits);
      u64 base = m_ext_pos + (m_recsz == 4 ? 8 : 0);
      if (m_nidx > m_meta.size() / m_recsz)
        fail(fmt::format("i_size {} needs more encoded extents than the image holds", ino.size), m_header_pos);
      m_meta.require(m_ext_pos, base - m_ext_pos + m_nidx * m_recsz, "encoded extents outside the image", where());
    }
    return;
  }

  m_algs[0] = h.h_algorithmtype & 15;
  m_algs[1] = h.h_algorithmtype >> 4;
  for (unsigned k = 0; k < 2; ++k)
    if (m_algs[k] >= codec::k_algorithm_count)
      throw Unsupported(fmt::format("unknown HEAD{} format {}", k + 1, m_algs[k]), m_meta.at(m_header_pos + 6, where()));
  const u16 big = od::k_zadvise_big_pcluster_1 | od::k_zadvise_big_pcluster_2;
  if ((m_advise & big) && !sb.has_incompat(od::k_incompat_big_pcluster))
    fail("per-inode big pcluster without sb feature", m_header_pos + 4);
  if (m_mode == Mode::compact && bool(m_advise & od::k_zadvise_big_pcluster_1) != bool(m_advise & od::k_zadvise_big_pcluster_2))
    fail("big pcluster head1/2 of compact indexes should be consistent", m_header_pos + 4);
  if (m_advise & od::k_zadvise_fragment_pcluster) {
    need_packed();
    m_fragment_off = u32(h.h_fragmentoff);
  } else if (m_advise & od::k_zadvise_inline_pcluster) {
    m_idata_size = u16(h.h_fragmentoff >> 16);
    m_inline = m_idata_size != 0;
  }

  // Index geometry; the whole array must lie in the metadata space, which also bounds the
  // number of lclusters (and so all later walks) by the image size.
  const u64 bs = sb.block_size;
  if (m_mode == Mode::full) {
    if (m_lclusterbits > 16) throw Unsupported("lcluster size beyond 64 KiB", m_meta.at(m_header_pos + 7, where()));
    m_nidx = div_round_up(ino.size, u64(1) << m_lclusterbits);
    const u64 start = m_header_pos + 16;
    if (m_nidx > m_meta.size() / 8) fail(fmt::format("i_size {} needs more indexes than the image holds", ino.size), start);
    m_meta.require(start, m_nidx * 8, "lcluster indexes outside the image", where());
  } else {
    if (m_lclusterbits > 14)
      throw Unsupported(fmt::format("compact indexes with lclusterbits {}", m_lclusterbits), m_meta.at(m_header_pos + 7, where()));
    m_nidx = div_round_up(ino.size, bs);  // kernel and utils count compact entries in blocks
    if (m_nidx > m_meta.size() / 2) fail(fmt::format("i_size {} needs more indexes than the image holds", ino.size), m_header_pos);
    m_ebase = m_header_pos + sizeof(od::ZMapHeader);
    m_n4i = ((32 - m_ebase % 32) / 4) & 7;
    if ((m_advise & od::k_zadvise_compacted_2b) && m_n4i < m_nidx) {
      if (m_lclusterbits > 12)
        throw Unsupported(fmt::format("2-byte compact indexes with lclusterbits {}", m_lclusterbits),
                          m_meta.at(m_header_pos + 4, where()));
      m_n2 = (m_nidx - m_n4i) / 16 * 16;
    }
  }

  // The tail extent (ztailpacking / fragment) is the one holding the last byte (§5.9, §5.10).
  if ((m_inline || (m_advise & od::k_zadvise_fragment_pcluster)) && ino.size > 0) {
    Lcluster last;
    Lcluster head = head_of(ino.size - 1, &last);
    m_has_tail = true;
    m_tail_head_lcn = head.lcn;
    m_inline_pos = last.next_pack;
    if ((m_advise & od::k_zadvise_fragment_pcluster) && m_mode == Mode::full)
      m_fragment_off |= head.pblk << 32;  // layout 1: high half in the head's blkaddr
  }
}

Where ZMap::where(const std::string& detail) const {
  Where w;
  w.nid = m_ino.nid;
  w.detail = detail;
  return w;
}

const char* ZMap::index_kind() const {
  if (m_whole_fragment) return "fragment";
  switch (m_mode) {
    case Mode::full: return "full";
    case Mode::compact: return "compact";
    case Mode::extents: return "extents";
  }
  return "unknown";
}

void ZMap::fail(const std::string& what, u64 byte, const std::string& detail) const {
  throw CorruptImage(what, m_meta.at(byte, where(detail)));
}

// ---------------------------------------------------------------------------------------------
// Lcluster indexes (§5.4 - §5.6)

ZMap::Lcluster ZMap::load(u64 lcn, bool need_pblk) const {
  if (lcn >= m_nidx) fail(fmt::format("lcluster {} beyond the {} indexes", lcn, m_nidx), m_header_pos);
  Lcluster l = m_mode == Mode::full ? load_full(lcn) : load_compact(lcn, need_pblk);
  if (l.type != od::k_zlcluster_nonhead && l.clusterofs >= (u32(1) << m_lclusterbits))
    fail(fmt::format("bogus clusterofs {}", l.clusterofs), l.pos, fmt::format("lcn {}", lcn));
  return l;
}

ZMap::Lcluster ZMap::load_full(u64 lcn) const {
  Lcluster l;
  l.lcn = lcn;
  l.pos = m_header_pos + 16 + lcn * 8;
  auto di = m_meta.read<od::ZLclusterIndex>(l.pos, "lcluster index outside the image", where());
  const u16 advise = di.di_advise;
  l.type = advise & 3;
  l.next_pack = l.pos + 8;
  if (l.type == od::k_zlcluster_nonhead) {
    l.clusterofs = u32(1) << m_lclusterbits;
    l.delta0 = u32(di.di_u) & 0xFFFF;
    if (l.delta0 & od::k_zli_d0_cblkcnt) {
      if (!(m_advise & (od::k_zadvise_big_pcluster_1 | od::k_zadvise_big_pcluster_2)))
        fail("CBLKCNT without big pcluster", l.pos, fmt::format("lcn {}", lcn));
      l.cblkcnt = l.delta0 & ~u32(od::k_zli_d0_cblkcnt);
      l.delta0 = 1;
    }
  } else {
    l.partial_ref = advise & od::k_zli_partial_ref;
    l.clusterofs = di.di_clusterofs;
    l.pblk = u32(di.di_u);
  }
  return l;
}

ZMap::Lcluster ZMap::load_compact(u64 lcn, bool need_pblk) const {
  Lcluster l;
  l.lcn = lcn;
  // Walk the three regions: n4i 4-byte entries, n2 2-byte entries, then 4-byte entries.
  u64 pos = m_ebase;
  unsigned shift = 2;
  u64 rel = lcn;
  if (rel >= m_n4i) {
    pos += m_n4i * 4;
    rel -= m_n4i;
    if (rel < m_n2) {
      shift = 1;
    } else {
      pos += m_n2 * 2;
      rel -= m_n2;
    }
  }
  pos += rel << shift;
  const unsigned vcnt = shift == 2 ? 2 : 16;
  const unsigned pack_size = vcnt << shift;
  const unsigned encodebits = (pack_size - 4) * 8 / vcnt;  // 16 or 14
  const unsigned lobits = std::max(m_lclusterbits, 12u);
  const u64 pack_start = pos / pack_size * pack_size;
  auto pack = m_meta.bytes(pack_start, pack_size, "compact index outside the image", where(fmt::format("lcn {}", lcn)));
  l.pos = pos;
  l.next_pack = pack_start + pack_size;
  int i = static_cast<int>((pos - pack_start) >> shift);

  unsigned type = 0;
  u32 lo = decode_compact(pack, lobits, encodebits * i, &type);
  l.type = type;
  if (type == od::k_zlcluster_nonhead) {
    l.clusterofs = u32(1) << m_lclusterbits;
    if (lo & od::k_zli_d0_cblkcnt) {
      if (!(m_advise & od::k_zadvise_big_pcluster_1))
        fail("CBLKCNT without big pcluster", pos, fmt::format("lcn {}", lcn));
      l.cblkcnt = lo & ~u32(od::k_zli_d0_cblkcnt);
      l.delta0 = 1;
    } else if (i + 1 != static_cast<int>(vcnt)) {
      l.delta0 = lo;
    } else {
      // The last entry of a pack stores delta[1]; delta[0] follows from its left neighbour.
      unsigned ptype = 0;
      u32 plo = decode_compact(pack, lobits, encodebits * (i - 1), &ptype);
      if (ptype != od::k_zlcluster_nonhead)
        plo = 0;
      else if (plo & od::k_zli_d0_cblkcnt)
        plo = 1;
      l.delta0 = plo + 1;
    }
    return l;
  }
  l.clusterofs = lo;
  if (!need_pblk) return l;
  // The head's block = pack base + blocks used by the pclusters whose heads precede it in
  // this pack (mkfs stores the base minus one without big pclusters).
  u64 nblk = 0;
  if (!(m_advise & od::k_zadvise_big_pcluster_1)) {
    nblk = 1;
    while (i > 0) {
      --i;
      unsigned t = 0;
      u32 v = decode_compact(pack, lobits, encodebits * i, &t);
      if (t == od::k_zlcluster_nonhead) i -= static_cast<int>(v);
      if (i >= 0) ++nblk;
    }
  } else {
    while (i > 0) {
      --i;
      unsigned t = 0;
      u32 v = decode_compact(pack, lobits, encodebits * i, &t);
      if (t == od::k_zlcluster_nonhead) {
        if (v & od::k_zli_d0_cblkcnt) {
          --i;
          nblk += v & ~u32(od::k_zli_d0_cblkcnt);
          continue;
        }
        if (v <= 1) fail("bogus compact delta in big pcluster pack", pack_start, fmt::format("lcn {}", lcn));
        i -= static_cast<int>(v) - 2;
        continue;
      }
      ++nblk;
    }
  }
  l.pblk = u64(load_le32(pack.data() + pack_size - 4)) + nblk;
  return l;
}

// §5.7 steps 1-4: the head lcluster of the extent holding `ofs`, with bounded lookback.
ZMap::Lcluster ZMap::head_of(u64 ofs, Lcluster* initial) const {
  const u64 lcn = ofs >> m_lclusterbits;
  const u32 endoff = static_cast<u32>(ofs & ((u64(1) << m_lclusterbits) - 1));
  Lcluster l = load(lcn, true);
  if (initial) *initial = l;
  u64 dist = 0;
  if (l.type != od::k_zlcluster_nonhead) {
    if (endoff >= l.clusterofs) return l;
    if (lcn == 0) fail("invalid logical cluster 0", l.pos, "lcn 0");
    dist = 1;  // the byte belongs to the previous extent
  } else {
    dist = l.delta0;
  }
  // An extent spans at most k_zmax_extent bytes, so a head is never further back than that.
  const u64 max_back = (k_zmax_extent >> m_lclusterbits) + 2;
  u64 cur = lcn;
  for (;;) {
    if (dist == 0 || dist > cur || lcn - (cur - dist) > max_back)
      fail(fmt::format("bogus lookback distance {}", dist), l.pos, fmt::format("lcn {}", cur));
    cur -= dist;
    l = load(cur, true);
    if (l.type != od::k_zlcluster_nonhead) return l;
    dist = l.delta0;
  }
}

// §5.7 step 5: compressed size in blocks of the pcluster headed by `head`.
u64 ZMap::compressed_blocks(const Lcluster& head) const {
  const bool big1 = m_advise & od::k_zadvise_big_pcluster_1;
  const bool big2 = m_advise & od::k_zadvise_big_pcluster_2;
  const bool big = head.type == od::k_zlcluster_head1 ? big1 : big2;
  if (!big || ((head.lcn + 1) << m_lclusterbits) >= m_ino.size) return 1;
  Lcluster n = load(head.lcn + 1, false);
  if (n.type != od::k_zlcluster_nonhead) return 1;
  if (n.delta0 != 1) fail("bogus CBLKCNT", n.pos, fmt::format("lcn {}", n.lcn));
  if (n.cblkcnt == 0) fail("cannot find CBLKCNT", n.pos, fmt::format("lcn {}", n.lcn));
  return n.cblkcnt;
}

ZExtent ZMap::map_index(u64 ofs) const {
  const SuperInfo& sb = m_img.sb();
  const bool fragment = m_advise & od::k_zadvise_fragment_pcluster;
  ZExtent e;
  // A tail fragment whose head is lcluster 0 covers the whole file (kernel behaviour).
  if (fragment && m_has_tail && m_tail_head_lcn == 0) {
    e.la = 0;
    e.llen = m_ino.size;
    e.kind = ZKind::fragment;
    e.frag_off = m_fragment_off;
    return e;
  }
  Lcluster head = head_of(ofs, nullptr);
  e.head_lcn = head.lcn;
  e.la = (head.lcn << m_lclusterbits) | head.clusterofs;
  e.partial_ref = head.partial_ref;
  const std::string at_lcn = fmt::format("lcn {}", head.lcn);

  // The extent ends where the next head starts (or at EOF). Scanning forward instead of
  // trusting delta[1] means a hostile index cannot make two extents overlap.
  const u64 max_span = (k_zmax_extent >> m_lclusterbits) + 2;
  u64 end = m_ino.size;
  for (u64 l = head.lcn + 1; (l << m_lclusterbits) < m_ino.size; ++l) {
    if (l - head.lcn > max_span) fail("extent larger than 12 MiB", head.pos, at_lcn);
    Lcluster n = load(l, false);
    if (n.type != od::k_zlcluster_nonhead) {
      end = (l << m_lclusterbits) | n.clusterofs;
      break;
    }
  }
  if (end <= ofs || end <= e.la) fail("bogus lookback distance", head.pos, fmt::format("lcn {}", ofs >> m_lclusterbits));
  e.llen = end - e.la;

  if (m_has_tail && head.lcn == m_tail_head_lcn && m_inline) {
    e.in_meta = true;
    e.pa = m_inline_pos;
    e.plen = m_idata_size;
    if (m_inline_pos % sb.block_size + m_idata_size > sb.block_size)
      fail("ztailpacking inline data across blocks", m_inline_pos, at_lcn);
  } else if (m_has_tail && head.lcn == m_tail_head_lcn && fragment) {
    e.kind = ZKind::fragment;
    e.frag_off = m_fragment_off;
    return e;
  } else {
    if (head.pblk > (~u64(0) >> sb.blkszbits)) fail("block address overflows", head.pos, at_lcn);
    e.pa = head.pblk << sb.blkszbits;
    e.plen = compressed_blocks(head) << sb.blkszbits;
  }
  if (head.type == od::k_zlcluster_plain) {
    e.kind = (m_advise & od::k_zadvise_interlaced_pcluster) ? ZKind::interlaced : ZKind::shifted;
  } else {
    e.kind = ZKind::compressed;
    e.algorithm = m_algs[head.type == od::k_zlcluster_head2 ? 1 : 0];
  }
  check(e, head.pos);
  return e;
}

// ---------------------------------------------------------------------------------------------
// Encoded extents (§5.11)

u64 ZMap::extent_pa_recsz4(u64 lcn) const {
  // recsz 4: pclusters are contiguous from a u64 base, so pa = base + sum of earlier plens.
  // Checkpoints keep repeated lookups from rescanning from lcluster 0.
  const u64 recs = m_ext_pos + 8;
  if (m_pa_checkpoints.empty()) m_pa_checkpoints.push_back(m_meta.read<ul64>(m_ext_pos, "encoded extents outside the image", where()));
  const u64 want_cp = lcn / k_checkpoint_step;
  while (m_pa_checkpoints.size() <= want_cp) {
    u64 k = m_pa_checkpoints.size() - 1;
    u64 pa = m_pa_checkpoints.back();
    for (u64 j = k * k_checkpoint_step; j < (k + 1) * k_checkpoint_step; ++j)
      pa += m_meta.read<ul32>(recs + j * 4, "encoded extents outside the image", where()) & od::k_zextent_plen_mask;
    m_pa_checkpoints.push_back(pa);
  }
  u64 pa = m_pa_checkpoints[want_cp];
  for (u64 j = want_cp * k_checkpoint_step; j < lcn; ++j)
    pa += m_meta.read<ul32>(recs + j * 4, "encoded extents outside the image", where()) & od::k_zextent_plen_mask;
  return pa;
}

ZExtent ZMap::map_extents(u64 ofs) const {
  const u64 bs = m_img.sb().block_size;
  ZExtent e;
  u64 lstart = 0, lend = m_ino.size, pa = 0, rec_pos = 0;
  u32 plen = 0;
  bool last = false;
  if (m_recsz <= 8) {
    // One extent per lcluster.
    const u64 lsize = u64(1) << m_lclusterbits;
    const u64 lcn = ofs >> m_lclusterbits;
    if (m_recsz == 4) {
      rec_pos = m_ext_pos + 8 + lcn * 4;
      pa = extent_pa_recsz4(lcn);
      plen = m_meta.read<ul32>(rec_pos, "encoded extent outside the image", where());
    } else {
      rec_pos = m_ext_pos + lcn * 8;
      plen = m_meta.read<ul32>(rec_pos, "encoded extent outside the image", where());
      pa = m_meta.read<ul32>(rec_pos + 4, "encoded extent outside the image", where());
    }
    lstart = lcn << m_lclusterbits;
    lend = std::min(lstart + lsize, m_ino.size);
    last = lstart + lsize >= m_ino.size;
  } else {
    // Variable extents sorted by lstart: binary search for the last one starting <= ofs.
    lstart = m_ino.size;
    u64 l = 0, r = m_ext_count;
    while (l < r) {
      u64 mid = l + (r - l) / 2;
      const u64 at = m_ext_pos + mid * m_recsz;
      auto rec = m_meta.bytes(at, m_recsz, "encoded extent outside the image", where());
      u64 la = load_le32(rec.data() + 12);
      if (m_recsz > 16) la |= u64(load_le32(rec.data() + 16)) << 32;
      const u64 rpa = load_le32(rec.data() + 4) | u64(load_le32(rec.data() + 8)) << 32;
      if (la > ofs) {
        r = mid;
        if (la > lend) fail("bogus encoded extent order", at, fmt::format("extent {}", mid));
        lend = la;
      } else {
        l = mid + 1;
        if (la == ofs) r = std::min(l + 1, r);
        lstart = la;
        plen = load_le32(rec.data());
        pa = rpa;
        rec_pos = at;
      }
    }
    last = l >= m_ext_count;
  }
  if (lstart >= lend) {  // no extent starts at or before ofs: unmapped
    e.la = ofs;
    e.llen = lend - ofs;
    return e;
  }
  e.la = lstart;
  e.llen = lend - lstart;
  if (last && (m_advise & od::k_zadvise_fragment_pcluster)) {
    e.kind = ZKind::fragment;
    e.frag_off = plen;
    if (m_recsz > 4) e.frag_off |= pa << 32;
    return e;
  }
  if (!(plen & od::k_zextent_plen_mask)) return e;  // hole
  const unsigned fmt = plen >> od::k_zextent_plen_fmt_bit;
  e.partial_ref = plen & od::k_zextent_plen_partial;
  e.pa = pa;
  e.plen = plen & od::k_zextent_plen_mask;
  if (fmt) {
    e.kind = ZKind::compressed;
    e.algorithm = fmt - 1;
  } else if ((m_advise & od::k_zadvise_interlaced_pcluster) && !((e.pa | e.plen) & (bs - 1))) {
    e.kind = ZKind::interlaced;
  } else {
    e.kind = ZKind::shifted;
  }
  check(e, rec_pos);
  return e;
}

// §5.7 step 8 and the algorithm checks: what the kernel refuses to decode.
void ZMap::check(ZExtent& e, u64 byte) const {
  const std::string at = fmt::format("la {}", e.la);
  if (e.kind == ZKind::compressed) {
    if (e.algorithm >= codec::k_algorithm_count)
      throw Unsupported(fmt::format("unknown algorithm {}", e.algorithm), m_meta.at(byte, where(at)));
    if (!(available_algorithms(m_img.sb()) & (1u << e.algorithm)))
      fail(fmt::format("inconsistent algorithmtype {}", e.algorithm), byte, at);
  }
  if (e.plen > k_zmax_pcluster) fail(fmt::format("pcluster of {} bytes exceeds 1 MiB", e.plen), byte, at);
  if (e.plen == 0) fail("empty pcluster", byte, at);
  if (e.llen > k_zmax_extent) fail(fmt::format("extent of {} bytes exceeds 12 MiB", e.llen), byte, at);
  if ((e.kind == ZKind::shifted || e.kind == ZKind::interlaced) && e.llen > e.plen)
    fail("not enough plain data on disk", byte, at);
}

ZExtent ZMap::map(u64 ofs) const {
  if (ofs >= m_ino.size) fail(fmt::format("offset {} beyond i_size {}", ofs, m_ino.size), m_header_pos);
  if (m_whole_fragment) {
    ZExtent e;
    e.llen = m_ino.size;
    e.kind = ZKind::fragment;
    e.frag_off = m_fragment_off;
    return e;
  }
  return m_mode == Mode::extents ? map_extents(ofs) : map_index(ofs);
}

// ---------------------------------------------------------------------------------------------

ZSummary summarize_compressed(const Image& img, const Inode& ino) {
  ZSummary s;
  if (ino.size == 0) return s;
  ZMap map(img, ino);
  // One record per mapped pcluster: address (inline ones tagged with bit 63, as they are
  // metadata-space offsets), size, stored uncompressed.
  struct Pcluster {
    u64 pa, plen;
    bool plain;
    auto operator<=>(const Pcluster&) const = default;
  };
  std::vector<Pcluster> pclusters;
  u16 algs = 0;
  for (u64 pos = 0; pos < ino.size;) {
    ZExtent e = map.map(pos);
    ++s.extents;
    if (e.kind == ZKind::fragment) {
      s.fragment_bytes += e.la + e.llen - pos;
    } else if (e.kind != ZKind::hole) {
      if (e.kind == ZKind::compressed) algs |= u16(1u << e.algorithm);
      if (e.in_meta) s.inline_tail = true;
      Pcluster p{e.pa | (u64(e.in_meta) << 63), e.plen, e.kind != ZKind::compressed};
      if (pclusters.empty() || pclusters.back() != p) pclusters.push_back(p);
    }
    pos = e.la + e.llen;
  }
  // Deduplicated images may reference one pcluster from several extents: count it once.
  std::sort(pclusters.begin(), pclusters.end());
  pclusters.erase(std::unique(pclusters.begin(), pclusters.end()), pclusters.end());
  s.pclusters = pclusters.size();
  for (const auto& p : pclusters) {
    s.compressed_bytes += p.plen;
    s.plain_pclusters += p.plain;
  }
  for (unsigned a = 0; a < 16; ++a)
    if (algs & (1u << a)) s.algorithms.push_back(a);
  return s;
}

}  // namespace core::erofs
