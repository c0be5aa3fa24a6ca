#include "core/scan/sharing.hpp"

#include <algorithm>
#include <bit>
#include <map>
#include <utility>

#include <xxhash.h>

namespace core::scan {

// Sized for `expected` keys up to 2^18 and grown beyond: a fleet's inodes are mostly copies of
// fewer contents, and slots for every inode of millions were a tenth of the scan's memory.
KeyTable::KeyTable(std::size_t expected)
    : m_slots(std::bit_ceil(std::max<std::size_t>(16, 2 * std::min<std::size_t>(expected, std::size_t(1) << 18)))) {
  m_keys.reserve(expected);
}

u32 KeyTable::id(std::span<const u8> value, std::string_view domain) {
  const Key key{value, domain};
  return insert(key, hash_of(key));
}

u32 KeyTable::insert(const Key& key, u64 h) {
  if (2 * (std::size_t(m_count) + 1) > m_slots.size()) grow();
  const u32 tag = static_cast<u32>(h >> 32);
  const std::size_t mask = m_slots.size() - 1;
  for (std::size_t i = h & mask;; i = (i + 1) & mask) {
    Slot& s = m_slots[i];
    if (s.id == 0) {
      m_keys.push_back(Entry{key, h});
      s = Slot{tag, ++m_count};
      return s.id;
    }
    if (s.tag == tag && equal(m_keys[s.id - 1].key, key)) return s.id;
  }
}

void KeyTable::grow() {
  m_slots.assign(2 * m_slots.size(), Slot{});
  const std::size_t mask = m_slots.size() - 1;
  for (u32 id = 1; id <= m_count; ++id) {
    const u64 h = m_keys[id - 1].hash;
    std::size_t i = h & mask;
    while (m_slots[i].id != 0) i = (i + 1) & mask;
    m_slots[i] = Slot{static_cast<u32>(h >> 32), id};
  }
}

u64 KeyTable::hash_of(const Key& k) {
  // One hash over the concatenation, so that equal concatenations hash alike.
  const std::size_t n = k.value.size() + k.domain.size();
  if (n <= 128) {  // the usual case: a 39-byte value and a short domain
    u8 buf[128];
    std::copy(k.value.begin(), k.value.end(), buf);
    std::copy(k.domain.begin(), k.domain.end(), buf + k.value.size());
    return XXH3_64bits(buf, n);
  }
  std::string joined(reinterpret_cast<const char*>(k.value.data()), k.value.size());  // rare: long values
  joined += k.domain;
  return XXH3_64bits(joined.data(), joined.size());
}

bool KeyTable::equal(const Key& a, const Key& b) {
  if (a.value.size() + a.domain.size() != b.value.size() + b.domain.size()) return false;
  if (a.value.size() == b.value.size())
    return std::equal(a.value.begin(), a.value.end(), b.value.begin()) && a.domain == b.domain;
  // Compare the two concatenations byte by byte across the boundary.
  auto byte = [](const Key& k, std::size_t i) {
    return i < k.value.size() ? k.value[i] : static_cast<u8>(k.domain[i - k.value.size()]);
  };
  for (std::size_t i = 0, n = a.value.size() + a.domain.size(); i < n; ++i)
    if (byte(a, i) != byte(b, i)) return false;
  return true;
}

Simulation simulate(const std::vector<SimInode>& inodes, u32 key_count, Assume assume, u32 page_size) {
  std::vector<u32> keys(inodes.size());
  for (std::size_t i = 0; i < inodes.size(); ++i) keys[i] = inodes[i].key;
  return simulate(
      keys, [&](u32 i) { return inodes[i].io; }, [&](u32 i) { return inodes[i].size; }, key_count, assume, page_size);
}

Simulation simulate(std::span<const u32> keys, const std::function<IoClass(u32)>& io_of,
                    const std::function<u64(u32)>& size_of, u32 key_count, Assume assume, u32 page_size) {
  Simulation sim;
  const u32 n = static_cast<u32>(keys.size());
  sim.inode.assign(n, Simulation::k_none);
  sim.joined.assign(n, false);

  // Members of every key in order, as one array sliced by key (ids start at 1).
  std::vector<u32> start(key_count + 2, 0);
  for (u32 key : keys) ++start[key + 1];
  for (u32 k = 1; k < start.size(); ++k) start[k] += start[k - 1];
  std::vector<u32> order(n);
  std::vector<u32> fill(start.begin(), start.end() - 1);
  for (u32 i = 0; i < n; ++i) order[fill[keys[i]]++] = i;

  // Ids were handed out in order of first appearance, so keys are visited in that order.
  for (u32 key = 1; key <= key_count; ++key) {
    const u32* first = order.data() + start[key];
    const u32* last = order.data() + start[key + 1];
    if (first == last) continue;
    u32 anchor = *first;
    if (assume == Assume::best) {
      // Pick the (class, size) that saves the most; std::map keeps the choice deterministic
      // and the strict comparison keeps the earliest on ties.
      struct Bucket {
        u32 first = 0;
        u64 count = 0;
      };
      std::map<std::pair<IoClass, u64>, Bucket> buckets;
      for (const u32* p = first; p != last; ++p) {
        Bucket& b = buckets[{io_of(*p), size_of(*p)}];
        if (b.count++ == 0) b.first = *p;
      }
      u64 best_saving = 0;
      bool have = false;
      for (const auto& [cls, b] : buckets) {
        u64 saving = (b.count - 1) * page_bytes(cls.second, page_size);
        if (!have || saving > best_saving || (saving == best_saving && b.first < anchor)) {
          best_saving = saving;
          anchor = b.first;
          have = true;
        }
      }
    }
    SharedInode s;
    s.anchor = anchor;
    s.io = io_of(anchor);
    s.size = size_of(anchor);
    const u32 id = static_cast<u32>(sim.shared.size());
    for (const u32* p = first; p != last; ++p) {
      sim.inode[*p] = id;
      if (io_of(*p) == s.io && size_of(*p) == s.size) {
        sim.joined[*p] = true;
        ++s.members;
      }
    }
    sim.shared.push_back(s);
  }
  return sim;
}

}  // namespace core::scan
