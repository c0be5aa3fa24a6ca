// Sorting large records: sort their indexes, then move each record once.
#pragma once

#include <algorithm>
#include <numeric>
#include <vector>

#include "core/util/ints.hpp"

namespace core::util {

// Sorts `items` by `less` (a strict weak order on T). Swapping whole records inside
// std::sort is the slow part when records are large; this compares through an index and
// moves every record exactly once. Ties keep no particular order (like std::sort).
template <class T, class Less>
void sort_by_index(std::vector<T>& items, Less less) {
  std::vector<u32> order(items.size());
  std::iota(order.begin(), order.end(), u32(0));
  std::sort(order.begin(), order.end(), [&](u32 a, u32 b) { return less(items[a], items[b]); });
  std::vector<T> sorted;
  sorted.reserve(items.size());
  for (u32 i : order) sorted.push_back(std::move(items[i]));
  items = std::move(sorted);
}

}  // namespace core::util
