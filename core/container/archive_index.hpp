// The members of an uncompressed tar archive (an OCI archive, a docker archive) as slices of its
// mapping: blobs are read in place, never extracted. libarchive parses the headers (ustar, pax,
// GNU long names); each member's data must be one contiguous run of the mapping.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/container/container.hpp"

namespace core::container {

class ArchiveIndex {
public:
  // Indexes every regular member of `file`. Throws UsageError if it is not an uncompressed tar
  // (a compressed one is named as such: it must be decompressed first), Error on a bad header,
  // a member stored in pieces (sparse) or a data run outside the file.
  explicit ArchiveIndex(std::shared_ptr<const util::MappedFile> file);
  // True if the file starts like a tar archive (a ustar or old-style header with a good checksum).
  static bool looks_like_tar(std::span<const u8> head);

  // The member named `name` ("./" prefixes and repeated slashes ignored), or std::nullopt.
  std::optional<Blob> find(std::string_view name) const;
  bool empty() const { return m_members.empty(); }

private:
  std::shared_ptr<const util::MappedFile> m_file;
  std::map<std::string, std::pair<u64, u64>, std::less<>> m_members;  // name -> (offset, size)
};

// "./a//b" -> "a/b": the form member names and references are compared in.
std::string member_name(std::string_view name);
// True if a '/'-separated name has a ".." component (it would leave its directory).
bool has_dotdot(std::string_view name);

}  // namespace core::container
