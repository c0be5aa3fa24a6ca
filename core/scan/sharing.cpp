#include "core/scan/sharing.hpp"

#include <map>

namespace core::scan {

u32 KeyTable::id(std::string_view key) {
  if (auto it = m_ids.find(key); it != m_ids.end()) return it->second;
  return m_ids.emplace(std::string(key), static_cast<u32>(m_ids.size() + 1)).first->second;
}

Simulation simulate(const std::vector<SimInode>& inodes, u32 key_count, Assume assume, u32 page_size) {
  Simulation sim;
  const u32 n = static_cast<u32>(inodes.size());
  sim.inode.assign(n, Simulation::k_none);
  sim.joined.assign(n, false);

  // Members of every key in order, as one array sliced by key (ids start at 1).
  std::vector<u32> start(key_count + 2, 0);
  for (const SimInode& x : inodes) ++start[x.key + 1];
  for (u32 k = 1; k < start.size(); ++k) start[k] += start[k - 1];
  std::vector<u32> order(n);
  std::vector<u32> fill(start.begin(), start.end() - 1);
  for (u32 i = 0; i < n; ++i) order[fill[inodes[i].key]++] = i;

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
        Bucket& b = buckets[{inodes[*p].io, inodes[*p].size}];
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
    s.io = inodes[anchor].io;
    s.size = inodes[anchor].size;
    const u32 id = static_cast<u32>(sim.shared.size());
    for (const u32* p = first; p != last; ++p) {
      sim.inode[*p] = id;
      if (inodes[*p].io == s.io && inodes[*p].size == s.size) {
        sim.joined[*p] = true;
        ++s.members;
      }
    }
    sim.shared.push_back(s);
  }
  return sim;
}

}  // namespace core::scan
