// LZ4 (algorithm 0): a raw LZ4 block, no frame and no end mark (§5.14).
#include <climits>

#include <fmt/format.h>
#include <lz4.h>

#include "core/codec/decoders.hpp"

namespace core::codec::detail {

void decode_lz4(std::span<const u8> in, std::span<u8> out, bool partial) {
  if (in.size() > INT_MAX || out.size() > INT_MAX) fail("lz4", "buffer too large");
  const auto* src = reinterpret_cast<const char*>(in.data());
  auto* dst = reinterpret_cast<char*>(out.data());
  const int csize = static_cast<int>(in.size());
  const int dsize = static_cast<int>(out.size());
  // A full decode must consume the whole stream and produce exactly dsize bytes; a partial
  // one stops once dsize bytes exist (liblz4 >= 1.9 stops exactly there).
  int got = partial ? LZ4_decompress_safe_partial(src, dst, csize, dsize, dsize)
                    : LZ4_decompress_safe(src, dst, csize, dsize);
  if (got < 0) fail("lz4", fmt::format("malformed stream of {} bytes", in.size()));
  if (got != dsize) fail("lz4", fmt::format("decoded {} bytes, expected {}", got, dsize));
}

}  // namespace core::codec::detail
