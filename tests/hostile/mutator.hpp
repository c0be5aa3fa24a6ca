// Deterministic mutations of a valid image: random bit flips, byte overwrites and truncations,
// plus targeted corruptions of the structures core finds in the image (superblock fields,
// inode fields, dirents, xattr ibodies, chunk indexes, the long-prefix table).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/erofs/inode.hpp"
#include "core/util/ints.hpp"

namespace hostile {

using core::u16;
using core::u32;
using core::u64;
using core::u8;

struct Mutant {
  std::string desc;  // "<fixture>: <what was changed>", enough to reproduce by hand
  std::vector<u8> bytes;
};

struct Range {
  u64 pos = 0;
  u64 len = 0;
  u64 nid = 0;  // owner inode
};

struct InodeSite {
  u64 nid = 0;
  u64 pos = 0;
  bool extended = false;
  core::erofs::FileType type = core::erofs::FileType::file;
  core::erofs::Layout layout = core::erofs::Layout::flat_plain;
  u64 size = 0;
};

struct ChunkSite {
  u64 nid = 0;
  u64 pos = 0;     // first entry
  u64 count = 0;
  unsigned unit = 8;
};

// Where the structures of a valid image are, found by parsing it with core.
struct ImageMap {
  unsigned blkszbits = 12;
  u64 block_size = 4096;
  u64 blocks = 0;
  u64 root_nid = 0;
  bool sb_chksum = false;
  std::vector<InodeSite> inodes;
  std::vector<Range> dir_blocks;   // dirent blocks of flat directories (absolute bytes)
  std::vector<Range> ibodies;      // xattr ibodies
  std::vector<u64> shared_entries; // shared xattr entries referenced by some ibody
  std::vector<ChunkSite> chunks;   // chunk index / block map arrays
  std::vector<Range> zmaps;        // compressed inodes: map header + the start of the indexes
  std::vector<u64> prefix_records; // long-prefix records in a plain table
  u64 device_table = 0;            // 0 = none
};

// Parses `bytes` (a valid image) and records its structures. Throws core errors if it is not.
ImageMap map_image(std::span<const u8> bytes);

// Derives `count` mutants of `base` (seeded by `seed` and the fixture name), and for each one
// that changed the checksummed area of an SB_CHKSUM image, also a variant with the checksum
// recomputed so the deeper code is reached.
std::vector<Mutant> make_mutants(const std::string& fixture, const std::vector<u8>& base, const ImageMap& map,
                                 u64 seed, unsigned count);

}  // namespace hostile
