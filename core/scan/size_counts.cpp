#include "core/scan/size_counts.hpp"

#include <algorithm>
#include <bit>

namespace core::scan {

// Distinct sizes are far fewer than files: sized for up to 2^16 of them, grown beyond (slots
// for every file of a fleet were 52 bytes per file).
SizeCounts::SizeCounts(std::size_t expected)
    : m_slots(std::bit_ceil(std::max<std::size_t>(16, 2 * std::min<std::size_t>(expected, std::size_t(1) << 16)))) {}

std::size_t SizeCounts::slot_of(u64 size) const {
  // Sizes cluster (small files, multiples of a block): scramble them (Fibonacci hashing).
  const std::size_t mask = m_slots.size() - 1;
  std::size_t i = static_cast<std::size_t>((size * 0x9E3779B97F4A7C15ull) >> 32) & mask;
  while (m_slots[i].count != 0 && m_slots[i].size != size) i = (i + 1) & mask;
  return i;
}

void SizeCounts::add(u64 size) {
  if (2 * (m_used + 1) > m_slots.size()) grow();
  Slot& s = m_slots[slot_of(size)];
  if (s.count == 0) {
    s.size = size;
    ++m_used;
  }
  ++s.count;
}

u64 SizeCounts::count(u64 size) const {
  const Slot& s = m_slots[slot_of(size)];
  return s.count;
}

void SizeCounts::grow() {
  std::vector<Slot> old(2 * m_slots.size());
  old.swap(m_slots);
  for (const Slot& s : old)
    if (s.count != 0) m_slots[slot_of(s.size)] = s;
}

}  // namespace core::scan
