// Internal to core/codec: the per-library decoders behind decompress(). Each decodes the
// stream `in` (zero padding already removed) into exactly `out.size()` bytes; with `partial`
// the stream may hold more. They throw CorruptImage (no location) on any failure.
#pragma once

#include <span>
#include <string>

#include "core/util/ints.hpp"

namespace core::codec::detail {

void decode_lz4(std::span<const u8> in, std::span<u8> out, bool partial);
void decode_lzma(std::span<const u8> in, std::span<u8> out, bool partial, u32 dict_size);
void decode_deflate(std::span<const u8> in, std::span<u8> out, bool partial);
void decode_zstd(std::span<const u8> in, std::span<u8> out, bool partial);

// Throws CorruptImage("<algorithm>: <what>").
[[noreturn]] void fail(const char* algorithm, const std::string& what);

}  // namespace core::codec::detail
