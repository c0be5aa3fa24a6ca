// LP metadata reader. The checks follow the format description (metadata_format.h) and what
// liblp's reader refuses; where it would be stricter or looser, the comment says why.
#include "core/android/lp.hpp"

#include <algorithm>
#include <cstring>
#include <map>

#include <fmt/format.h>

#include "core/util/error.hpp"
#include "core/util/sha256.hpp"

namespace core::android {

namespace {

using namespace lp_ondisk;

constexpr u64 k_metadata_offset = k_lp_geometry_offset + 2 * k_lp_geometry_size;  // 12288
constexpr u32 k_attribute_mask = 0xF;  // READONLY, SLOT_SUFFIXED, UPDATED, DISABLED
constexpr u32 k_attr_slot_suffixed = 1u << 1;
constexpr u32 k_group_slot_suffixed = 1u << 0;

[[noreturn]] void corrupt(const util::ByteView& super, u64 off, const std::string& what) {
  throw CorruptImage("super: " + what, super.at(off));
}

// SHA-256 of `len` bytes at `off` with the 32 bytes at off + checksum_at taken as zeros.
util::Digest digest_without(const util::ByteView& super, u64 off, u64 len, u64 checksum_at) {
  util::Sha256 h;
  h.update(super.bytes(off, checksum_at));
  h.update_zeros(32);
  h.update(super.bytes(off + checksum_at + 32, len - checksum_at - 32));
  return h.finish();
}

// A NUL-padded name field: printable [A-Za-z0-9_] up to the first NUL, zeros after it.
std::string field_name(const char (&raw)[36], const util::ByteView& super, u64 off, const char* what,
                       bool strict_chars) {
  std::size_t n = 0;
  while (n < sizeof(raw) && raw[n] != 0) ++n;
  for (std::size_t i = n; i < sizeof(raw); ++i)
    if (raw[i] != 0) corrupt(super, off, fmt::format("{} name is not NUL-padded", what));
  std::string name(raw, n);
  if (strict_chars) {
    if (name.empty()) corrupt(super, off, fmt::format("{} has an empty name", what));
    for (char c : name)
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
        corrupt(super, off, fmt::format("{} name has a character other than [A-Za-z0-9_]", what));
  }
  return name;
}

Geometry read_geometry_at(const util::ByteView& super, u64 off) {
  const auto g = super.read<Geometry>(off, "super: geometry past the end of the image");
  if (g.magic != k_lp_geometry_magic) corrupt(super, off, fmt::format("bad geometry magic {:#x}", u32(g.magic)));
  if (g.struct_size != sizeof(Geometry))
    corrupt(super, off + 4, fmt::format("geometry struct_size {} is not {}", u32(g.struct_size), sizeof(Geometry)));
  if (digest_without(super, off, sizeof(Geometry), 8) != std::to_array(g.checksum))
    corrupt(super, off + 8, "geometry checksum mismatch");
  if (g.metadata_max_size == 0 || g.metadata_max_size % k_lp_sector != 0)
    corrupt(super, off + 40, fmt::format("metadata_max_size {} is not a non-zero multiple of 512", u32(g.metadata_max_size)));
  if (g.metadata_slot_count == 0) corrupt(super, off + 44, "metadata_slot_count is 0");
  if (g.logical_block_size == 0 || g.logical_block_size % k_lp_sector != 0)
    corrupt(super, off + 48, fmt::format("logical_block_size {} is not a non-zero multiple of 512", u32(g.logical_block_size)));
  // Every slot and its backup must lie inside the image (this also bounds slot_count).
  const u64 need = 2 * u64(g.metadata_slot_count) * g.metadata_max_size;
  if (!super.contains(k_metadata_offset, need))
    corrupt(super, off + 44, fmt::format("{} metadata slots of {} bytes (and their backups) do not fit in the image",
                                         u32(g.metadata_slot_count), u32(g.metadata_max_size)));
  return g;
}

// The primary geometry, else its backup; the primary's error if both fail.
Geometry read_geometry(const util::ByteView& super) {
  try {
    return read_geometry_at(super, k_lp_geometry_offset);
  } catch (const CorruptImage& primary) {
    try {
      return read_geometry_at(super, k_lp_geometry_offset + k_lp_geometry_size);
    } catch (const CorruptImage&) {
      throw primary;
    }
  }
}

// Checks a table descriptor and returns the absolute offset of its first entry.
u64 table_at(const util::ByteView& super, u64 tables, u32 tables_size, const TableDescriptor& t, u64 desc_off,
             std::size_t entry, const char* what) {
  if (t.entry_size != entry)
    corrupt(super, desc_off + 8, fmt::format("{} table entry_size {} is not {}", what, u32(t.entry_size), entry));
  if (t.offset > tables_size || u64(t.num_entries) * entry > tables_size - t.offset)
    corrupt(super, desc_off, fmt::format("{} table ({} entries at {}) exceeds tables_size {}", what,
                                         u32(t.num_entries), u32(t.offset), tables_size));
  return tables + t.offset;
}

struct Slot {
  std::vector<LpPartition> partitions;
  u16 minor = 0;
};

Slot read_slot_at(const util::ByteView& super, const Geometry& g, u32 slot, u64 off) {
  const auto h = super.read<Header>(off, "super: metadata header past the end of the image");
  if (h.magic != k_lp_header_magic) corrupt(super, off, fmt::format("slot {}: bad metadata header magic {:#x}", slot, u32(h.magic)));
  if (h.major_version != 10)
    throw Unsupported(fmt::format("super: slot {}: LP metadata version {}.{} (this reader knows 10.0 to 10.2)", slot,
                                  u16(h.major_version), u16(h.minor_version)),
                      super.at(off + 4));
  if (h.minor_version > 2)
    throw Unsupported(fmt::format("super: slot {}: LP metadata version 10.{} (this reader knows 10.0 to 10.2)", slot,
                                  u16(h.minor_version)),
                      super.at(off + 6));
  const u32 want_size = h.minor_version >= 2 ? 256 : 128;
  if (h.header_size != want_size)
    corrupt(super, off + 8, fmt::format("slot {}: header_size {} is not {} for version 10.{}", slot, u32(h.header_size),
                                        want_size, u16(h.minor_version)));
  if (u64(h.header_size) + h.tables_size > g.metadata_max_size)
    corrupt(super, off + 44, fmt::format("slot {}: header and tables ({} + {} bytes) exceed metadata_max_size {}", slot,
                                         u32(h.header_size), u32(h.tables_size), u32(g.metadata_max_size)));
  if (digest_without(super, off, h.header_size, 12) != std::to_array(h.header_checksum))
    corrupt(super, off + 12, fmt::format("slot {}: metadata header checksum mismatch", slot));
  const u64 tables = off + h.header_size;
  if (util::sha256(super.bytes(tables, h.tables_size)) != std::to_array(h.tables_checksum))
    corrupt(super, off + 48, fmt::format("slot {}: metadata tables checksum mismatch", slot));

  const u64 parts = table_at(super, tables, h.tables_size, h.partitions, off + 80, sizeof(Partition), "partition");
  const u64 exts = table_at(super, tables, h.tables_size, h.extents, off + 92, sizeof(Extent), "extent");
  const u64 groups = table_at(super, tables, h.tables_size, h.groups, off + 104, sizeof(Group), "group");
  const u64 devs = table_at(super, tables, h.tables_size, h.block_devices, off + 116, sizeof(BlockDevice), "block device");
  const std::string suffix = fmt::format("_{}", char('a' + std::min<u32>(slot, 25)));

  // Block device 0 is the super device: its extents are this image.
  if (h.block_devices.num_entries == 0) corrupt(super, off + 116, fmt::format("slot {}: no block devices", slot));
  const auto dev0 = super.read<BlockDevice>(devs);
  const u64 metadata_end = k_metadata_offset + 2 * u64(g.metadata_slot_count) * g.metadata_max_size;
  if (dev0.first_logical_sector > ~u64(0) / k_lp_sector || dev0.first_logical_sector * k_lp_sector < metadata_end)
    corrupt(super, devs, fmt::format("slot {}: first_logical_sector {} lies inside the metadata", slot,
                                     u64(dev0.first_logical_sector)));
  const u64 data_start = dev0.first_logical_sector * k_lp_sector;

  std::vector<std::string> group_names;
  for (u32 i = 0; i < h.groups.num_entries; ++i) {
    const u64 at = groups + u64(i) * sizeof(Group);
    const auto gr = super.read<Group>(at);
    std::string name = field_name(gr.name, super, at, fmt::format("slot {}: group {}", slot, i).c_str(), true);
    if (gr.flags & k_group_slot_suffixed) name += suffix;
    group_names.push_back(std::move(name));
  }

  Slot out;
  out.minor = h.minor_version;
  struct Linear {
    u64 begin, end;
    std::size_t part;
  };
  std::vector<Linear> linear;
  std::map<std::string, std::size_t> seen;
  for (u32 i = 0; i < h.partitions.num_entries; ++i) {
    const u64 at = parts + u64(i) * sizeof(Partition);
    const auto p = super.read<Partition>(at);
    LpPartition part;
    part.name = field_name(p.name, super, at, fmt::format("slot {}: partition {}", slot, i).c_str(), true);
    part.attributes = p.attributes;
    part.slot = slot;
    if (p.attributes & ~k_attribute_mask)
      corrupt(super, at + 36, fmt::format("slot {}: partition {}: unknown attributes {:#x}", slot, part.name, u32(p.attributes)));
    if (p.attributes & k_attr_slot_suffixed) part.name += suffix;
    if (p.group_index >= group_names.size())
      corrupt(super, at + 48, fmt::format("slot {}: partition {}: group {} of {}", slot, part.name, u32(p.group_index),
                                          group_names.size()));
    part.group = group_names[p.group_index];
    if (u64(p.first_extent_index) + p.num_extents > h.extents.num_entries)
      corrupt(super, at + 40, fmt::format("slot {}: partition {}: extents {}+{} of {}", slot, part.name,
                                          u32(p.first_extent_index), u32(p.num_extents), u32(h.extents.num_entries)));
    if (!seen.emplace(part.name, out.partitions.size()).second)
      corrupt(super, at, fmt::format("slot {}: partition {} is listed twice", slot, part.name));
    for (u32 e = 0; e < p.num_extents; ++e) {
      const u64 eat = exts + (u64(p.first_extent_index) + e) * sizeof(Extent);
      const auto x = super.read<Extent>(eat);
      const std::string which = fmt::format("slot {}: partition {}: extent {}", slot, part.name, e);
      if (x.num_sectors == 0 || x.num_sectors > ~u64(0) / k_lp_sector)
        corrupt(super, eat, fmt::format("{}: {} sectors", which, u64(x.num_sectors)));
      LpExtent le;
      le.bytes = x.num_sectors * k_lp_sector;
      if (part.size > ~u64(0) - le.bytes) corrupt(super, eat, which + ": the partition's size overflows");
      if (x.target_type == 1) {
        if (x.target_data != 0 || x.target_source != 0) corrupt(super, eat, which + ": a zero extent with a target");
        le.zero = true;
      } else if (x.target_type == 0) {
        if (x.target_source >= h.block_devices.num_entries)
          corrupt(super, eat + 20, fmt::format("{}: block device {} of {}", which, u32(x.target_source),
                                               u32(h.block_devices.num_entries)));
        if (x.target_source != 0)
          throw Unsupported(fmt::format("super: {}: on block device {} (only the super device itself is read)", which,
                                        u32(x.target_source)),
                            super.at(eat + 20));
        if (x.target_data > ~u64(0) / k_lp_sector) corrupt(super, eat + 12, which + ": target sector overflows");
        le.device_offset = x.target_data * k_lp_sector;
        // liblp checks extents against the device's declared size; the bytes must also be in
        // this image (a truncated super.img), and must not lie in the geometry or metadata.
        if (le.device_offset < data_start || le.device_offset > dev0.size || le.bytes > dev0.size - le.device_offset)
          corrupt(super, eat + 12, fmt::format("{}: bytes {:#x}+{:#x} outside the super device's data ({:#x}..{:#x})",
                                               which, le.device_offset, le.bytes, data_start, u64(dev0.size)));
        if (!super.contains(le.device_offset, le.bytes))
          corrupt(super, eat + 12, fmt::format("{}: bytes {:#x}+{:#x} past the end of the image ({} bytes)", which,
                                               le.device_offset, le.bytes, super.size()));
        linear.push_back({le.device_offset, le.device_offset + le.bytes, out.partitions.size()});
      } else {
        corrupt(super, eat + 8, fmt::format("{}: unknown target type {}", which, u32(x.target_type)));
      }
      part.size += le.bytes;
      part.extents.push_back(le);
    }
    out.partitions.push_back(std::move(part));
  }
  // Two extents mapping the same sectors would make two partitions (or one) share bytes: liblp
  // never writes that, and a reader trusting it would count one file twice.
  std::sort(linear.begin(), linear.end(), [](const Linear& a, const Linear& b) { return a.begin < b.begin; });
  for (std::size_t i = 1; i < linear.size(); ++i)
    if (linear[i].begin < linear[i - 1].end)
      corrupt(super, linear[i].begin, fmt::format("slot {}: extents of partitions {} and {} overlap", slot,
                                                  out.partitions[linear[i - 1].part].name,
                                                  out.partitions[linear[i].part].name));
  return out;
}

}  // namespace

bool has_lp_geometry(const util::ByteView& super) {
  for (u64 off : {k_lp_geometry_offset, k_lp_geometry_offset + k_lp_geometry_size})
    if (super.contains(off, 4) && super.read<ul32>(off) == k_lp_geometry_magic) return true;
  return false;
}

LpMetadata read_lp_metadata(const util::ByteView& super) {
  const Geometry g = read_geometry(super);
  LpMetadata md;
  md.slot_count = g.metadata_slot_count;
  md.metadata_max_size = g.metadata_max_size;
  md.logical_block_size = g.logical_block_size;
  std::map<std::string, std::size_t> by_name;
  for (u32 s = 0; s < g.metadata_slot_count; ++s) {
    const u64 primary = k_metadata_offset + u64(s) * g.metadata_max_size;
    const u64 backup = k_metadata_offset + (u64(g.metadata_slot_count) + s) * g.metadata_max_size;
    Slot slot;
    try {
      slot = read_slot_at(super, g, s, primary);
    } catch (const CorruptImage& first) {
      try {
        slot = read_slot_at(super, g, s, backup);
      } catch (const CorruptImage&) {
        throw first;
      }
    }
    md.minor_version = std::max(md.minor_version, slot.minor);
    for (LpPartition& p : slot.partitions) {
      auto [it, fresh] = by_name.try_emplace(p.name, md.partitions.size());
      if (fresh) {
        md.partitions.push_back(std::move(p));
        continue;
      }
      const LpPartition& had = md.partitions[it->second];
      const bool same = had.extents.size() == p.extents.size() &&
                        std::equal(had.extents.begin(), had.extents.end(), p.extents.begin(),
                                   [](const LpExtent& a, const LpExtent& b) {
                                     return a.bytes == b.bytes && a.zero == b.zero && a.device_offset == b.device_offset;
                                   });
      if (!same)
        corrupt(super, primary, fmt::format("slot {} maps partition {} to other extents than slot {}", s, p.name, had.slot));
    }
  }
  return md;
}

}  // namespace core::android
