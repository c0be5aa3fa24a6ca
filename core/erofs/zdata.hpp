// Reading compressed inodes (layouts 1 and 3): extent mapping (zmap.hpp), decompression
// (core/codec) and fragments in the packed inode, with bounded buffers.
#pragma once

#include <memory>

#include "core/erofs/data.hpp"

namespace core::erofs {

// Per-image state of the compressed reader: the validated compression configuration and a
// small bounded cache of decoded packed-inode extents shared by fragment reads. Defined in
// zdata.cpp; an Image owns one.
struct ZState;

// The state for `image`, or nullptr if the image cannot hold compressed inodes. Throws
// CorruptImage / Unsupported for bad compression configuration records (§1.5).
std::shared_ptr<ZState> make_zstate(const Image& image);

// Streams the decompressed content of a compressed inode (exactly i_size bytes) to `sink`,
// decoding every extent once, in logical order. Throws CorruptImage naming nid and byte, or
// Unsupported.
void stream_compressed(const Image& image, const Inode& inode, const Sink& sink);

// Streams bytes [off, off + len) (clamped to i_size) of a compressed inode, decoding only the
// extents that hold them. Throws like stream_compressed.
void stream_compressed_range(const Image& image, const Inode& inode, u64 off, u64 len, const Sink& sink);

}  // namespace core::erofs
