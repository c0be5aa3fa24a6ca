// A read-only memory mapping of a whole file or block device.
#pragma once

#include <string>

#include "core/util/byte_view.hpp"

namespace core::util {

class MappedFile {
public:
  // Maps `path` (a regular file or block device) read-only. Throws IoError if it cannot be
  // opened or mapped, UsageError for a FIFO, socket or character device (never blocks on one).
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::string& path() const { return m_path; }
  u64 size() const { return m_size; }
  ByteView view(std::string space = {}) const { return ByteView::mapped(m_data, m_size, std::move(space)); }

private:
  std::string m_path;
  const u8* m_data = nullptr;
  u64 m_size = 0;
};

}  // namespace core::util
