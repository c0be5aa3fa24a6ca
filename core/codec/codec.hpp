// One decompression engine for every algorithm EROFS uses (format reference §5.14), modelled
// on erofs-utils' z_erofs_decompress_req: one request struct, one dispatch, one file per
// library. Nothing here knows about images: errors carry no location, the caller adds the nid
// and byte offset (CorruptImage::with).
#pragma once

#include <span>

#include "core/util/ints.hpp"

namespace core::codec {

// Algorithm ids as stored on disk (§5.3).
enum class Algorithm : unsigned { lz4 = 0, lzma = 1, deflate = 2, zstd = 3 };
inline constexpr unsigned k_algorithm_count = 4;

// "lz4", "lzma", "deflate", "zstd"; nullptr for an unknown id.
const char* algorithm_name(unsigned id);

// Hard cap on the decoded bytes one request may produce or buffer (EROFS allows 12 MiB of
// logical data per pcluster; partial references may decode a little further).
inline constexpr u64 k_max_decoded = u64(16) << 20;

struct DecompressRequest {
  unsigned algorithm = 0;     // on-disk id (§5.3); anything else raises Unsupported
  std::span<const u8> in;     // the whole pcluster: leading zero padding, then the stream
  std::span<u8> out;          // receives decoded bytes [decoded_skip, decoded_skip + out.size())
  u64 decoded_skip = 0;       // decoded bytes to drop before `out`
  bool partial = false;       // the stream may decode to more than decoded_skip + out.size()
  u32 lzma_dict_size = u32(8) << 20;  // MicroLZMA dictionary size (compression config)
};

// Decodes `req.in` into `req.out`. Without `partial` the stream must decode to exactly
// decoded_skip + out.size() bytes. Throws CorruptImage (without location) for a malformed or
// wrongly sized stream or an all-zero pcluster, Unsupported naming the number for an unknown
// algorithm.
void decompress(const DecompressRequest& req);

}  // namespace core::codec
