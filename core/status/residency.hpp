// Which pages of a file are in the page cache now, without reading or faulting any of them:
// mmap(PROT_READ, MAP_SHARED) + mincore(2), in bounded windows, unmapped at once.
//
// Through a file that shares (inode_share), the kernel's mmap replaces the mapping's file by a
// backing file on the shared inode (fs/erofs/ishare.c, erofs_ishare_mmap: vma_set_file), so
// mincore sees the shared inode's page cache: every member of a shared inode reports the same
// pages, whichever member read them. (fincore/cachestat on the file's own descriptor see the
// member inode's mapping, which sharing leaves empty: they are not used.)
#pragma once

#include <string>

#include "core/util/ints.hpp"

namespace core::status {

struct Residency {
  u64 size = 0;       // st_size of the file opened
  u64 pages = 0;      // pages of the mapping
  u64 resident = 0;   // of which in the page cache
  std::string error;  // why it could not be measured ("" if it was)
};

// Measures `path` (a regular file; not followed if a symlink). Opens O_RDONLY|O_NOATIME where
// allowed (else O_RDONLY). Never throws: failures are in Residency::error.
Residency measure_residency(const std::string& path);

// The system page size.
u32 page_size();

}  // namespace core::status
