// DEFLATE (algorithm 2): raw RFC 1951 data, decoded with libdeflate (§5.14).
#include <memory>
#include <vector>

#include <fmt/format.h>
#include <libdeflate.h>

#include "core/codec/codec.hpp"
#include "core/codec/decoders.hpp"

namespace core::codec::detail {

namespace {

struct FreeDecompressor {
  void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
};

libdeflate_decompressor* decompressor() {
  thread_local std::unique_ptr<libdeflate_decompressor, FreeDecompressor> d(libdeflate_alloc_decompressor());
  if (!d) fail("deflate", "cannot allocate a decompressor");
  return d.get();
}

const char* result_name(libdeflate_result r) {
  switch (r) {
    case LIBDEFLATE_BAD_DATA: return "bad data";
    case LIBDEFLATE_SHORT_OUTPUT: return "short output";
    case LIBDEFLATE_INSUFFICIENT_SPACE: return "output larger than expected";
    default: return "error";
  }
}

}  // namespace

void decode_deflate(std::span<const u8> in, std::span<u8> out, bool partial) {
  libdeflate_decompressor* d = decompressor();
  std::size_t actual = 0;
  if (!partial) {
    libdeflate_result r = libdeflate_deflate_decompress(d, in.data(), in.size(), out.data(), out.size(), &actual);
    if (r != LIBDEFLATE_SUCCESS) fail("deflate", result_name(r));
    if (actual != out.size()) fail("deflate", fmt::format("decoded {} bytes, expected {}", actual, out.size()));
    return;
  }
  // libdeflate cannot stop early: decode the whole stream into a growing buffer (erofs-utils
  // starts at 16x) and keep the prefix. The cap bounds what a hostile stream can make us hold.
  u64 capacity = std::min<u64>(std::max<u64>(u64(out.size()) * 16, 4096), k_max_decoded);
  std::vector<u8> buf;
  for (;;) {
    buf.resize(capacity);
    libdeflate_result r = libdeflate_deflate_decompress(d, in.data(), in.size(), buf.data(), buf.size(), &actual);
    if (r == LIBDEFLATE_SUCCESS) break;
    if (r != LIBDEFLATE_INSUFFICIENT_SPACE) fail("deflate", result_name(r));
    if (capacity >= k_max_decoded) fail("deflate", fmt::format("stream decodes to more than {} bytes", k_max_decoded));
    capacity = std::min<u64>(capacity * 2, k_max_decoded);
  }
  if (actual < out.size()) fail("deflate", fmt::format("decoded {} bytes, expected at least {}", actual, out.size()));
  std::copy(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(out.size()), out.begin());
}

}  // namespace core::codec::detail
