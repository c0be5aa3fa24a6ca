// MicroLZMA (algorithm 1): an LZMA1 raw stream whose first byte carries the inverted
// properties, decoded with liblzma's MicroLZMA decoder (§5.14).
#include <algorithm>

#include <fmt/format.h>
#include <lzma.h>

#include "core/codec/decoders.hpp"

namespace core::codec::detail {

namespace {

struct LzmaStream {
  lzma_stream s = LZMA_STREAM_INIT;
  ~LzmaStream() { lzma_end(&s); }
};

}  // namespace

void decode_lzma(std::span<const u8> in, std::span<u8> out, bool partial, u32 dict_size) {
  LzmaStream strm;
  // The dictionary never needs to exceed what this stream can produce, which keeps the
  // allocation proportional to the (bounded) output instead of the configured 8 MiB.
  u32 dict = static_cast<u32>(std::clamp<u64>(std::min<u64>(dict_size, out.size()), 4096, u32(8) << 20));
  lzma_ret r = lzma_microlzma_decoder(&strm.s, in.size(), out.size(), !partial, dict);
  if (r != LZMA_OK) fail("lzma", fmt::format("decoder initialisation error {}", static_cast<int>(r)));
  strm.s.next_in = in.data();
  strm.s.avail_in = in.size();
  strm.s.next_out = out.data();
  strm.s.avail_out = out.size();
  r = lzma_code(&strm.s, LZMA_FINISH);
  if (r != LZMA_STREAM_END) fail("lzma", fmt::format("stream error {} after {} bytes", static_cast<int>(r), strm.s.total_out));
  if (strm.s.total_out != out.size())
    fail("lzma", fmt::format("decoded {} bytes, expected {}", strm.s.total_out, out.size()));
}

}  // namespace core::codec::detail
