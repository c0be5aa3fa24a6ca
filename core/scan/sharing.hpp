// The kernel's sharing decision (erofs-format.md §6.5), applied to a list of inodes in the order
// they are instantiated: one shared inode per key (fingerprint value + domain_id); the first
// inode of a key fixes its aops class and i_size, later inodes join only if both match.
#pragma once

#include <algorithm>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/scan/model.hpp"

namespace core::scan {

// One inode as the sharing code sees it.
struct SimInode {
  static constexpr u32 k_no_key = 0;
  u32 key = k_no_key;  // interned key (KeyTable), k_no_key = not taking part
  IoClass io = IoClass::block;
  u64 size = 0;
};

// Interns kernel keys (§6.5 step 3: the fingerprint value immediately followed by the domain
// name, compared as one byte string) as small ids 1, 2, ... in order of first appearance, so the
// model holds each distinct key once. Keys are kept as views of the two parts, never copied:
// the bytes must outlive the table. ("ab", "c") and ("a", "bc") are one key, as in the kernel.
class KeyTable {
public:
  struct Key {
    std::span<const u8> value;
    std::string_view domain;
  };

  explicit KeyTable(std::size_t expected = 0);
  u32 id(std::span<const u8> value, std::string_view domain);
  // The ids of keys 0 .. n-1 (key_at(i) returns a std::optional<Key>; none gets id 0), exactly
  // as n calls of id() in that order. The slot of the key a few places ahead is requested from
  // memory while the current one is placed: probes into a table sized for every inode missed
  // the caches (three quarters of id()'s time).
  template <class KeyAt>
  std::vector<u32> ids(std::size_t n, KeyAt key_at);
  u32 size() const { return m_count; }

private:
  // Open addressing with linear probing: one flat array, no node per key (a table of 30,000
  // keys built twice per scan was a tenth of a metadata-only scan as std::unordered_map).
  // Slots are 8 bytes: the table is sized for every inode, and fresh memory costs a page fault
  // per 4 KiB. Each key is held once, in order of id.
  struct Slot {
    u32 tag = 0;  // the high half of the key's hash
    u32 id = 0;   // 0: empty
  };
  struct Entry {
    Key key;
    u64 hash;
  };
  static u64 hash_of(const Key& k);
  static bool equal(const Key& a, const Key& b);
  u32 insert(const Key& key, u64 hash);
  void prefetch_slot(u64 hash) const { __builtin_prefetch(&m_slots[hash & (m_slots.size() - 1)]); }
  void grow();

  std::vector<Slot> m_slots;  // size a power of two, at most half full
  std::vector<Entry> m_keys;  // the key of id i at i - 1
  u32 m_count = 0;
};

template <class KeyAt>
std::vector<u32> KeyTable::ids(std::size_t n, KeyAt key_at) {
  constexpr std::size_t k_ahead = 8;
  std::vector<u32> out(n, 0);
  u64 hashes[k_ahead] = {};
  bool present[k_ahead] = {};
  auto stage = [&](std::size_t j) {
    const auto key = key_at(j);
    present[j % k_ahead] = key.has_value();
    if (key) {
      hashes[j % k_ahead] = hash_of(*key);
      prefetch_slot(hashes[j % k_ahead]);
    }
  };
  for (std::size_t j = 0; j < std::min(n, k_ahead); ++j) stage(j);
  for (std::size_t i = 0; i < n; ++i) {
    if (present[i % k_ahead]) out[i] = insert(*key_at(i), hashes[i % k_ahead]);
    if (i + k_ahead < n) stage(i + k_ahead);
  }
  return out;
}

struct SharedInode {
  u32 anchor = 0;   // the member that created it (its pages are charged to it)
  IoClass io = IoClass::block;
  u64 size = 0;
  u32 members = 0;  // anchor included
};

struct Simulation {
  static constexpr u32 k_none = ~u32(0);
  std::vector<u32> inode;    // per input inode: the shared inode of its key, or k_none
  std::vector<bool> joined;  // it is a member (false: no key, or class/size differ)
  std::vector<SharedInode> shared;

  // True if `i` is served by a shared inode another member created (its pages are saved).
  bool saved(u32 i) const { return joined[i] && shared[inode[i]].anchor != i; }
};

// Runs the decision over `inodes` (in instantiation order; keys from one KeyTable of
// `key_count` ids). With Assume::order the first inode of a key fixes class and size, as the
// kernel does; with Assume::best the (class, size) with the largest saving wins (ties: the one
// seen first) and its first member anchors.
Simulation simulate(const std::vector<SimInode>& inodes, u32 key_count, Assume assume, u32 page_size);
// The same with each inode's key in `keys` and its class and size told by `io` and `size` (the
// model keeps them elsewhere: no copy per inode of millions).
Simulation simulate(std::span<const u32> keys, const std::function<IoClass(u32)>& io,
                    const std::function<u64(u32)>& size, u32 key_count, Assume assume, u32 page_size);

}  // namespace core::scan
