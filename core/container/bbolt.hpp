// A read-only reader of bbolt files (go.etcd.io/bbolt), the format of containerd's meta.db and
// of its snapshotters' metadata.db. Only what reading needs: the two meta pages (the valid one
// with the higher txid wins), branch and leaf pages with their overflow pages, inline and nested
// buckets. The freelist is never read. Every read is bounds-checked (util::ByteView); a page
// seen twice in one walk (a cycle) and nesting deeper than k_max_depth are CorruptImage.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/util/byte_view.hpp"
#include "core/util/ints.hpp"

namespace core::container {

class BoltFile {
public:
  static constexpr u32 k_magic = 0xED0CDAED;
  static constexpr u32 k_version = 2;
  static constexpr u32 k_max_depth = 64;  // branch levels plus bucket nesting in one lookup

  // A bucket: its root page, or (inline bucket) the page bytes held in its parent's value.
  struct Bucket {
    u64 root = 0;  // page id; 0 = inline
    std::span<const u8> inline_page;
    std::string where;  // "bucket v1/default/images" (for messages)
    u32 depth = 0;      // nesting level (the root bucket is 0)
  };

  struct Entry {
    std::span<const u8> key;
    std::span<const u8> value;  // for a bucket entry: its 16-byte header (+ inline page)
    bool is_bucket = false;
    std::string_view key_text() const { return {reinterpret_cast<const char*>(key.data()), key.size()}; }
  };

  // Checks the meta pages of `bytes` (which must outlive this object). Throws CorruptImage
  // naming `name` if neither meta page is valid (magic, version, checksum, page size, root).
  BoltFile(util::ByteView bytes, std::string name);

  u32 page_size() const { return m_page_size; }
  u64 txid() const { return m_txid; }
  const Bucket& root() const { return m_root; }

  // Calls `fn` for every entry of `bucket` in key order. Throws CorruptImage on a bad page.
  void for_each(const Bucket& bucket, const std::function<void(const Entry&)>& fn) const;
  // The entry named `key` in `bucket`, if any.
  std::optional<Entry> find(const Bucket& bucket, std::string_view key) const;
  // The nested bucket at `path` below `from` (the root bucket by default); std::nullopt if a
  // name is missing. Throws CorruptImage if a name is there but is a plain value.
  std::optional<Bucket> bucket(const std::vector<std::string_view>& path) const;
  std::optional<Bucket> bucket(const Bucket& from, const std::vector<std::string_view>& path) const;
  // A plain value of `bucket`, if present and not a bucket.
  std::optional<std::span<const u8>> value(const Bucket& bucket, std::string_view key) const;
  // The bucket an entry describes (entry.is_bucket must hold).
  Bucket child(const Bucket& parent, const Entry& entry) const;

private:
  struct PageRef;
  PageRef page(u64 id, const std::string& where) const;
  void walk(const PageRef& page, const Bucket& bucket, u32 level, std::unordered_set<u64>& seen,
            const std::function<void(const Entry&)>& fn) const;

  util::ByteView m_bytes;
  std::string m_name;
  u32 m_page_size = 0;
  u64 m_high_water = 0;  // pages below this id exist
  u64 m_txid = 0;
  Bucket m_root;
};

}  // namespace core::container
