// lint-forge: byte-level edits of EROFS images for what mkfs.erofs cannot make (forged or
// malformed fingerprints, a bad ishare prefix id, a set filter bit, a broken inode). Locates
// things through core (walk_tree, Inode::xattr_pos) and patches the file in place; recomputes
// the superblock checksum after every edit unless the edit is to break it.
//
//   lint-forge fp-info IMAGE PATH                  prints "<value offset> <value size>"
//   lint-forge set-fp IMAGE PATH HEX               overwrites the value (same length)
//   lint-forge copy-fp SRC SRC-PATH DST DST-PATH   copies a fingerprint value
//   lint-forge swap-fp IMAGE PATH-A PATH-B         swaps two fingerprint values
//   lint-forge flip-fp IMAGE PATH INDEX            flips the low bit of value byte INDEX
//   lint-forge set-fp-size IMAGE PATH N            shrinks e_value_size to N, zeroing the rest
//   lint-forge filter-bit IMAGE PATH               sets the fingerprint's bloom-filter bit
//   lint-forge unname-fp IMAGE PATH                renames the fingerprint entry to "user."
//   lint-forge sb IMAGE FIELD VALUE                FIELD: ishare_prefix_id compat incompat
//                                                  (VALUE decimal or 0x hex)
//   lint-forge break-checksum IMAGE                flips the stored superblock checksum
//   lint-forge break-inode IMAGE PATH              gives the inode an invalid data layout
//   lint-forge set-size IMAGE PATH N               sets the inode's i_size to N (nothing else)
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/erofs/dir.hpp"
#include "core/erofs/image.hpp"
#include "core/erofs/ondisk.hpp"
#include "core/erofs/superblock.hpp"
#include "core/erofs/xattr.hpp"

namespace {

using namespace core;
namespace od = core::erofs::ondisk;

std::vector<u8> load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void store(const std::string& path, const std::vector<u8>& bytes, bool fix_checksum = true) {
  std::vector<u8> out = bytes;
  const u32 compat = load_le32(&out[od::k_super_offset + 0x08]);
  if (fix_checksum && (compat & od::k_compat_sb_chksum)) {
    const unsigned bits = out[od::k_super_offset + 0x0C];
    u32 crc = erofs::superblock_checksum(util::ByteView(out.data(), out.size()), bits);
    for (int i = 0; i < 4; ++i) out[od::k_super_offset + 4 + i] = static_cast<u8>(crc >> (8 * i));
  }
  std::ofstream o(path, std::ios::binary | std::ios::trunc);
  o.write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(out.size()));
  if (!o) throw std::runtime_error("cannot write " + path);
}

struct Located {
  erofs::Inode inode;
  u64 entry = 0;       // byte offset of the fingerprint entry header
  u64 value = 0;       // byte offset of its value
  u16 value_size = 0;
  unsigned filter_bit = 0;
};

erofs::OpenOptions lenient() {
  erofs::OpenOptions o;
  o.lenient_superblock = true;
  return o;
}

erofs::Inode find_inode(const erofs::Image& img, const std::string& path) {
  std::optional<erofs::Inode> found;
  erofs::walk_tree(
      img, [&](const std::string& p, const erofs::Inode& ino) {
        if (p == path && !found) found = ino;
      },
      [](const std::string&, const Error&) {});  // earlier edits may have broken other inodes
  if (!found) throw std::runtime_error("no such path in the image: " + path);
  if (found->in_metabox) throw std::runtime_error("inode lives in the metabox: not supported");
  return *found;
}

