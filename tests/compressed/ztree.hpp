// The source trees the compressed-layout matrix feeds to mkfs.erofs: edge sizes around the
// block size, multi-MiB compressible and incompressible data, data that alternates between the
// two (plain pclusters), sparse files, runs of zeros, symlinks, a directory with many entries
// and whole and partial duplicates (dedupe). Deterministic: the same seed gives the same bytes.
#pragma once

#include <cstdint>
#include <filesystem>

namespace ztest {

enum class TreeSize {
  full,   // every kind of file, about 9 MiB of data (+ holes)
  small,  // the same kinds, scaled down (~0.6 MiB) for slow mkfs modes (dedupe, lzma levels)
};

// Populates the existing empty directory `root`. Throws std::runtime_error naming the path.
void build_ztree(const std::filesystem::path& root, TreeSize size);

}  // namespace ztest
