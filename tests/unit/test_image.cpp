#include "tests/unit/test_image.hpp"

#include <algorithm>
#include <cstring>

#include "core/inspect/inspect.hpp"
#include "core/util/crc32c.hpp"

namespace test {

TestImage::TestImage(unsigned blkszbits, u32 meta_blkaddr) {
  sb.magic = od::k_super_magic;
  sb.blkszbits = static_cast<u8>(blkszbits);
  sb.meta_blkaddr = meta_blkaddr;
  sb.feature_compat = od::k_compat_sb_chksum;
  reserve(2 * od::k_super_offset);
}

void TestImage::reserve(u64 size) {
  if (m_bytes.size() < size) m_bytes.resize(size);
}

void TestImage::write(u64 off, std::span<const u8> data) {
  reserve(off + data.size());
  std::copy(data.begin(), data.end(), m_bytes.begin() + static_cast<std::ptrdiff_t>(off));
}

void TestImage::write(u64 off, const std::string& s) {
  write(off, std::span<const u8>(reinterpret_cast<const u8*>(s.data()), s.size()));
}

void TestImage::put8(u64 off, u8 v) { write(off, std::span<const u8>(&v, 1)); }

void TestImage::put16(u64 off, u16 v) {
  core::ul16 le;
  le = v;
  write(off, std::span<const u8>(reinterpret_cast<const u8*>(&le), sizeof le));
}

void TestImage::put32(u64 off, u32 v) {
  core::ul32 le;
  le = v;
  write(off, std::span<const u8>(reinterpret_cast<const u8*>(&le), sizeof le));
}

void TestImage::put64(u64 off, u64 v) {
  core::ul64 le;
  le = v;
  write(off, std::span<const u8>(reinterpret_cast<const u8*>(&le), sizeof le));
}

u64 TestImage::add_inode(u64 nid, const InodeSpec& s) {
  const u64 pos = inode_pos(nid);
  const u16 format = static_cast<u16>((s.extended ? 1 : 0) | (s.layout << od::k_inode_layout_shift) | s.extra_format);
  if (s.extended) {
    od::InodeExtended e{};
    e.i_format = format;
    e.i_xattr_icount = s.xattr_icount;
    e.i_mode = s.mode;
    e.i_nb = 0;
    e.i_size = s.size;
    e.i_u = s.i_u;
    e.i_ino = static_cast<u32>(nid);
    e.i_uid = s.uid;
    e.i_gid = s.gid;
    e.i_mtime = s.mtime;
    e.i_nlink = s.nlink;
    write(pos, std::span<const u8>(reinterpret_cast<const u8*>(&e), sizeof e));
  } else {
    od::InodeCompact c{};
    c.i_format = format;
    c.i_xattr_icount = s.xattr_icount;
    c.i_mode = s.mode;
    c.i_nb = s.i_nb;
    c.i_size = static_cast<u32>(s.size);
    c.i_mtime = s.mtime;
    c.i_u = s.i_u;
    c.i_ino = static_cast<u32>(nid);
    c.i_uid = static_cast<u16>(s.uid);
    c.i_gid = static_cast<u16>(s.gid);
    write(pos, std::span<const u8>(reinterpret_cast<const u8*>(&c), sizeof c));
  }
  return pos;
}

std::vector<u8> TestImage::dir_block(const std::vector<Dent>& entries) {
  std::vector<u8> out(entries.size() * sizeof(od::Dirent));
  u64 nameoff = out.size();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    od::Dirent d{};
    d.nid = entries[i].nid;
    d.nameoff = static_cast<u16>(nameoff);
    d.file_type = entries[i].file_type;
    std::memcpy(out.data() + i * sizeof d, &d, sizeof d);
    out.insert(out.end(), entries[i].name.begin(), entries[i].name.end());
    nameoff += entries[i].name.size();
  }
  return out;
}

std::vector<u8> TestImage::xattr_entry(u8 name_index, const std::string& name, const std::string& value) {
  std::vector<u8> out{static_cast<u8>(name.size()), name_index, static_cast<u8>(value.size() & 0xFF),
                      static_cast<u8>(value.size() >> 8)};
  out.insert(out.end(), name.begin(), name.end());
  out.insert(out.end(), value.begin(), value.end());
  out.resize(core::align_up(out.size(), 4));
  return out;
}

