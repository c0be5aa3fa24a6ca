#include "core/erofs/superblock.hpp"

#include <bit>
#include <vector>

#include <fmt/format.h>

#include "core/erofs/ondisk.hpp"
#include "core/util/crc32c.hpp"

namespace core::erofs {

namespace od = ondisk;

namespace {

struct FeatureName {
  u32 bit;
  const char* name;
};

// Names as dump.erofs prints them, so output can be compared.
constexpr FeatureName k_compat_names[] = {
    {od::k_compat_sb_chksum, "sb_csum"},
    {od::k_compat_mtime, "mtime"},
    {od::k_compat_xattr_filter, "xattr_filter"},
    {od::k_compat_shared_ea_in_metabox, "shared_ea_in_metabox"},
    {od::k_compat_plain_xattr_pfx, "plain_xattr_pfx"},
    {od::k_compat_ishare_xattrs, "ishare_xattrs"},
};
constexpr FeatureName k_incompat_names[] = {
    {od::k_incompat_lz4_0padding, "0padding"},
    {od::k_incompat_compr_cfgs, "compr_cfgs"},
    {od::k_incompat_chunked_file, "chunked_file"},
    {od::k_incompat_device_table, "device_table"},
    {od::k_incompat_ztailpacking, "ztailpacking"},
    {od::k_incompat_fragments, "fragments"},
    {od::k_incompat_xattr_prefixes, "xattr_prefixes"},
    {od::k_incompat_48bit, "48bit"},
    {od::k_incompat_metabox, "metabox"},
};

template <std::size_t N>
std::vector<std::string> names_of(u32 bits, const FeatureName (&table)[N]) {
  std::vector<std::string> out;
  for (unsigned i = 0; i < 32; ++i) {
    u32 bit = 1u << i;
    if (!(bits & bit)) continue;
    const char* name = nullptr;
    for (const auto& f : table)
      if (f.bit == bit) name = f.name;
    out.push_back(name ? name : fmt::format("{:#x}", bit));
  }
  return out;
}

std::string printable(const u8* p, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n && p[i]; ++i) s += (p[i] >= 0x20 && p[i] < 0x7f) ? char(p[i]) : '?';
  return s;
}

// Device table (§1.6): one 128-byte slot per extra device.
std::vector<DeviceInfo> read_device_table(const util::ByteView& v, const od::SuperBlock& sb,
                                          bool is48) {
  std::vector<DeviceInfo> out;
  if (!(sb.feature_incompat & od::k_incompat_device_table)) return out;
  u64 pos = u64(sb.devt_slotoff) * 128;
  for (unsigned i = 0; i < sb.extra_devices; ++i) {
    u64 at = pos + u64(i) * sizeof(od::DeviceSlot);
    auto slot = v.read<od::DeviceSlot>(at, "device table slot outside the image");
    DeviceInfo d;
    d.tag = printable(slot.tag, sizeof(slot.tag));
    d.blocks = slot.blocks_lo;
    d.uniaddr = slot.uniaddr_lo;
    if (is48) {
      d.blocks |= u64(u16(slot.blocks_hi)) << 32;
      d.uniaddr |= u64(u16(slot.uniaddr_hi)) << 32;
    }
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace

std::vector<std::string> compat_feature_names(u32 bits) { return names_of(bits, k_compat_names); }
std::vector<std::string> incompat_feature_names(u32 bits) { return names_of(bits, k_incompat_names); }

u32 superblock_checksum(const util::ByteView& primary, unsigned blkszbits) {
  // §1.4: CRC-32C from ~0 without final inversion over the rest of the first block that
  // holds the superblock, with the checksum field read as zero.
  u64 bs = u64(1) << blkszbits;
  u64 len = bs > od::k_super_offset ? bs - od::k_super_offset : bs;
  auto area = primary.bytes(od::k_super_offset, len, "superblock checksum area past end of image");
  u32 crc = util::crc32c_update(~0u, area.subspan(0, 4));
  const u8 zero[4] = {};
  crc = util::crc32c_update(crc, zero);
  return util::crc32c_update(crc, area.subspan(8));
}

std::string uuid_string(const std::array<u8, 16>& u) {
  bool zero = true;
  for (u8 b : u) zero = zero && b == 0;
  if (zero) return {};
  std::string s;
  for (unsigned i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
    s += fmt::format("{:02x}", u[i]);
  }
  return s;
}

SuperInfo parse_superblock(const util::ByteView& v, bool lenient) {
  const u64 base = od::k_super_offset;
  if (v.size() < base + 128) v.fail("image too small for a superblock", v.size());
  auto sb = v.read<od::SuperBlock>(base, "image too small for a superblock");
  if (u32(sb.magic) != od::k_super_magic)
    throw CorruptImage(fmt::format("not an EROFS image (magic {:#010x})", u32(sb.magic)), v.at(base));

  SuperInfo s;
  if (sb.blkszbits < 9 || sb.blkszbits > 16)
    throw CorruptImage(fmt::format("unsupported block size 2^{}", sb.blkszbits), v.at(base + 0x0C));
  s.blkszbits = sb.blkszbits;
  s.block_size = 1u << sb.blkszbits;
  s.sb_size = 128 + 16u * sb.sb_extslots;
  if (s.sb_size > 4096 - base)
    throw CorruptImage(fmt::format("superblock size {} does not fit its block", s.sb_size), v.at(base + 0x0D));
  v.require(base, s.sb_size, "superblock extension past end of image");

  s.feature_compat = sb.feature_compat;
  s.feature_incompat = sb.feature_incompat;
  if (s.has_compat(od::k_compat_sb_chksum) && !lenient) {
    u32 want = superblock_checksum(v, s.blkszbits);
    if (want != u32(sb.checksum))
      throw CorruptImage(fmt::format("superblock checksum mismatch (stored {:#010x}, computed {:#010x})",
                                     u32(sb.checksum), want),
                         v.at(base + 4));
  }
  s.checksum = sb.checksum;
  if (u32 unknown = s.feature_incompat & ~od::k_incompat_all; unknown && !lenient)
    throw Unsupported(fmt::format("unsupported incompat feature {:#x}", unknown), v.at(base + 0x50));
  if (sb.dirblkbits != 0)
    throw CorruptImage(fmt::format("dirblkbits {} is not supported", sb.dirblkbits), v.at(base + 0x5A));

  bool is48 = s.has_incompat(od::k_incompat_48bit);
  s.inos = sb.inos;
  s.epoch = static_cast<i64>(u64(sb.epoch));
  // Every time is epoch + a u32 offset (build_time, compact i_mtime); an epoch near the i64
  // limits would overflow those sums downstream. mkfs writes a build time in seconds.
  if (s.epoch > (i64(1) << 62) || s.epoch < -(i64(1) << 62))
    throw CorruptImage(fmt::format("epoch {} out of range", s.epoch), v.at(base + 0x18));
  s.fixed_nsec = sb.fixed_nsec;
  s.build_time = sb.build_time;
  s.meta_blkaddr = sb.meta_blkaddr;
  s.xattr_blkaddr = sb.xattr_blkaddr;
  std::copy(std::begin(sb.uuid), std::end(sb.uuid), s.uuid.begin());
  s.volume_name = printable(sb.volume_name, sizeof(sb.volume_name));
  if (is48 && u64(sb.rootnid_8b) != 0) {
    s.root_nid = sb.rootnid_8b;
    s.blocks = u64(u32(sb.blocks_lo)) | (u64(u16(sb.rootnid_2b)) << 32);
  } else {
    s.root_nid = u16(sb.rootnid_2b);
    s.blocks = sb.blocks_lo;
  }

  if (s.has_incompat(od::k_incompat_compr_cfgs)) {
    s.available_compr_algs = sb.available_compr_algs;
    if (s.available_compr_algs & ~0xFu)
      throw Unsupported(fmt::format("unsupported compression algorithms {:#x}", s.available_compr_algs),
                        v.at(base + 0x54));
    s.compressed_capable = s.available_compr_algs != 0;
  } else {
    s.lz4_max_distance = sb.available_compr_algs;
    s.compressed_capable = s.lz4_max_distance != 0 || s.has_incompat(od::k_incompat_lz4_0padding);
  }

  s.xattr_prefix_count = sb.xattr_prefix_count;
  s.xattr_prefix_start = sb.xattr_prefix_start;
  s.packed_nid = sb.packed_nid;
  // No check of bit 63 here: the kernel loads the packed inode like any other nid (a metabox
  // nid needs the metabox feature), and only when FRAGMENTS is set; Image::open does the same.
  s.xattr_filter_reserved = sb.xattr_filter_reserved;
  s.ishare_xattr_prefix_id = sb.ishare_xattr_prefix_id;
  if (s.has_compat(od::k_compat_ishare_xattrs) && s.ishare_xattr_prefix_id >= s.xattr_prefix_count && !lenient)
    throw CorruptImage(fmt::format("invalid ishare xattr prefix id {} (only {} prefixes)",
                                   s.ishare_xattr_prefix_id, s.xattr_prefix_count),
                       v.at(base + 0x69));
  if (s.has_incompat(od::k_incompat_metabox)) {
    if (s.sb_size <= 0x80) throw CorruptImage("metabox feature without superblock extension", v.at(base + 0x0D));
    s.metabox_nid = sb.metabox_nid;
    if (s.metabox_nid >> 63) throw CorruptImage("metabox_nid points into the metabox", v.at(base + 0x80));
  }
  s.devices = read_device_table(v, sb, is48);
  return s;
}

}  // namespace core::erofs