// The inline entry the kernel would take as the fingerprint of `path` (§4.6, §6.1).
Located locate(const std::string& image, const std::string& path) {
  erofs::Image img(image, lenient());
  const auto& sb = img.sb();
  if (sb.ishare_xattr_prefix_id >= img.long_prefixes().size()) throw std::runtime_error("no valid ishare prefix id");
  const erofs::LongPrefix& fp = img.long_prefixes()[sb.ishare_xattr_prefix_id];
  Located l;
  l.inode = find_inode(img, path);
  l.filter_bit = erofs::xattr_filter_bit(fp.base_index, fp.infix);
  const auto& v = img.primary();
  const u64 base = l.inode.xattr_pos();
  if (l.inode.xattr_isize == 0) throw std::runtime_error(path + " has no xattrs");
  const auto shared = v.read<u8>(base + 4);
  u64 at = base + 12 + 4 * u64(shared);
  const u64 end = base + l.inode.xattr_isize;
  while (at + 4 <= end) {
    const u8 name_len = v.read<u8>(at), index = v.read<u8>(at + 1);
    const u16 value_size = v.read<ul16>(at + 2);
    auto name = v.bytes(at + 4, name_len);
    std::string stored(name.begin(), name.end());
    u8 base_index = index;
    std::string suffix = stored;
    if (index & od::k_xattr_long_prefix) {
      unsigned q = index & od::k_xattr_long_prefix_mask;
      if (q < img.long_prefixes().size()) {
        base_index = img.long_prefixes()[q].base_index;
        suffix = img.long_prefixes()[q].infix + stored;
      }
    }
    if (!(name_len == 0 && index == 0 && value_size == 0) && base_index == fp.base_index && suffix == fp.infix) {
      l.entry = at;
      l.value = at + 4 + name_len;
      l.value_size = value_size;
      return l;
    }
    at += align_up(4 + u64(name_len) + value_size, 4);
  }
  throw std::runtime_error(path + " has no inline fingerprint entry");
}

u64 number(const std::string& s) { return std::stoull(s, nullptr, 0); }

std::vector<u8> from_hex(const std::string& hex) {
  if (hex.size() % 2) throw std::runtime_error("odd hex length");
  std::vector<u8> out;
  for (std::size_t i = 0; i < hex.size(); i += 2) out.push_back(static_cast<u8>(std::stoul(hex.substr(i, 2), nullptr, 16)));
  return out;
}

