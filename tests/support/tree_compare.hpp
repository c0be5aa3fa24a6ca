// Compares every entry of an EROFS image, read through core::erofs, with the source tree it
// was built from: paths, type, mode, owner, size, mtime, nlink, symlink target, rdev, xattrs,
// file content byte for byte, and hard-link identity.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/erofs/image.hpp"
#include "tests/support/source_tree.hpp"

namespace test_support {

struct CompareOptions {
  // Set when mkfs ran with a fixed timestamp applied to all files: every inode must carry
  // exactly (fixed_mtime, 0). Otherwise every inode must carry the source's (sec, nsec).
  std::optional<std::int64_t> fixed_mtime;
  // An xattr present in the image but not the source (the fingerprint), skipped by name.
  std::optional<std::string> ignore_xattr;
  // erofs-utils >= 1.9 marks every directory holding an overlayfs whiteout (a 0:0 char device)
  // with an empty `trusted.overlay.origin` (lib/inode.c erofs_set_origin_xattr; kernel commit
  // b79e05aaa166 "ovl: no direct iteration for dir with origin xattr"), unless --ovlfs-strip.
  bool whiteout_dirs_get_origin = false;
};

// What the image contained, so tests can assert that a configuration exercised what it meant to.
struct CompareStats {
  unsigned entries = 0;          // paths walked, root included
  unsigned inodes = 0;           // distinct nids
  unsigned compact_inodes = 0;
  unsigned extended_inodes = 0;
  unsigned flat_plain_files = 0;  // regular files per layout (distinct nids)
  unsigned flat_inline_files = 0;
  unsigned chunk_based_files = 0;
  unsigned chunk_index_files = 0;  // chunk-based with 8-byte chunk indexes
  unsigned shared_xattrs = 0;      // xattr entries read from the shared area
  unsigned long_prefix_xattrs = 0; // entries encoded with a long-prefix index (0x80 | p)
  std::uint64_t content_bytes = 0; // regular-file bytes compared
};

struct CompareResult {
  std::vector<std::string> mismatches;  // "PATH: FIELD: expected X, got Y"
  CompareStats stats;

  bool ok() const { return mismatches.empty(); }
  // The first `max` mismatches, one per line, and how many were left out.
  std::string summary(std::size_t max = 40) const;
};

CompareResult compare_image(const core::erofs::Image& image, const SourceTree& source, const CompareOptions& options);

}  // namespace test_support
