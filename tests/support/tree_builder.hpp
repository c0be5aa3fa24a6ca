// Generates the source trees the e2e tests feed to mkfs.erofs: every file type, edge sizes,
// sparse files, hard links, long names and targets, device nodes, xattrs in every namespace,
// large uids/gids, varied mtimes and permission bits. Needs root (mknod, chown, trusted.*).
#pragma once

#include <cstdint>
#include <filesystem>

namespace test_support {

// Xattr name prefixes the tree uses, so that `mkfs.erofs --xattr-prefix=...` finds matches.
inline constexpr const char* k_user_long_prefix = "user.long.prefix.for.erofs.";
inline constexpr const char* k_overlay_prefix = "trusted.overlay.";

// Files that carry identical xattrs (name and value), so mkfs shares them (-x tolerance).
inline constexpr unsigned k_shared_xattr_files = 12;

struct TreeOptions {
  unsigned big_dir_entries = 0;         // entries of /bigdir; 0 leaves it out
  std::uint64_t seed = 0x5eed'e20f'5000'0001ull;  // file content PRNG
  // Longest file names used (EROFS allows 255). erofs-utils 1.5 cannot import a 255-byte
  // name: it re-stats the entry with the name cut to 254 bytes and fails with ENOENT.
  unsigned max_name_len = 255;
  // Adds /sparse/huge: this many bytes (past 4 GiB: 64-bit i_size), data only at the start
  // and across the 4 GiB boundary. Only for chunk-based builds: a flat image would hold it all.
  std::uint64_t huge_sparse_size = 0;
  std::uint64_t big_file_size = (std::uint64_t(4) << 20) + 123;  // the multi-MiB file
};

// Populates the existing, empty directory `root`. Regular-file mtimes and every other
// attribute are set last, bottom-up, so creating children does not disturb them.
// Throws std::runtime_error naming the path and the failing call.
void build_tree(const std::filesystem::path& root, const TreeOptions& options);

}  // namespace test_support