std::vector<u8> TestImage::xattr_ibody(const std::vector<u32>& shared, const std::vector<u8>& entries,
                                       u32 name_filter) {
  std::vector<u8> out(12);
  for (unsigned i = 0; i < 4; ++i) out[i] = static_cast<u8>(name_filter >> (8 * i));
  out[4] = static_cast<u8>(shared.size());
  for (u32 id : shared)
    for (unsigned i = 0; i < 4; ++i) out.push_back(static_cast<u8>(id >> (8 * i)));
  out.insert(out.end(), entries.begin(), entries.end());
  return out;
}

std::vector<u8> TestImage::build() const {
  std::vector<u8> out = m_bytes;
  const unsigned bits = sb.blkszbits;
  const bool sane_bits = bits >= 9 && bits <= 16;
  if (sane_bits) out.resize(core::align_up(out.size(), u64(1) << bits));
  od::SuperBlock s = sb;
  if (u32(s.blocks_lo) == 0 && sane_bits) s.blocks_lo = static_cast<u32>(out.size() >> bits);
  // Only the declared superblock size is written, so data right after a 128-byte superblock
  // (e.g. a plain prefix table) is kept.
  const u64 sb_size = std::min<u64>(sizeof s, 128 + 16 * u64(s.sb_extslots));
  std::memcpy(out.data() + od::k_super_offset, &s, sb_size);
  if ((u32(s.feature_compat) & od::k_compat_sb_chksum) && fix_checksum && sane_bits) {
    // §1.4 with the kernel's shortcut: 0x5045B54A is the register after the magic and a
    // zeroed checksum field; this cross-checks core's own superblock_checksum().
    const u64 bs = u64(1) << bits;
    const u64 len = bs > od::k_super_offset ? bs - od::k_super_offset : bs;
    if (out.size() >= od::k_super_offset + len) {
      u32 crc = core::util::crc32c_update(0x5045B54A, std::span<const u8>(out).subspan(od::k_super_offset + 8, len - 8));
      core::ul32 le;
      le = crc;
      std::memcpy(out.data() + od::k_super_offset + 4, &le, 4);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

namespace {

std::vector<u8> pattern(u64 n, u8 seed) {
  std::vector<u8> v(n);
  for (u64 i = 0; i < n; ++i) v[i] = static_cast<u8>((i * 7 + seed) % 251);
  return v;
}

}  // namespace

Sample::Sample() {
  od::SuperBlock& sb = img.sb;
  sb.feature_compat = od::k_compat_sb_chksum | od::k_compat_plain_xattr_pfx;
  sb.feature_incompat = od::k_incompat_chunked_file | od::k_incompat_xattr_prefixes;
  sb.rootnid_2b = static_cast<u16>(k_root);
  sb.inos = 8;
  sb.epoch = 1700000000;
  sb.fixed_nsec = 5;
  sb.build_time = 100;
  sb.xattr_blkaddr = 3;
  for (unsigned i = 0; i < 16; ++i) sb.uuid[i] = static_cast<u8>(0x10 + i);
  std::memcpy(sb.volume_name, "sample", 6);

  // Long prefix table right after the 128-byte superblock: "trusted." + "overlay.".
  prefix_table = od::k_super_offset + 128;
  sb.xattr_prefix_count = 1;
  sb.xattr_prefix_start = static_cast<u32>(prefix_table / 4);
  img.put16(prefix_table, 9);
  img.put8(prefix_table + 2, 4);
  img.write(prefix_table + 3, std::string("overlay."));

  set_root(root_entries());

  InodeSpec a;
  a.size = 5;
  a.layout = od::k_layout_flat_inline;
  a.i_u = 0xFFFFFFFF;
  u64 pos = img.add_inode(k_a, a);
  img.write(pos + 32, std::string("hello"));

  InodeSpec big;
  big.size = 5000;
  big.i_u = 4;
  big.uid = 1000;
  big.gid = 100;
  big.mtime = 42;
  img.add_inode(k_big, big);
  img.write(4 * 4096, pattern(5000, 1));

  set_sub(sub_entries());

  InodeSpec link;
  link.mode = 0120777;
  link.size = 4;
  link.layout = od::k_layout_flat_inline;
  link.i_u = 0xFFFFFFFF;
  pos = img.add_inode(k_link, link);
  img.write(pos + 32, std::string("../a"));

  std::vector<u8> entries = TestImage::xattr_entry(1, "k", "v");
  std::vector<u8> opaque = TestImage::xattr_entry(od::k_xattr_long_prefix | 0, "opaque", "y");
  entries.insert(entries.end(), opaque.begin(), opaque.end());
  std::vector<u8> ibody = TestImage::xattr_ibody({0}, entries);
  InodeSpec x;
  x.size = 3;
  x.layout = od::k_layout_flat_inline;
  x.i_u = 0xFFFFFFFF;
  x.xattr_icount = TestImage::icount_for(ibody.size());
  pos = img.add_inode(k_x, x);
  x_ibody = pos + 32;
  img.write(x_ibody, ibody);
  img.write(x_ibody + ibody.size(), std::string("xyz"));
  shared_xattrs = u64(u32(sb.xattr_blkaddr)) * 4096;
  img.write(shared_xattrs, TestImage::xattr_entry(4, "s", "1"));

  InodeSpec ch;
  ch.extended = true;
  ch.size = 10000;
  ch.layout = od::k_layout_chunk_based;
  ch.i_u = od::k_chunk_format_indexes;  // chunk size = block size
  ch.nlink = 1;
  ch.mtime = 1234567890;
  pos = img.add_inode(k_chunked, ch);
  chunk_indexes = core::align_up(pos + 64, 8);
  const u32 chunk_blocks[3] = {7, 0xFFFFFFFF, 7};
  for (unsigned k = 0; k < 3; ++k) {
    img.put16(chunk_indexes + 8 * k, chunk_blocks[k] == 0xFFFFFFFF ? 0xFFFF : 0);
    img.put16(chunk_indexes + 8 * k + 2, 0);
    img.put32(chunk_indexes + 8 * k + 4, chunk_blocks[k]);
  }
  img.write(7 * 4096, pattern(4096, 2));

  InodeSpec dev;
  dev.mode = 020644;
  dev.i_u = (1 << 8) | 3;
  img.add_inode(k_dev, dev);

  img.reserve(8 * 4096);
}

std::vector<Dent> Sample::root_entries() const {
  return {{".", k_root, od::k_ft_dir},      {"..", k_root, od::k_ft_dir},
          {"a", k_a, od::k_ft_reg_file},    {"big", k_big, od::k_ft_reg_file},
          {"chunked", k_chunked, od::k_ft_reg_file}, {"dev", k_dev, od::k_ft_chrdev},
          {"sub", k_sub, od::k_ft_dir},     {"x", k_x, od::k_ft_reg_file}};
}

void Sample::set_root(const std::vector<Dent>& entries) {
  std::vector<u8> blk = TestImage::dir_block(entries);
  InodeSpec root;
  root.mode = 040755;
  root.size = blk.size();
  root.layout = od::k_layout_flat_inline;
  root.i_u = 0xFFFFFFFF;
  root.i_nb = 3;
  u64 pos = img.add_inode(k_root, root);
  root_dirents = pos + 32;
  img.write(root_dirents, blk);
}

std::vector<Dent> Sample::sub_entries() const {
  return {{".", k_sub, od::k_ft_dir}, {"..", k_root, od::k_ft_dir}, {"link", k_link, od::k_ft_symlink}};
}

void Sample::set_sub(const std::vector<Dent>& entries) {
  std::vector<u8> blk = TestImage::dir_block(entries);
  InodeSpec sub;
  sub.mode = 040755;
  sub.size = blk.size();
  sub.i_u = 6;
  sub.i_nb = 2;
  img.add_inode(k_sub, sub);
  sub_block = 6 * 4096;
  img.write(sub_block, std::vector<u8>(4096));
  img.write(sub_block, blk);
}

core::erofs::OpenOptions test_options() {
  core::erofs::OpenOptions o;
  o.limits.max_hole_bytes = u64(1) << 20;
  return o;
}

void open_and_inspect(const std::vector<u8>& bytes) {
  core::erofs::Image img(bytes, "test.erofs", test_options());
  core::inspect::inspect(img, {true, ""});
}

}  // namespace test
