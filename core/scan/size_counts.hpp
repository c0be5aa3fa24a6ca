// Size grouping (as jdupes and rmlint do it): how many inodes of all inputs have each file
// size. A size held by one inode only cannot share, so that file's content is not needed.
#pragma once

#include <cstddef>
#include <vector>

#include "core/util/ints.hpp"

namespace core::scan {

// A counting hash table of sizes: one flat array with linear probing (std::unordered_map makes
// a node per size, and this runs twice over every file of a scan).
class SizeCounts {
public:
  explicit SizeCounts(std::size_t expected = 0);
  void add(u64 size);
  u64 count(u64 size) const;

private:
  struct Slot {
    u64 size = 0;
    u64 count = 0;  // 0: empty
  };
  std::size_t slot_of(u64 size) const;
  void grow();
  std::vector<Slot> m_slots;  // size a power of two, at most half full
  std::size_t m_used = 0;
};

}  // namespace core::scan
