// The parts of `inspect` a dump.erofs user asks for: the oldest kernel that mounts an image,
// one inode with its extents or chunks, and file statistics (like dump.erofs -s, --nid, -S).
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "core/erofs/image.hpp"
#include "core/erofs/xattr.hpp"
#include "core/inspect/inspect.hpp"

namespace core::inspect {

// The oldest upstream Linux release that mounts an image with these feature bits, e.g. "5.15".
std::string min_kernel(const erofs::SuperInfo& sb);

// One mapped range of an inode's data: compressed extents as erofs::ZMap reads them (logical
// range -> pcluster), or one chunk of a chunk-based inode.
struct ExtentRow {
  u64 logical = 0;
  u64 length = 0;    // logical bytes
  u64 physical = 0;  // byte address (on `device`, or in the metadata space when inline)
  u64 physical_length = 0;
  unsigned device = 0;
  std::string kind;  // "compressed:lz4", "plain", "interlaced", "fragment", "hole", "inline", "chunk"
};

struct InodeDetail {
  std::string path;  // "" when asked by nid
  erofs::Inode inode;
  std::vector<std::shared_ptr<const erofs::Xattr>> xattrs;
  u64 stored_bytes = 0;            // what dump.erofs calls the on-disk size
  std::vector<ExtentRow> extents;  // at most max_extents
  u64 extent_count = 0;            // all of them
};

// Reads inode `nid` and up to `max_extents` of its extents (or chunks). Throws CorruptImage /
// Unsupported.
InodeDetail inode_detail(const erofs::Image& image, u64 nid, std::size_t max_extents);
// The nid a path names (resolved by walking the tree). Throws UsageError when absent.
u64 nid_of_path(const erofs::Image& image, const std::string& path);

inline constexpr std::size_t k_size_buckets = 17;  // [0,1K) [1K,2K) ... [32M,inf), as dump.erofs

struct Statistics {
  u64 files = 0, regular = 0, dirs = 0, symlinks = 0, chardevs = 0, blockdevs = 0, fifos = 0, sockets = 0;
  u64 compressed = 0, uncompressed = 0;
  std::array<u64, 5> by_layout{};                                   // indexed by erofs::Layout
  u64 logical_bytes = 0;                                            // regular files' i_size
  u64 stored_bytes = 0;                                             // regular files' on-disk size
  std::array<u64, k_size_buckets> logical_sizes{}, stored_sizes{};  // regular files by size bucket
};

// One count per path of the report (hard links count once per name, as dump.erofs does).
Statistics statistics(const Report& report, u64 block_size);
// The size bucket of `bytes`: 0 for < 1 KiB, then one per power of two.
std::size_t size_bucket(u64 bytes);
// dump.erofs' on-disk size: compressed blocks for compressed inodes, else i_size.
u64 stored_bytes(const erofs::Inode& inode, u64 block_size);

nlohmann::json statistics_json(const Statistics& statistics);
nlohmann::json inode_detail_json(const InodeDetail& detail);

}  // namespace core::inspect