int run(const std::vector<std::string>& a) {
  if (a.empty()) throw std::runtime_error("usage: see the comment at the top of forge.cpp");
  const std::string& cmd = a[0];
  auto need = [&](std::size_t n) {
    if (a.size() != n + 1) throw std::runtime_error(cmd + ": expected " + std::to_string(n) + " arguments");
  };
  if (cmd == "fp-info") {
    need(2);
    Located l = locate(a[1], a[2]);
    std::printf("%llu %u\n", static_cast<unsigned long long>(l.value), l.value_size);
    return 0;
  }
  if (cmd == "set-fp") {
    need(3);
    Located l = locate(a[1], a[2]);
    std::vector<u8> value = from_hex(a[3]);
    if (value.size() != l.value_size) throw std::runtime_error("set-fp: value must keep the stored length");
    auto bytes = load(a[1]);
    std::memcpy(&bytes[l.value], value.data(), value.size());
    store(a[1], bytes);
    return 0;
  }
  if (cmd == "copy-fp") {
    need(4);
    Located s = locate(a[1], a[2]), d = locate(a[3], a[4]);
    if (s.value_size != d.value_size) throw std::runtime_error("copy-fp: values differ in length");
    auto src = load(a[1]);
    auto dst = load(a[3]);
    std::memcpy(&dst[d.value], &src[s.value], s.value_size);
    store(a[3], dst);
    return 0;
  }
  if (cmd == "swap-fp") {
    need(3);
    Located x = locate(a[1], a[2]), y = locate(a[1], a[3]);
    if (x.value_size != y.value_size) throw std::runtime_error("swap-fp: values differ in length");
    auto bytes = load(a[1]);
    std::swap_ranges(bytes.begin() + long(x.value), bytes.begin() + long(x.value + x.value_size),
                     bytes.begin() + long(y.value));
    store(a[1], bytes);
    return 0;
  }
  if (cmd == "flip-fp") {
    need(3);
    Located l = locate(a[1], a[2]);
    u64 i = number(a[3]);
    if (i >= l.value_size) throw std::runtime_error("flip-fp: index beyond the value");
    auto bytes = load(a[1]);
    bytes[l.value + i] ^= 1;
    store(a[1], bytes);
    return 0;
  }
  if (cmd == "set-fp-size") {
    need(3);
    Located l = locate(a[1], a[2]);
    u64 n = number(a[3]);
    if (n > l.value_size) throw std::runtime_error("set-fp-size: can only shrink");
    auto bytes = load(a[1]);
    // Zero what the entry no longer covers: zero headers are padding to readers (§4.3).
    const u64 old_end = align_up(l.value + l.value_size - l.entry, 4) + l.entry;
    for (u64 p = l.value + n; p < old_end; ++p) bytes[p] = 0;
    bytes[l.entry + 2] = static_cast<u8>(n);
    bytes[l.entry + 3] = static_cast<u8>(n >> 8);
    store(a[1], bytes);
    return 0;
  }
  if (cmd == "filter-bit") {
    need(2);
    Located l = locate(a[1], a[2]);
    auto bytes = load(a[1]);
    const u64 at = l.inode.xattr_pos();
    u32 filter = load_le32(&bytes[at]) | (1u << l.filter_bit);
    for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<u8>(filter >> (8 * i));
    store(a[1], bytes);
    return 0;
  }
  if (cmd == "unname-fp") {
    need(2);
    Located l = locate(a[1], a[2]);
    auto bytes = load(a[1]);
    if (bytes[l.entry] != 0) throw std::runtime_error("unname-fp: the entry has a name suffix");
    bytes[l.entry + 1] = 1;  // e_name_index "user.", empty suffix: no longer the fingerprint
    store(a[1], bytes);
    return 0;
  }
  if (cmd == "sb") {
    need(3);
    auto bytes = load(a[1]);
    const u64 base = od::k_super_offset;
    const u64 v = number(a[3]);
    auto put32 = [&](u64 at) {
      for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<u8>(v >> (8 * i));
    };
    if (a[2] == "ishare_prefix_id") bytes[base + 0x69] = static_cast<u8>(v);
    else if (a[2] == "compat") put32(base + 0x08);
    else if (a[2] == "incompat") put32(base + 0x50);
    else throw std::runtime_error("sb: unknown field " + a[2]);
    store(a[1], bytes);
    return 0;
  }
  if (cmd == "break-checksum") {
    need(1);
    auto bytes = load(a[1]);
    bytes[od::k_super_offset + 4] ^= 0xFF;
    store(a[1], bytes, /*fix_checksum=*/false);
    return 0;
  }
  if (cmd == "break-inode") {
    need(2);
    erofs::Inode ino;
    {
      erofs::Image img(a[1], lenient());
      ino = find_inode(img, a[2]);
    }
    auto bytes = load(a[1]);
    // i_format bits 1-3 are the data layout; 7 is no layout (read_inode rejects it).
    bytes[ino.pos] = static_cast<u8>(bytes[ino.pos] | (7u << od::k_inode_layout_shift));
    store(a[1], bytes);
    return 0;
  }
  if (cmd == "set-size") {
    need(3);
    erofs::Inode ino;
    {
      erofs::Image img(a[1], lenient());
      ino = find_inode(img, a[2]);
    }
    auto bytes = load(a[1]);
    const u64 n = std::stoull(a[3], nullptr, 0);
    const unsigned width = ino.extended ? 8 : 4;  // i_size at byte 8 of both inode formats
    if (!ino.extended && n > 0xFFFFFFFFu) throw std::runtime_error("set-size: a compact inode holds 32 bits");
    for (unsigned i = 0; i < width; ++i) bytes[ino.pos + 8 + i] = static_cast<u8>(n >> (8 * i));
    store(a[1], bytes);
    return 0;
  }
  throw std::runtime_error("unknown command " + cmd);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lint-forge: %s\n", e.what());
    return 1;
  }
}
