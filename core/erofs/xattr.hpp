// Extended attributes of an inode: inline and shared entries, resolved names, the bloom filter.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/erofs/inode.hpp"
#include "core/util/ints.hpp"

namespace core::erofs {

class Image;

struct Xattr {
  u8 name_index = 0;    // raw e_name_index (0x80 | p for long prefixes)
  u8 base_index = 0;    // built-in prefix index the full name resolves to
  std::string suffix;   // the full name without the built-in prefix
  std::string name;     // the full name, e.g. "user.foo" or "erofs.fingerprint.v1"
  std::vector<u8> value;
  bool shared = false;  // from the shared xattr area
  u32 shared_id = 0;    // when shared: its id (position in the area in 4-byte units)
  bool resolved = true; // false if a long-prefix index is beyond the table
};

struct XattrSet {
  bool has_ibody = false;
  u32 name_filter = 0;  // raw h_name_filter (inverted bloom filter)
  std::vector<Xattr> items;  // inline entries first, then shared, in on-disk order
};

// Reads and validates every xattr of `inode`. Throws CorruptImage naming the nid and byte.
XattrSet read_xattrs(const Image& image, const Inode& inode);

// One entry as stored, without copies: views into the image, valid while the image is. The
// full name is short_xattr_prefix(base_index) + infix + stored.
struct XattrRef {
  u8 name_index = 0;
  u8 base_index = 0;
  std::string_view infix;  // from the long-prefix table ("" for short prefixes)
  std::string_view stored; // the name bytes of the entry
  std::span<const u8> value;
  bool shared = false;
  u32 shared_id = 0;       // when shared: its id
  bool resolved = true;    // false if a long-prefix index is beyond the table
  // True if the name resolves to (index, suffix), as the kernel compares it.
  bool is(u8 index, std::string_view suffix) const {
    return resolved && base_index == index && suffix.size() == infix.size() + stored.size() &&
           suffix.starts_with(infix) && suffix.substr(infix.size()) == stored;
  }
};

// The ibody header fields a lookup needs (has_ibody false: the inode has no xattrs).
struct XattrHeader {
  bool has_ibody = false;
  u32 name_filter = 0;
};

// Validates every xattr of `inode` exactly as read_xattrs does and calls `fn` for each entry in
// the same order (padding skipped), allocating nothing. Returns the ibody header.
XattrHeader for_each_xattr(const Image& image, const Inode& inode, const std::function<void(const XattrRef&)>& fn);

// Decodes the xattrs of many inodes with one copy of each distinct shared xattr: inodes that
// reference the same shared id share its decoded Xattr, so memory grows with the image, not
// with (inodes x references). Not thread-safe; valid while the image is.
class XattrDecoder {
public:
  explicit XattrDecoder(const Image& image) : m_image(image) {}
  // Every xattr of `inode` in read_xattrs order; validates and throws like read_xattrs.
  std::vector<std::shared_ptr<const Xattr>> read(const Inode& inode, XattrHeader* header = nullptr);

private:
  const Image& m_image;
  std::unordered_map<u32, std::shared_ptr<const Xattr>> m_shared;  // by shared id
};

// Kernel lookup semantics (§4.6): the first entry whose name resolves to (index, suffix),
// inline before shared; nullptr if none.
const Xattr* find_xattr(const XattrSet& set, u8 index, std::string_view suffix);

// The bloom-filter bit of a name (§4.7): xxh32(suffix, seed 0x25BBE08F + index) & 31.
unsigned xattr_filter_bit(u8 index, std::string_view suffix);

// True if the kernel would skip the lookup of (index, suffix) because the inode's filter says
// the name is absent.
bool filter_hides(const Image& image, const XattrSet& set, u8 index, std::string_view suffix);
bool filter_hides(const Image& image, const XattrHeader& header, u8 index, std::string_view suffix);

}  // namespace core::erofs
