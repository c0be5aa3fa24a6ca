#include "core/scan/totals.hpp"

#include <algorithm>
#include <cmath>

namespace core::scan {

void finish(Figures& f) {
  f.cache_bytes_now = f.cache_bytes_without_sharing - f.saved_bytes_now;
  f.cache_bytes_if_tagged = f.cache_bytes_without_sharing - f.saved_bytes_if_tagged;
}

void add(Figures& a, const Figures& b) {
  a.cache_bytes_without_sharing += b.cache_bytes_without_sharing;
  a.cache_bytes_now += b.cache_bytes_now;
  a.cache_bytes_if_tagged += b.cache_bytes_if_tagged;
  a.saved_bytes_now += b.saved_bytes_now;
  a.saved_bytes_if_tagged += b.saved_bytes_if_tagged;
}

double percent(u64 part, u64 whole) {
  if (whole == 0) return 0;
  return std::round(10000.0 * static_cast<double>(part) / static_cast<double>(whole)) / 100.0;
}

u64 hidden_bytes_of(const Report& report, const ImageRow& image) {
  std::vector<u32> layers = image.inputs;
  std::sort(layers.begin(), layers.end());
  layers.erase(std::unique(layers.begin(), layers.end()), layers.end());
  u64 bytes = 0;
  for (u32 p : layers)
    if (p < report.inputs.size()) bytes += report.inputs[p].hidden_bytes;
  return bytes;
}

PairMatrix::PairMatrix(u32 inputs) : m_n(inputs) {
  for (u32 a = 0; a < inputs; ++a)
    for (u32 b = a + 1; b < inputs; ++b) {
      PairRow r;
      r.a = a;
      r.b = b;
      m_rows.push_back(r);
    }
}

std::size_t PairMatrix::index(u32 a, u32 b) const {
  // Rows of a: (n-1) + (n-2) + ... + (n-a) pairs come before.
  return std::size_t(a) * m_n - std::size_t(a) * (a + 1) / 2 + (b - a - 1);
}

void PairMatrix::add(std::vector<u32>& inputs, u64 bytes, u64 PairRow::*field) {
  std::sort(inputs.begin(), inputs.end());
  inputs.erase(std::unique(inputs.begin(), inputs.end()), inputs.end());
  for (std::size_t i = 0; i < inputs.size(); ++i)
    for (std::size_t j = i + 1; j < inputs.size(); ++j) m_rows[index(inputs[i], inputs[j])].*field += bytes;
}

}  // namespace core::scan
