#include "core/erofs/xattr.hpp"

#include <xxhash.h>

#include <fmt/format.h>

#include "core/erofs/image.hpp"
#include "core/erofs/ondisk.hpp"

namespace core::erofs {

namespace od = ondisk;

namespace {

// Decodes one entry at `at` of `v`; `limit` is the last byte it may use. Returns its aligned size.
u64 read_entry(const Image& img, const util::ByteView& v, u64 at, u64 limit, XattrRef& x, const Where& ctx) {
  auto h = v.read<od::XattrEntry>(at, "xattr entry outside the image", ctx);
  u64 size = align_up(4 + u64(h.e_name_len) + u16(h.e_value_size), 4);
  if (size > limit) v.fail("xattr entry beyond xattr_isize", at, ctx);
  auto name = v.bytes(at + 4, h.e_name_len, "xattr name outside the image", ctx);
  x.value = v.bytes(at + 4 + h.e_name_len, u16(h.e_value_size), "xattr value outside the image", ctx);
  x.name_index = h.e_name_index;
  x.stored = std::string_view(reinterpret_cast<const char*>(name.data()), name.size());
  if (x.name_index & od::k_xattr_long_prefix) {
    unsigned p = x.name_index & od::k_xattr_long_prefix_mask;
    const auto& table = img.long_prefixes();
    if (p >= table.size()) {
      x.resolved = false;
      return size;
    }
    x.base_index = table[p].base_index;
    x.infix = table[p].infix;
  } else {
    if (!short_xattr_prefix(x.name_index)) v.fail("unknown xattr name index", at + 1, ctx);
    x.base_index = x.name_index;
  }
  return size;
}

}  // namespace

XattrHeader for_each_xattr(const Image& img, const Inode& ino, const std::function<void(const XattrRef&)>& fn) {
  XattrHeader head;
  if (ino.xattr_isize == 0) return head;
  Where ctx;
  ctx.nid = ino.nid;
  const util::ByteView& v = img.meta_space(ino.in_metabox);
  const u64 base = ino.xattr_pos();
  // i_xattr_icount 1: the kernel loads the inode but refuses its xattrs (erofs_init_inode_xattrs).
  if (ino.xattr_isize == 12) throw Unsupported("xattr ibody with header only is not supported", v.at(ino.pos + 2, ctx));
  auto h = v.read<od::XattrIbodyHeader>(base, "xattr ibody outside the image", ctx);
  head.has_ibody = true;
  head.name_filter = h.h_name_filter;
  const u64 shared_bytes = 4 * u64(h.h_shared_count);
  if (shared_bytes > ino.xattr_isize - 12) v.fail("invalid h_shared_count", base + 4, ctx);

  u64 at = base + 12 + shared_bytes;
  u64 remaining = ino.xattr_isize - 12 - shared_bytes;
  while (remaining > 0) {
    if (remaining < 4) v.fail("xattr entry beyond xattr_isize", at, ctx);
    XattrRef x;
    u64 size = read_entry(img, v, at, remaining, x, ctx);
    // A zero header is padding (mkfs may pad the ibody), not an entry.
    if (!(x.name_index == 0 && x.infix.empty() && x.stored.empty() && x.value.empty())) fn(x);
    at += size;
    remaining -= size;
  }

  const bool in_metabox = img.sb().has_compat(od::k_compat_shared_ea_in_metabox);
  const util::ByteView& sv = img.meta_space(in_metabox);
  const u64 shared_base = in_metabox ? 0 : img.sb().xattr_blkaddr << img.sb().blkszbits;
  for (unsigned i = 0; i < h.h_shared_count; ++i) {
    u32 id = v.read<ul32>(base + 12 + 4 * u64(i), "shared xattr id outside the image", ctx);
    XattrRef x;
    x.shared = true;
    x.shared_id = id;
    u64 pos = shared_base + 4 * u64(id);
    try {
      read_entry(img, sv, pos, ~u64(0), x, ctx);
    } catch (const CorruptImage& e) {  // name the shared entry only when it is at fault
      Where sctx;
      sctx.detail = fmt::format("shared xattr {}", id);
      throw e.with(sctx);
    }
    fn(x);
  }
  return head;
}

namespace {

Xattr decode(const XattrRef& r) {
  Xattr x;
  x.name_index = r.name_index;
  x.base_index = r.base_index;
  x.shared = r.shared;
  x.shared_id = r.shared_id;
  x.resolved = r.resolved;
  x.value.assign(r.value.begin(), r.value.end());
  if (!r.resolved) {
    x.name = fmt::format("<long prefix {}>{}", r.name_index & od::k_xattr_long_prefix_mask, r.stored);
  } else {
    x.suffix.reserve(r.infix.size() + r.stored.size());
    x.suffix.append(r.infix).append(r.stored);
    const char* shortp = short_xattr_prefix(x.base_index);
    x.name = std::string(shortp ? shortp : "") + x.suffix;
  }
  return x;
}

}  // namespace

std::vector<std::shared_ptr<const Xattr>> XattrDecoder::read(const Inode& ino, XattrHeader* header) {
  std::vector<std::shared_ptr<const Xattr>> out;
  XattrHeader head = for_each_xattr(m_image, ino, [&](const XattrRef& r) {
    if (!r.shared) {
      out.push_back(std::make_shared<const Xattr>(decode(r)));
      return;
    }
    // for_each_xattr validated the entry (again, for this inode); its decoded copy is shared.
    auto& slot = m_shared[r.shared_id];
    if (!slot) slot = std::make_shared<const Xattr>(decode(r));
    out.push_back(slot);
  });
  if (header) *header = head;
  return out;
}

XattrSet read_xattrs(const Image& img, const Inode& ino) {
  XattrSet set;
  XattrHeader head = for_each_xattr(img, ino, [&](const XattrRef& r) { set.items.push_back(decode(r)); });
  set.has_ibody = head.has_ibody;
  set.name_filter = head.name_filter;
  return set;
}

const Xattr* find_xattr(const XattrSet& set, u8 index, std::string_view suffix) {
  for (const Xattr& x : set.items)
    if (x.resolved && x.base_index == index && x.suffix == suffix) return &x;
  return nullptr;
}

unsigned xattr_filter_bit(u8 index, std::string_view suffix) {
  return XXH32(suffix.data(), suffix.size(), od::k_xattr_filter_seed + index) & 31;
}

bool filter_hides(const Image& img, const XattrHeader& head, u8 index, std::string_view suffix) {
  const SuperInfo& sb = img.sb();
  if (!head.has_ibody || !sb.has_compat(od::k_compat_xattr_filter) || sb.xattr_filter_reserved != 0) return false;
  return (head.name_filter >> xattr_filter_bit(index, suffix)) & 1;
}

bool filter_hides(const Image& img, const XattrSet& set, u8 index, std::string_view suffix) {
  return filter_hides(img, XattrHeader{set.has_ibody, set.name_filter}, index, suffix);
}

}  // namespace core::erofs
