#include "core/erofs/image.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/erofs/data.hpp"
#include "core/erofs/ondisk.hpp"
#include "core/erofs/zdata.hpp"

namespace core::erofs {

namespace od = ondisk;

const char* short_xattr_prefix(u8 index) {
  switch (index) {
    case 0: return "";
    case 1: return "user.";
    case 2: return "system.posix_acl_access";
    case 3: return "system.posix_acl_default";
    case 4: return "trusted.";
    case 5: return "lustre.";
    case 6: return "security.";
    default: return nullptr;
  }
}

namespace {

std::string grouped(u64 n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace

std::optional<std::string> truncation_note(u64 size, const SuperInfo& sb) {
  const bool huge = sb.blocks > (~u64(0) >> sb.blkszbits);
  const u64 declared = huge ? ~u64(0) : sb.blocks << sb.blkszbits;
  if (size >= declared) return std::nullopt;
  return fmt::format("image is truncated: {} bytes, the superblock declares {} blocks ({}{} bytes)", grouped(size),
                     grouped(sb.blocks), huge ? "more than " : "", grouped(declared));
}

Image::Image(const std::string& path, const OpenOptions& options) : m_path(path), m_limits(options.limits) {
  m_file = std::make_unique<util::MappedFile>(path);
  m_primary = m_file->view();
  open(options);
}

Image::Image(std::span<const u8> bytes, std::string name, const OpenOptions& options)
    : m_path(std::move(name)), m_limits(options.limits) {
  m_primary = util::ByteView(bytes.data(), bytes.size());
  open(options);
}

Image::Image(std::span<const u8> bytes, std::string name, const OpenOptions& options, std::shared_ptr<const void> owner)
    : m_path(std::move(name)), m_limits(options.limits), m_owner(std::move(owner)) {
  m_primary = util::ByteView(bytes.data(), bytes.size());
  open(options);
}

void Image::open(const OpenOptions& options) {
  m_sb = parse_superblock(m_primary, options.lenient_superblock);
  if (auto t = truncation_note(m_primary.size(), m_sb)) m_primary.set_end_note(*t);
  if (options.devices.size() > m_sb.devices.size())
    throw UsageError(fmt::format("{}: {} --device files given but the image has {} extra devices", m_path,
                                 options.devices.size(), m_sb.devices.size()));
  for (std::size_t i = 0; i < options.devices.size(); ++i) {
    m_device_files.push_back(std::make_unique<util::MappedFile>(options.devices[i]));
    m_devices.push_back(m_device_files.back()->view(fmt::format("device {}", i + 1)));
  }
  m_zstate = make_zstate(*this);  // validates the compression configs; needed by the metabox
  load_metabox();
  // The kernel loads the packed inode at mount when FRAGMENTS is set (erofs_fc_fill_super).
  if (m_sb.has_incompat(od::k_incompat_fragments) && m_sb.packed_nid != 0) (void)read_inode(*this, m_sb.packed_nid);
  load_prefix_table();
  // The root must be a directory (kernel: "rootino is not a directory").
  Inode r = root();
  if (r.type != FileType::dir) {
    Where w;
    w.nid = r.nid;
    throw CorruptImage("root inode is not a directory", w);
  }
}

Image::~Image() = default;

const util::ByteView& Image::meta_space(bool in_metabox) const {
  if (!in_metabox) return m_primary;
  return m_metabox;
}

const util::ByteView* Image::device(unsigned k) const {
  if (k == 0 || k > m_devices.size()) return nullptr;
  return &m_devices[k - 1];
}

void Image::load_metabox() {
  if (!m_sb.has_incompat(od::k_incompat_metabox)) return;
  Inode mb = read_inode(*this, m_sb.metabox_nid);
  // The stream is held in memory: its size is checked before anything is allocated, against
  // what the image could hold (holes could otherwise claim a gigabyte from a few blocks).
  m_metabox_data = read_file(*this, mb, stream_limit());
  m_metabox = util::ByteView(m_metabox_data.data(), m_metabox_data.size(), "metabox");
}

void Image::load_prefix_table() {
  const unsigned count = m_sb.xattr_prefix_count;
  if (count == 0) return;
  const u64 pos = u64(m_sb.xattr_prefix_start) * 4;
  // §4.5: one table, in one of three containers.
  std::vector<u8> packed;
  util::ByteView table;
  u64 start = pos;
  if (m_sb.has_compat(od::k_compat_plain_xattr_pfx)) {
    table = m_primary;
  } else if (m_sb.has_incompat(od::k_incompat_metabox)) {
    table = m_metabox;
  } else if (m_sb.has_incompat(od::k_incompat_fragments) && m_sb.packed_nid != 0) {
    try {
      Inode packed_ino = read_inode(*this, m_sb.packed_nid);
      packed = read_range(*this, packed_ino, pos, u64(count) * 260);
    } catch (const Unsupported& e) {
      m_prefix_error = fmt::format("long xattr prefixes are in the packed inode: {}", e.what());
      return;
    }
    table = util::ByteView(packed.data(), packed.size(), "packed inode");
    start = 0;
  } else {
    table = m_primary;
  }
  u64 at = start;
  for (unsigned i = 0; i < count; ++i) {
    at = align_up(at, 4);
    Where ctx;
    ctx.detail = fmt::format("xattr prefix {}", i);
    u16 len = table.read<ul16>(at, "xattr prefix table outside its container", ctx);
    if (len < 1 || len > 256) table.fail("invalid xattr prefix length", at, ctx);
    auto rec = table.bytes(at + 2, len, "xattr prefix outside its container", ctx);
    LongPrefix p;
    p.base_index = rec[0];
    p.infix.assign(reinterpret_cast<const char*>(rec.data() + 1), len - 1);
    const char* shortp = short_xattr_prefix(p.base_index);
    p.full = std::string(shortp ? shortp : "") + p.infix;
    m_prefixes.push_back(std::move(p));
    at += 2 + len;
  }
}

u64 Image::stream_limit() const {
  const u64 size = m_primary.size();
  const u64 factor = m_limits.max_dir_bytes_factor;
  const u64 backed = size > (~u64(0) - (u64(1) << 20)) / std::max<u64>(factor, 1) ? ~u64(0) : size * factor + (u64(1) << 20);
  return std::min(m_limits.max_stream_bytes, backed);
}

void Image::charge(u64 zeros, u64 stored, const Where& where) const {
  const u64 limit = m_limits.max_hole_bytes;
  u64 z = m_zeros.fetch_add(zeros) + zeros;
  u64 r = m_stored.fetch_add(stored) + stored;
  // Every k_release_every bytes of reads, drop the mapped pages of earlier reads: one call for
  // many small files (each call interrupts the other reading threads to flush their TLBs).
  constexpr u64 k_release_every = 32 << 20;
  if (stored && (r - stored) / k_release_every != r / k_release_every) {
    m_primary.release(0, m_primary.size());
    for (const auto& d : m_devices) d.release(0, d.size());
  }
  u64 size = m_primary.size();
  for (const auto& d : m_devices) size += d.size();
  u64 excess = r > size ? r - size : 0;
  if (z > limit || excess > limit - z)
    throw CorruptImage(fmt::format("image data expands to more than {} bytes beyond its size (holes, shared blocks)",
                                   limit),
                       where);
}

std::optional<std::string> Image::fingerprint_xattr_name() const {
  if (!m_sb.has_compat(od::k_compat_ishare_xattrs)) return std::nullopt;
  if (m_sb.ishare_xattr_prefix_id >= m_prefixes.size()) return std::nullopt;
  return m_prefixes[m_sb.ishare_xattr_prefix_id].full;
}

}  // namespace core::erofs
