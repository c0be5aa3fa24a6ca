// Extended attributes of an inode: inline and shared entries, resolved names, the bloom filter.
#pragma once

#include <optional>
#include <string>
#include <string_view>
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
  bool resolved = true; // false if a long-prefix index is beyond the table
};

struct XattrSet {
  bool has_ibody = false;
  u32 name_filter = 0;  // raw h_name_filter (inverted bloom filter)
  std::vector<Xattr> items;  // inline entries first, then shared, in on-disk order
};

// Reads and validates every xattr of `inode`. Throws CorruptImage naming the nid and byte.
XattrSet read_xattrs(const Image& image, const Inode& inode);

// Kernel lookup semantics (§4.6): the first entry whose name resolves to (index, suffix),
// inline before shared; nullptr if none.
const Xattr* find_xattr(const XattrSet& set, u8 index, std::string_view suffix);

// The bloom-filter bit of a name (§4.7): xxh32(suffix, seed 0x25BBE08F + index) & 31.
unsigned xattr_filter_bit(u8 index, std::string_view suffix);

// True if the kernel would skip the lookup of (index, suffix) because the inode's filter says
// the name is absent.
bool filter_hides(const Image& image, const XattrSet& set, u8 index, std::string_view suffix);

}  // namespace core::erofs
