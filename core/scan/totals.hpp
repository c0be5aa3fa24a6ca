// Arithmetic on the report's figures: derived fields, sums, percentages and the pair matrix.
#pragma once

#include <vector>

#include "core/scan/report.hpp"

namespace core::scan {

// Sets the cache_bytes_* fields from cache_bytes_without_sharing and the savings.
void finish(Figures& f);
// Adds every field of `b` to `a`.
void add(Figures& a, const Figures& b);
// `part` as a percentage of `whole` rounded to two decimals (0 when whole is 0).
double percent(u64 part, u64 whole);

// Page bytes of the files no image shows in the distinct layers of `image` (Report::inputs).
u64 hidden_bytes_of(const Report& report, const ImageRow& image);

// Accumulates per-pair figures of n inputs: every pair a < b, in order.
class PairMatrix {
public:
  explicit PairMatrix(u32 inputs);
  // Adds `bytes` to `field` of every pair of distinct inputs in `inputs` (any order, repeats
  // ok; sorted in place, so callers can reuse one buffer).
  void add(std::vector<u32>& inputs, u64 bytes, u64 PairRow::*field);
  std::vector<PairRow> take() { return std::move(m_rows); }

private:
  std::size_t index(u32 a, u32 b) const;
  u32 m_n;
  std::vector<PairRow> m_rows;
};

}  // namespace core::scan
