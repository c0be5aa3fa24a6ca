// Reading compressed inodes (layouts 1 and 3): extent mapping, decompression, fragments.
#pragma once

#include "core/erofs/data.hpp"

namespace core::erofs {

// Streams the decompressed content of a compressed inode (exactly i_size bytes) to `sink`.
// Throws CorruptImage naming nid and byte, or Unsupported.
void stream_compressed(const Image& image, const Inode& inode, const Sink& sink);

}  // namespace core::erofs
