// Reading file content: maps an inode's logical bytes to where they are stored and streams
// them in order with bounded buffers.
#pragma once

#include <functional>
#include <span>
#include <vector>

#include "core/erofs/inode.hpp"
#include "core/util/ints.hpp"

namespace core::erofs {

class Image;

// Receives consecutive pieces of a file's content, in logical order.
using Sink = std::function<void(std::span<const u8>)>;

// Streams the whole content of `inode` (exactly i_size bytes; holes as zeros) to `sink`.
// Throws CorruptImage, Unsupported (compressed data not readable) or DataUnavailable.
void stream_file(const Image& image, const Inode& inode, const Sink& sink);

// Reads the whole content into memory; throws CorruptImage if i_size exceeds `max_size`.
std::vector<u8> read_file(const Image& image, const Inode& inode, u64 max_size);

// Reads bytes [off, off+len) of the content (clamped to i_size), stopping the stream early.
std::vector<u8> read_range(const Image& image, const Inode& inode, u64 off, u64 len);

// The number of bytes of `inode` that are stored on an extra device (chunk indexes with a
// non-zero device id), so callers can tell when --device is needed.
bool uses_extra_device(const Image& image, const Inode& inode);

// The checks the kernel makes when it maps a flat inode's data, without reading it: a
// FLAT_INLINE tail must not cross a block ("inline data across blocks", erofs_map_blocks).
// stream_file makes them too; callers that check structure without reading data (lint) call
// this. Throws CorruptImage.
void check_flat_layout(const Image& image, const Inode& inode);

}  // namespace core::erofs
