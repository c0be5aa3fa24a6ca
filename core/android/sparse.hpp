// Android sparse images (magic 0xED26FF3A) as read-only byte spans, without writing an
// un-sparsed copy anywhere. The chunk layout comes from Debian's libsparse; see sparse.cpp for
// how the expanded image is laid out in memory and what that costs.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "core/util/ints.hpp"
#include "core/util/mapped_file.hpp"

namespace core::android {

inline constexpr u32 k_sparse_magic = 0xED26FF3A;

struct SparseLimits {
  u64 max_image_bytes = u64(64) << 30;     // expanded size (address space reserved)
  u64 max_fill_bytes = u64(256) << 20;     // bytes of non-zero fill chunks written to memory
};

// The expanded image of a sparse file: an anonymous read-only region of the expanded size.
class SparseImage {
public:
  // Throws CorruptImage (one line, naming `path` and the chunk) for anything libsparse refuses
  // or that does not fit, IoError if it cannot be read.
  explicit SparseImage(const std::string& path, const SparseLimits& limits = {});
  ~SparseImage();
  SparseImage(const SparseImage&) = delete;
  SparseImage& operator=(const SparseImage&) = delete;

  std::span<const u8> bytes() const { return {m_data, static_cast<std::size_t>(m_size)}; }
  u64 raw_chunks() const { return m_raw_chunks; }
  u64 mapped_chunks() const { return m_mapped_chunks; }  // raw chunks mapped from the file
  u64 copied_bytes() const { return m_copied; }          // raw bytes copied (unaligned chunks)

private:
  u8* m_data = nullptr;
  u64 m_size = 0;
  u64 m_raw_chunks = 0, m_mapped_chunks = 0, m_copied = 0;
};

}  // namespace core::android
