// The image set smoke builds when the user gives none: three small images made with
// mkfs.erofs >= 1.9 --xattr-inode-digest, holding identical files across images, compressed
// and uncompressed twins, equal fingerprints on files of different sizes and a forged
// fingerprint (erofs-format.md §6.5, §6.9).
#pragma once

#include <string>
#include <vector>

#include "core/util/sha256.hpp"

namespace core::smoke {

struct GeneratedSet {
  std::vector<std::string> images;  // a.erofs (uncompressed), b.erofs (uncompressed, forged), c.erofs (lz4hc)
  std::string no_ishare_image;      // tree a without fingerprints (status stage only; not in images)
  double seconds = 0;               // time spent in mkfs.erofs and forging
};

// The mkfs.erofs to use: `requested` if not empty, else $MKFS_EROFS_19, else mkfs.erofs in
// PATH; it must list --xattr-inode-digest in its --help. Returns "" if none qualifies.
std::string find_mkfs(const std::string& requested, const std::string& scratch_dir);

// Writes the source trees and images under `dir` (which must exist). Throws IoError, or
// UsageError with mkfs.erofs' own message if it fails.
GeneratedSet generate_images(const std::string& mkfs, const std::string& dir);

// Replaces the one fingerprint value "sha256:" + `from` in the image file with "sha256:" + `to`
// (nothing else changes but the superblock checksum, recomputed if the image has one).
// Throws UsageError unless the value occurs exactly once, IoError.
void forge_fingerprint(const std::string& image, const util::Digest& from, const util::Digest& to);

}  // namespace core::smoke
