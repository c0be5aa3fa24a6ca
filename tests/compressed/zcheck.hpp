// Reads back an image built from a ztree through core::erofs and checks it against the source:
// every path, symlink target and file (streamed end to end AND through random-access reads),
// fingerprints against computed digests, and what compressed layouts the image really used.
#pragma once

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "core/erofs/image.hpp"

namespace ztest {

// What the compressed inodes of an image used, from their mappings.
struct Coverage {
  unsigned compressed_files = 0, compressed_dirs = 0, compressed_symlinks = 0;
  unsigned special_inodes = 0;  // compressed packed / metabox inode
  unsigned metabox_inodes = 0;  // tree inodes that live in the metabox
  unsigned full_index = 0, compact_index = 0, compact_2b = 0, extents = 0;
  std::set<unsigned> extent_record_sizes;
  std::set<unsigned> algorithms;
  std::uint64_t pclusters = 0;
  std::uint64_t big_pclusters = 0;      // physical size > one block
  std::uint64_t shifted = 0, interlaced = 0;
  std::uint64_t inline_tails = 0;       // ztailpacking
  std::uint64_t tail_fragments = 0, whole_fragments = 0;
  std::uint64_t partial_refs = 0;       // extents that decode a prefix of their pcluster
  std::uint64_t shared_pclusters = 0;   // pclusters referenced by more than one extent
  std::uint64_t holes = 0;
  unsigned fingerprints_checked = 0;
  std::uint64_t content_bytes = 0;
  unsigned range_reads = 0;

  std::string describe() const;  // one line, for logs
};

struct CheckResult {
  std::vector<std::string> mismatches;
  Coverage coverage;
  bool ok() const { return mismatches.empty(); }
  std::string summary(std::size_t max = 30) const;
};

// Compares `image` with the tree at `source`. With `check_digests`, every non-empty regular
// file must carry a valid fingerprint equal to its computed content digest.
CheckResult check_image(const core::erofs::Image& image, const std::filesystem::path& source, bool check_digests);

}  // namespace ztest
