// What the source tree really holds, read back with lstat/readlink/llistxattr/lgetxattr, so
// comparisons check mkfs + reader against the file system and not against the generator's intent.
#pragma once

#include <sys/stat.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <vector>
#include <string>

namespace test_support {

struct SourceEntry {
  std::filesystem::path full;                 // absolute path in the source tree
  struct stat st {};
  std::string link_target;                    // symlinks: readlink bytes
  std::map<std::string, std::string> xattrs;  // name -> value
};

// Keyed by image-style path: "/" for the root, "/dir/name" below it.
using SourceTree = std::map<std::string, SourceEntry>;

// Calls `fn(rel, st)` for every entry below `root` (not `root` itself), parents before
// children, using lstat only (no symlink is ever followed). `rel` has no leading '/'.
void walk_source(const std::filesystem::path& root,
                 const std::function<void(const std::string& rel, const struct stat& st)>& fn);

// Scans `root` without following symlinks. Throws std::runtime_error naming the path.
SourceTree scan_source(const std::filesystem::path& root);

// Reads a source file at given offsets, telling holes (SEEK_DATA/SEEK_HOLE) from data, so that
// comparing a multi-GiB sparse file does not read gigabytes of zeros from the source.
class SourceReader {
public:
  explicit SourceReader(const std::filesystem::path& path);  // throws std::runtime_error
  ~SourceReader();
  SourceReader(const SourceReader&) = delete;
  SourceReader& operator=(const SourceReader&) = delete;

  std::uint64_t size() const { return m_size; }

  struct Difference {
    std::size_t index;  // first differing byte within `bytes`
    int source_byte;    // the source's byte there, or -1 if the source ended
  };
  // Compares `bytes` with the source's bytes at [off, off + bytes.size()).
  std::optional<Difference> compare(std::uint64_t off, std::span<const std::uint8_t> bytes);

private:
  // The hole-or-data extent containing `off` (off < size), cached.
  void locate(std::uint64_t off);

  std::filesystem::path m_path;
  int m_fd = -1;
  std::uint64_t m_size = 0;
  std::uint64_t m_seg_start = 0, m_seg_end = 0;
  bool m_seg_hole = false;
  std::vector<std::uint8_t> m_buf;
};

// SHA-256 of a source file's bytes (read with read(2), OpenSSL directly; independent of core).
std::array<std::uint8_t, 32> sha256_of_file(const std::filesystem::path& path);

std::string hex(const std::uint8_t* data, std::size_t size);
// Printable rendering of arbitrary bytes for messages: C-style escapes, truncated.
std::string printable(const std::string& bytes, std::size_t max = 80);

}  // namespace test_support
