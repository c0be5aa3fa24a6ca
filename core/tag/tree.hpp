// Build-time tagging: the fingerprint xattr on every regular file of a source tree, so that
// any image builder that copies xattrs carries it (issue #6, mode 3).
#pragma once

#include <string>
#include <vector>

#include "core/tag/retrofit.hpp"
#include "core/util/ints.hpp"

namespace core::tag {

// The default name for trees: a namespaced name, because setxattr cannot store the hidden
// erofs.fingerprint.v1 (base index 0) on a host file system.
inline constexpr const char* k_default_tree_xattr_name = "trusted.erofs.fingerprint";

struct TreeReport {
  std::string xattr_name;
  u64 files_tagged = 0, files_kept = 0, files_replaced = 0;
  u64 content_bytes = 0;
  std::vector<FileNote> notes;  // replaced values, by path
};

// Sets `xattr_name` (empty: k_default_tree_xattr_name) to the 39-byte mkfs value on every
// regular non-empty file under `root` (symlinks are not followed, hard links are hashed once).
// Throws UsageError for a name without a namespace and IoError on file-system errors.
TreeReport tag_tree(const std::string& root, const std::string& xattr_name);

}  // namespace core::tag
