#include "tests/hostile/mutator.hpp"

#include <algorithm>
#include <functional>
#include <random>
#include <set>

#include <fmt/format.h>

#include "core/erofs/dir.hpp"
#include "core/erofs/image.hpp"
#include "core/erofs/ondisk.hpp"
#include "core/erofs/superblock.hpp"
#include "tests/hostile/check_image.hpp"

namespace hostile {

namespace od = core::erofs::ondisk;
using core::erofs::FileType;
using core::erofs::Layout;

// ---------------------------------------------------------------------------------------------
// Finding the structures.

ImageMap map_image(std::span<const u8> bytes) {
  core::erofs::OpenOptions options;
  options.limits = low_limits();
  core::erofs::Image img(bytes, "base", options);
  const auto& sb = img.sb();
  ImageMap m;
  m.blkszbits = sb.blkszbits;
  m.block_size = sb.block_size;
  m.blocks = sb.blocks;
  m.root_nid = sb.root_nid;
  m.sb_chksum = sb.has_compat(od::k_compat_sb_chksum);
  const u64 bs = sb.block_size;
  const auto& v = img.primary();

  std::set<u64> seen;
  std::set<u64> shared;
  core::erofs::walk_tree(img, [&](const std::string&, const core::erofs::Inode& ino) {
    if (!seen.insert(ino.nid).second || ino.in_metabox) return;
    m.inodes.push_back(InodeSite{ino.nid, ino.pos, ino.extended, ino.type, ino.layout, ino.size});
    if (ino.xattr_isize) {
      m.ibodies.push_back(Range{ino.xattr_pos(), ino.xattr_isize, ino.nid});
      u8 count = v.read<u8>(ino.xattr_pos() + 4);
      const u64 base = sb.has_compat(od::k_compat_shared_ea_in_metabox) ? ~u64(0) : sb.xattr_blkaddr << sb.blkszbits;
      for (unsigned i = 0; i < count && base != ~u64(0); ++i)
        shared.insert(base + 4 * u64(v.read<core::ul32>(ino.xattr_pos() + 12 + 4 * i)));
    }
    if (ino.type == FileType::dir && (ino.layout == Layout::flat_plain || ino.layout == Layout::flat_inline)) {
      u64 tail = 0;
      if (ino.layout == Layout::flat_inline && ino.size) tail = ino.size % bs ? ino.size % bs : bs;
      const u64 full = ino.size - tail;
      for (u64 off = 0; off < full && !ino.startblk_null; off += bs)
        m.dir_blocks.push_back(Range{(ino.startblk << sb.blkszbits) + off, std::min(bs, full - off), ino.nid});
      if (tail) m.dir_blocks.push_back(Range{ino.meta_end(), tail, ino.nid});
    }
    if (ino.is_compressed()) {
      // §5.1: the map header, then lcluster indexes (or encoded extents).
      const u64 start = core::align_up(ino.meta_end(), 8);
      const u64 clusters = core::div_round_up(ino.size, bs);
      m.zmaps.push_back(Range{start, 8 + 8 * std::min<u64>(clusters, 32), ino.nid});
    }
    if (ino.layout == Layout::chunk_based) {
      const unsigned unit = (ino.chunk_format & od::k_chunk_format_indexes) ? 8 : 4;
      const u64 chunk = u64(1) << (sb.blkszbits + (ino.chunk_format & od::k_chunk_format_blkbits_mask));
      m.chunks.push_back(ChunkSite{ino.nid, core::align_up(ino.meta_end(), unit), core::div_round_up(ino.size, chunk), unit});
    }
  });
  m.shared_entries.assign(shared.begin(), shared.end());

  // A plain long-prefix table (§4.5 cases 1 and 4).
  const bool plain = sb.has_compat(od::k_compat_plain_xattr_pfx) ||
                     (!sb.has_incompat(od::k_incompat_metabox) &&
                      !(sb.has_incompat(od::k_incompat_fragments) && sb.packed_nid != 0));
  if (plain && sb.xattr_prefix_count) {
    u64 at = u64(sb.xattr_prefix_start) * 4;
    for (unsigned i = 0; i < sb.xattr_prefix_count; ++i) {
      at = core::align_up(at, 4);
      m.prefix_records.push_back(at);
      at += 2 + u16(v.read<core::ul16>(at));
    }
  }
  if (sb.has_incompat(od::k_incompat_device_table)) {
    auto raw = v.read<od::SuperBlock>(od::k_super_offset);
    m.device_table = u64(u16(raw.devt_slotoff)) * 128;
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// Mutating.

namespace {

class Rng {
public:
  explicit Rng(u64 seed) : m_gen(seed) {}
  u64 next() { return m_gen(); }
  u64 below(u64 n) { return n ? next() % n : 0; }
  bool chance(unsigned percent) { return below(100) < percent; }
  template <class T>
  const T& pick(const std::vector<T>& v) { return v[below(v.size())]; }

private:
  std::mt19937_64 m_gen;
};

u64 fnv1a(const std::string& s) {
  u64 h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

u64 get_le(const std::vector<u8>& b, u64 off, unsigned width) {
  u64 v = 0;
  for (unsigned i = 0; i < width && off + i < b.size(); ++i) v |= u64(b[off + i]) << (8 * i);
  return v;
}

// Writes `width` bytes little-endian; bytes past the end are dropped.
void put_le(std::vector<u8>& b, u64 off, u64 value, unsigned width) {
  for (unsigned i = 0; i < width; ++i)
    if (off + i < b.size()) b[off + i] = static_cast<u8>(value >> (8 * i));
}

struct Ctx {
  const std::string& fixture;
  const std::vector<u8>& base;
  const ImageMap& map;
  Rng& rng;
};

// The result of one operator: a description and the mutated bytes.
struct Change {
  std::string desc;
  std::vector<u8> bytes;
};

Change set_field(const Ctx& c, const std::string& what, u64 off, unsigned width, u64 value) {
  Change ch{fmt::format("{} (byte {:#x}, {} bytes) {:#x} -> {:#x}", what, off, width, get_le(c.base, off, width), value),
            c.base};
  put_le(ch.bytes, off, value, width);
  return ch;
}

u64 some_nid(const Ctx& c) {
  if (c.map.inodes.empty()) return 0;
  return c.rng.pick(c.map.inodes).nid;
}

u64 some_dir_nid(const Ctx& c) {
  std::vector<u64> dirs;
  for (const auto& i : c.map.inodes)
    if (i.type == FileType::dir) dirs.push_back(i.nid);
  return dirs.empty() ? c.map.root_nid : c.rng.pick(dirs);
}

u64 interesting(const Ctx& c, unsigned width, u64 current) {
  const u64 mask = width >= 8 ? ~u64(0) : (u64(1) << (8 * width)) - 1;
  const u64 bs = c.map.block_size;
  std::vector<u64> v{0,           1,           2,          current + 1, current - 1, current ^ 1,
                     mask,        mask >> 1,   mask ^ (mask >> 1),      bs - 1,      bs,          bs + 1,
                     c.map.blocks, c.map.blocks - 1, current * 2, c.rng.next()};
  return c.rng.pick(v) & mask;
}

// A position inside some known structure (or anywhere, sometimes).
u64 some_position(const Ctx& c) {
  const auto& m = c.map;
  std::vector<std::function<u64()>> where;
  where.push_back([&] { return od::k_super_offset + c.rng.below(128); });
  if (!m.inodes.empty())
    where.push_back([&] {
      const auto& i = c.rng.pick(m.inodes);
      return i.pos + c.rng.below(i.extended ? 64 : 32);
    });
  if (!m.dir_blocks.empty())
    where.push_back([&] {
      const auto& r = c.rng.pick(m.dir_blocks);
      return r.pos + c.rng.below(r.len);
    });
  if (!m.ibodies.empty())
    where.push_back([&] {
      const auto& r = c.rng.pick(m.ibodies);
      return r.pos + c.rng.below(r.len);
    });
  if (!m.chunks.empty())
    where.push_back([&] {
      const auto& s = c.rng.pick(m.chunks);
      return s.pos + c.rng.below(std::max<u64>(1, s.count * s.unit));
    });
  if (!m.zmaps.empty())
    where.push_back([&] {
      const auto& r = c.rng.pick(m.zmaps);
      return r.pos + c.rng.below(r.len);
    });
  where.push_back([&] { return c.rng.below(c.base.size()); });
  return c.rng.pick(where)();
}

Change bit_flips(const Ctx& c) {
  Change ch{"", c.base};
  unsigned n = 1 + static_cast<unsigned>(c.rng.below(3));
  for (unsigned k = 0; k < n; ++k) {
    u64 off = std::min<u64>(some_position(c), c.base.size() - 1);
    unsigned bit = static_cast<unsigned>(c.rng.below(8));
    ch.bytes[off] ^= static_cast<u8>(1u << bit);
    ch.desc += fmt::format("{}flip bit {} of byte {:#x}", k ? ", " : "", bit, off);
  }
  return ch;
}

Change overwrite(const Ctx& c) {
  const u64 off = some_position(c);
  const unsigned width = std::vector<unsigned>{1, 2, 4, 8}[c.rng.below(4)];
  return set_field(c, "overwrite", off, width, interesting(c, width, get_le(c.base, off, width)));
}

Change truncate_at(const Ctx& c, u64 size, const std::string& why) {
  size = std::min<u64>(size, c.base.size() - 1);
  Change ch{fmt::format("truncate to {:#x} bytes ({})", size, why), c.base};
  ch.bytes.resize(size);
  return ch;
}

Change truncate_random(const Ctx& c) { return truncate_at(c, c.rng.below(c.base.size()), "random"); }

Change truncate_boundary(const Ctx& c) {
  const auto& m = c.map;
  std::vector<std::pair<u64, std::string>> cuts{{od::k_super_offset, "superblock start"},
                                                {od::k_super_offset + 64, "superblock middle"},
                                                {od::k_super_offset + 128, "superblock end"}};
  for (u64 b = 1; b < c.base.size() / m.block_size; b += 1 + c.rng.below(8))
    cuts.emplace_back(b * m.block_size, fmt::format("block {}", b));
  if (!m.inodes.empty()) {
    const auto& i = c.rng.pick(m.inodes);
    cuts.emplace_back(i.pos, fmt::format("start of nid {}", i.nid));
    cuts.emplace_back(i.pos + 16, fmt::format("inside nid {}", i.nid));
    cuts.emplace_back(i.pos + (i.extended ? 64 : 32), fmt::format("end of nid {}", i.nid));
  }
  if (!m.dir_blocks.empty()) {
    const auto& r = c.rng.pick(m.dir_blocks);
    cuts.emplace_back(r.pos + r.len / 2, fmt::format("inside a dirent block of nid {}", r.nid));
  }
  if (!m.ibodies.empty()) {
    const auto& r = c.rng.pick(m.ibodies);
    cuts.emplace_back(r.pos + r.len - 1, fmt::format("inside the xattr ibody of nid {}", r.nid));
  }
  if (!m.chunks.empty()) {
    const auto& s = c.rng.pick(m.chunks);
    cuts.emplace_back(s.pos + s.unit / 2, fmt::format("inside the chunk array of nid {}", s.nid));
  }
  cuts.emplace_back(c.base.size() - 1, "last byte");
  const auto& cut = c.rng.pick(cuts);
  return truncate_at(c, cut.first, cut.second);
}

struct SbField {
  u64 off;
  unsigned width;
  const char* name;
};

Change superblock_field(const Ctx& c) {
  static const std::vector<SbField> fields{
      {0x08, 4, "feature_compat"},      {0x0C, 1, "blkszbits"},        {0x0D, 1, "sb_extslots"},
      {0x0E, 2, "rootnid_2b"},          {0x10, 8, "inos"},             {0x18, 8, "epoch"},
      {0x24, 4, "blocks_lo"},           {0x28, 4, "meta_blkaddr"},     {0x2C, 4, "xattr_blkaddr"},
      {0x50, 4, "feature_incompat"},    {0x54, 2, "available_compr_algs"}, {0x56, 2, "extra_devices"},
      {0x58, 2, "devt_slotoff"},        {0x5A, 1, "dirblkbits"},       {0x5B, 1, "xattr_prefix_count"},
      {0x5C, 4, "xattr_prefix_start"},  {0x60, 8, "packed_nid"},       {0x68, 1, "xattr_filter_reserved"},
      {0x69, 1, "ishare_xattr_prefix_id"}, {0x6C, 4, "build_time"},    {0x70, 8, "rootnid_8b"},
  };
  const SbField& f = c.rng.pick(fields);
  const u64 off = od::k_super_offset + f.off;
  const u64 cur = get_le(c.base, off, f.width);
  u64 value;
  const std::string name = f.name;
  if (name == "blkszbits") {
    value = std::vector<u64>{0, 8, 9, 10, 11, 12, 13, 16, 17, 255, cur - 1, cur + 1}[c.rng.below(12)];
  } else if (name == "feature_compat") {
    value = cur ^ (u64(1) << c.rng.below(c.rng.chance(80) ? 6 : 32));
  } else if (name == "feature_incompat") {
    value = cur ^ (u64(1) << c.rng.below(c.rng.chance(85) ? 9 : 32));
  } else if (name == "rootnid_2b" || name == "rootnid_8b" || name == "packed_nid") {
    std::vector<u64> v{some_nid(c), some_dir_nid(c), 0, 0xFFFF, cur + 1, u64(1) << 63, ~u64(0)};
    value = c.rng.pick(v);
  } else if (name == "xattr_prefix_count" || name == "ishare_xattr_prefix_id") {
    value = std::vector<u64>{0, 1, 2, 5, 127, 128, 255, cur + 1, cur - 1}[c.rng.below(9)];
  } else if (name == "extra_devices") {
    value = std::vector<u64>{0, 1, 2, 3, 0xFFFF}[c.rng.below(5)];
  } else {
    value = interesting(c, f.width, cur);
  }
  return set_field(c, fmt::format("superblock {}", f.name), off, f.width, value);
}

// Several superblock fields at once, for features whose checks need more than one change.
Change superblock_compound(const Ctx& c) {
  Change ch{"", c.base};
  const u64 sb = od::k_super_offset;
  switch (c.rng.below(3)) {
    case 0: {  // METABOX with an extension slot and some nid
      u64 nid = c.rng.chance(70) ? some_nid(c) : c.rng.next();
      put_le(ch.bytes, sb + 0x50, get_le(c.base, sb + 0x50, 4) | od::k_incompat_metabox, 4);
      put_le(ch.bytes, sb + 0x0D, 1, 1);
      put_le(ch.bytes, sb + 0x80, nid, 8);
      ch.desc = fmt::format("superblock: METABOX on, sb_extslots 1, metabox_nid {:#x}", nid);
      break;
    }
    case 1: {  // a device table somewhere
      u64 slot = c.rng.below(c.base.size() / 128 + 2);
      u64 n = 1 + c.rng.below(3);
      put_le(ch.bytes, sb + 0x50, get_le(c.base, sb + 0x50, 4) | od::k_incompat_device_table, 4);
      put_le(ch.bytes, sb + 0x56, n, 2);
      put_le(ch.bytes, sb + 0x58, slot, 2);
      ch.desc = fmt::format("superblock: DEVICE_TABLE on, {} devices at slot {}", n, slot);
      break;
    }
    default: {  // 48-bit root nid
      u64 nid = c.rng.chance(70) ? some_dir_nid(c) : c.rng.next();
      put_le(ch.bytes, sb + 0x50, get_le(c.base, sb + 0x50, 4) | od::k_incompat_48bit, 4);
      put_le(ch.bytes, sb + 0x70, nid, 8);
      ch.desc = fmt::format("superblock: 48BIT on, rootnid_8b {:#x}", nid);
      break;
    }
  }
  return ch;
}

Change inode_field(const Ctx& c) {
  if (c.map.inodes.empty()) return bit_flips(c);
  const InodeSite& i = c.rng.pick(c.map.inodes);
  const u64 bs = c.map.block_size;
  const std::string who = fmt::format("nid {} ({})", i.nid, core::erofs::file_type_name(i.type));
  switch (c.rng.below(7)) {
    case 0: {
      u64 cur = get_le(c.base, i.pos, 2);
      std::vector<u64> v{cur ^ 1, cur | 0x10, cur | 0x20, cur | 0x8000, c.rng.next() & 0xFFFF};
      for (u64 layout = 0; layout < 8; ++layout) v.push_back((cur & ~u64(0xE)) | (layout << 1));
      return set_field(c, who + " i_format", i.pos, 2, c.rng.pick(v));
    }
    case 1:
      return set_field(c, who + " i_xattr_icount", i.pos + 2, 2,
                       std::vector<u64>{0, 1, 2, 3, get_le(c.base, i.pos + 2, 2) + 1, get_le(c.base, i.pos + 2, 2) - 1,
                                        0xFFFF, 0x8000, c.rng.below(64)}[c.rng.below(9)] & 0xFFFF);
    case 2: {
      static const std::vector<u64> types{0100000, 0040000, 0120000, 0020000, 0060000, 0010000, 0140000, 0, 0170000, 0030000};
      u64 cur = get_le(c.base, i.pos + 4, 2);
      return set_field(c, who + " i_mode", i.pos + 4, 2, (cur & 07777) | c.rng.pick(types));
    }
    case 3:
      return set_field(c, who + " i_nb", i.pos + 6, 2, interesting(c, 2, get_le(c.base, i.pos + 6, 2)));
    case 4: {
      const unsigned width = i.extended ? 8 : 4;
      const u64 cur = i.size;
      std::vector<u64> v{0,          1,           cur + 1,     cur - 1,      cur + bs, cur * 2,   bs - 1,
                         bs,         bs + 1,      0xFFFFFFFF,  0x7FFFFFFF,   cur + (u64(1) << 20)};
      if (i.extended) v.insert(v.end(), {u64(1) << 63, u64(1) << 62, u64(1) << 40, ~u64(0), u64(1) << 32});
      return set_field(c, who + " i_size", i.pos + 8, width, c.rng.pick(v));
    }
    case 5: {
      const u64 cur = get_le(c.base, i.pos + 0x10, 4);
      std::vector<u64> v{0, 0xFFFFFFFF, cur + 1, cur - 1, c.map.blocks, c.map.blocks - 1, c.rng.next() & 0xFFFFFFFF};
      if (i.layout == Layout::chunk_based)
        v.insert(v.end(), {0x80, 0x1F, 0x3F, 0x60, 0x20 | c.rng.below(32), cur ^ 0x20, cur + 1});
      return set_field(c, who + " i_u", i.pos + 0x10, 4, c.rng.pick(v));
    }
    default:
      if (i.extended)
        return set_field(c, who + " i_nlink", i.pos + 0x2C, 4, interesting(c, 4, get_le(c.base, i.pos + 0x2C, 4)));
      return set_field(c, who + " i_mtime", i.pos + 0x0C, 4, c.rng.next() & 0xFFFFFFFF);
  }
}

Change dirent_field(const Ctx& c) {
  if (c.map.dir_blocks.empty()) return inode_field(c);
  const Range& r = c.rng.pick(c.map.dir_blocks);
  const u64 count = std::max<u64>(1, std::min<u64>(get_le(c.base, r.pos + 8, 2), r.len) / 12);
  const u64 i = c.rng.below(count);
  const u64 de = r.pos + 12 * i;
  const std::string who = fmt::format("dir nid {} dirent {}", r.nid, i);
  switch (c.rng.below(5)) {
    case 0:
    case 1: {
      const u64 cur = get_le(c.base, de, 8);
      std::vector<u64> v{some_nid(c),  some_dir_nid(c), c.map.root_nid, r.nid,         cur + 1,
                         cur - 1,      cur | (u64(1) << 63), ~u64(0),   0,             cur + (u64(1) << 32)};
      return set_field(c, who + " nid", de, 8, c.rng.pick(v));
    }
    case 2: {
      const u64 cur = get_le(c.base, de + 8, 2);
      std::vector<u64> v{0, 1, 11, 12, 13, cur - 1, cur + 1, r.len, r.len - 1, c.map.block_size, 0xFFFF, cur + 12};
      return set_field(c, who + " nameoff", de + 8, 2, c.rng.pick(v) & 0xFFFF);
    }
    case 3:
      return set_field(c, who + " file_type", de + 10, 1, std::vector<u64>{0, 1, 2, 3, 4, 5, 6, 7, 8, 0xFF}[c.rng.below(10)]);
    default: {  // a byte of the name: '/', NUL or a swap that breaks the order
      const u64 nameoff = get_le(c.base, de + 8, 2);
      if (nameoff >= r.len) return set_field(c, who + " nameoff", de + 8, 2, 0);
      const u64 off = r.pos + nameoff;
      return set_field(c, who + " name byte", off, 1, std::vector<u64>{'/', 0, 0xFF, '0', 'z'}[c.rng.below(5)]);
    }
  }
}

Change xattr_field(const Ctx& c) {
  if (c.map.ibodies.empty()) return inode_field(c);
  if (!c.map.shared_entries.empty() && c.rng.chance(20)) {
    const u64 e = c.rng.pick(c.map.shared_entries);
    switch (c.rng.below(3)) {
      case 0: return set_field(c, "shared xattr e_name_len", e, 1, interesting(c, 1, get_le(c.base, e, 1)));
      case 1: return set_field(c, "shared xattr e_name_index", e + 1, 1, std::vector<u64>{0, 5, 7, 0x80, 0x85, 0xFF}[c.rng.below(6)]);
      default: return set_field(c, "shared xattr e_value_size", e + 2, 2, interesting(c, 2, get_le(c.base, e + 2, 2)));
    }
  }
  const Range& r = c.rng.pick(c.map.ibodies);
  const u64 shared = get_le(c.base, r.pos + 4, 1);
  const std::string who = fmt::format("nid {} xattr", r.nid);
  const u64 entry = r.pos + 12 + 4 * shared;
  switch (c.rng.below(7)) {
    case 0: return set_field(c, who + " h_name_filter", r.pos, 4, c.rng.next() & 0xFFFFFFFF);
    case 1: {
      std::vector<u64> v{0, shared + 1, shared - 1, 255, (r.len - 12) / 4, (r.len - 12) / 4 + 1, 64};
      return set_field(c, who + " h_shared_count", r.pos + 4, 1, c.rng.pick(v) & 0xFF);
    }
    case 2:
      if (shared)
        return set_field(c, who + " shared id", r.pos + 12 + 4 * c.rng.below(shared), 4,
                         std::vector<u64>{0xFFFFFFFF, 0x40000000, 1, c.rng.next() & 0xFFFFFF}[c.rng.below(4)]);
      [[fallthrough]];
    case 3:
      return set_field(c, who + " e_name_len", entry, 1, interesting(c, 1, get_le(c.base, entry, 1)));
    case 4:
      return set_field(c, who + " e_name_index", entry + 1, 1,
                       std::vector<u64>{0, 1, 5, 7, 0x80, 0x81, 0x9F, 0xFF}[c.rng.below(8)]);
    case 5:
      return set_field(c, who + " e_value_size", entry + 2, 2, interesting(c, 2, get_le(c.base, entry + 2, 2)));
    default: {  // a later inline entry
      const u64 off = r.pos + 12 + 4 * shared + 4 * c.rng.below(std::max<u64>(1, (r.len - 12 - 4 * shared) / 4));
      return set_field(c, who + " inline word", off, 4, c.rng.next() & 0xFFFFFFFF);
    }
  }
}

Change chunk_field(const Ctx& c) {
  if (c.map.chunks.empty()) return inode_field(c);
  const ChunkSite& s = c.rng.pick(c.map.chunks);
  const u64 k = c.rng.below(std::max<u64>(1, s.count));
  const u64 at = s.pos + s.unit * k;
  const std::string who = fmt::format("nid {} chunk {}", s.nid, k);
  if (s.unit == 4)
    return set_field(c, who + " block map", at, 4,
                     std::vector<u64>{0, 0xFFFFFFFF, 0xFFFFFFFE, c.map.blocks, c.map.blocks - 1, c.rng.next() & 0xFFFFFFFF}[c.rng.below(6)]);
  switch (c.rng.below(3)) {
    case 0: return set_field(c, who + " startblk_hi", at, 2, std::vector<u64>{1, 0xFFFF, 0x8000}[c.rng.below(3)]);
    case 1: return set_field(c, who + " device_id", at + 2, 2, std::vector<u64>{1, 2, 3, 4, 0xFFFF}[c.rng.below(5)]);
    default:
      return set_field(c, who + " startblk_lo", at + 4, 4,
                       std::vector<u64>{0, 0xFFFFFFFF, c.map.blocks, c.map.blocks - 1, c.rng.next() & 0xFFFFFFFF}[c.rng.below(5)]);
  }
}

Change zmap_field(const Ctx& c) {
  if (c.map.zmaps.empty()) return inode_field(c);
  const Range& r = c.rng.pick(c.map.zmaps);
  const std::string who = fmt::format("nid {} zmap", r.nid);
  switch (c.rng.below(6)) {
    case 0: return set_field(c, who + " h_fragmentoff/h_idata_size", r.pos, 4, interesting(c, 4, get_le(c.base, r.pos, 4)));
    case 1: return set_field(c, who + " h_advise", r.pos + 4, 2, get_le(c.base, r.pos + 4, 2) ^ (u64(1) << c.rng.below(8)));
    case 2: return set_field(c, who + " h_algorithmtype", r.pos + 6, 1, std::vector<u64>{0, 1, 2, 3, 4, 0x10, 0x33, 0xFF}[c.rng.below(8)]);
    case 3: return set_field(c, who + " h_clusterbits", r.pos + 7, 1, std::vector<u64>{0, 1, 3, 4, 15, 0x80, 0x81, 0xFF}[c.rng.below(8)]);
    default: {
      const u64 off = r.pos + 8 + 2 * c.rng.below(std::max<u64>(1, (r.len - 8) / 2));
      const unsigned width = c.rng.chance(50) ? 2 : 4;
      return set_field(c, who + " index word", off, width, interesting(c, width, get_le(c.base, off, width)));
    }
  }
}

Change prefix_field(const Ctx& c) {
  if (c.map.prefix_records.empty()) return superblock_field(c);
  const u64 at = c.rng.pick(c.map.prefix_records);
  if (c.rng.chance(70)) {
    const u64 cur = get_le(c.base, at, 2);
    return set_field(c, "prefix record len", at, 2,
                     std::vector<u64>{0, 1, 256, 257, 0xFFFF, cur + 1, cur - 1, cur + 4}[c.rng.below(8)] & 0xFFFF);
  }
  return set_field(c, "prefix record base_index", at + 2, 1, std::vector<u64>{0, 5, 7, 0x80, 0xFF}[c.rng.below(5)]);
}

Change device_table_field(const Ctx& c) {
  if (!c.map.device_table) return chunk_field(c);
  const u64 slot = c.map.device_table;
  switch (c.rng.below(3)) {
    case 0: return set_field(c, "device slot blocks_lo", slot + 0x40, 4, interesting(c, 4, get_le(c.base, slot + 0x40, 4)));
    case 1: return set_field(c, "device slot uniaddr_lo", slot + 0x44, 4, interesting(c, 4, get_le(c.base, slot + 0x44, 4)));
    default: return set_field(c, "device slot tag", slot, 8, c.rng.next());
  }
}

u64 checksum_len(unsigned bits) {
  const u64 bs = u64(1) << bits;
  return bs > od::k_super_offset ? bs - od::k_super_offset : bs;
}

}  // namespace

std::vector<Mutant> make_mutants(const std::string& fixture, const std::vector<u8>& base, const ImageMap& map,
                                 u64 seed, unsigned count) {
  Rng rng(seed ^ fnv1a(fixture));
  Ctx c{fixture, base, map, rng};
  struct Op {
    unsigned weight;
    Change (*fn)(const Ctx&);
  };
  static const Op ops[] = {
      {12, bit_flips},        {8, overwrite},          {4, truncate_random},    {6, truncate_boundary},
      {14, superblock_field}, {3, superblock_compound}, {20, inode_field},     {15, dirent_field},
      {10, xattr_field},      {6, chunk_field},        {3, prefix_field},       {2, device_table_field},
      {8, zmap_field},
  };
  unsigned total = 0;
  for (const Op& op : ops) total += op.weight;

  std::vector<Mutant> out;
  std::set<u64> seen;  // fingerprints of the mutants so far (and of the base)
  auto fingerprint = [](const std::vector<u8>& b) {
    u64 h = 1469598103934665603ull ^ b.size();
    for (u8 x : b) h = (h ^ x) * 1099511628211ull;
    return h;
  };
  seen.insert(fingerprint(base));
  for (unsigned n = 0, tries = 0; n < count && tries < count * 20; ++tries) {
    unsigned r = static_cast<unsigned>(rng.below(total));
    const Op* op = ops;
    while (r >= op->weight) r -= (op++)->weight;
    Change ch = op->fn(c);
    if (!seen.insert(fingerprint(ch.bytes)).second) continue;  // no-op or duplicate
    ++n;
    // SB_CHKSUM: a change inside the checksummed area would only test the checksum; also
    // produce the variant with a recomputed checksum so the deeper checks run.
    const unsigned bits = ch.bytes.size() > od::k_super_offset + 0x0C ? ch.bytes[od::k_super_offset + 0x0C] : 0;
    bool fixable = map.sb_chksum && bits >= 9 && bits <= 16 &&
                   ch.bytes.size() >= od::k_super_offset + checksum_len(bits);
    bool touched = false;
    if (fixable) {
      const u64 end = od::k_super_offset + checksum_len(bits);
      touched = !std::equal(ch.bytes.begin() + od::k_super_offset, ch.bytes.begin() + static_cast<std::ptrdiff_t>(end),
                            base.begin() + od::k_super_offset);
    }
    std::vector<u8> fixed;
    if (touched) {
      fixed = ch.bytes;
      core::util::ByteView v(fixed.data(), fixed.size());
      put_le(fixed, od::k_super_offset + 4, core::erofs::superblock_checksum(v, bits), 4);
    }
    out.push_back(Mutant{fixture + ": " + ch.desc, std::move(ch.bytes)});
    if (touched && seen.insert(fingerprint(fixed)).second)
      out.push_back(Mutant{out.back().desc + " [checksum recomputed]", std::move(fixed)});
  }
  return out;
}

}  // namespace hostile
