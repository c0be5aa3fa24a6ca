#include "core/codec/codec.hpp"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "core/codec/decoders.hpp"
#include "core/util/error.hpp"

namespace core::codec {

namespace detail {

void fail(const char* algorithm, const std::string& what) {
  throw CorruptImage(fmt::format("{} decompression failed: {}", algorithm, what), Where{});
}

}  // namespace detail

const char* algorithm_name(unsigned id) {
  switch (id) {
    case 0: return "lz4";
    case 1: return "lzma";
    case 2: return "deflate";
    case 3: return "zstd";
    default: return nullptr;
  }
}

void decompress(const DecompressRequest& req) {
  const char* name = algorithm_name(req.algorithm);
  if (!name) throw Unsupported(fmt::format("unknown algorithm {}", req.algorithm));
  const u64 want = req.decoded_skip + req.out.size();
  if (want < req.decoded_skip || want > k_max_decoded)
    detail::fail(name, fmt::format("{} decoded bytes requested, limit {}", want, k_max_decoded));
  // §5.14: the stream is right-aligned in its pcluster behind zero padding (mkfs always pads,
  // the kernel and erofs-utils skip leading zeros for every algorithm).
  auto first = std::find_if(req.in.begin(), req.in.end(), [](u8 b) { return b != 0; });
  if (first == req.in.end()) detail::fail(name, "pcluster holds only zero padding");
  std::span<const u8> in = req.in.subspan(static_cast<std::size_t>(first - req.in.begin()));

  // Decoders produce a prefix of the stream; with a skip it goes through a scratch buffer.
  std::vector<u8> scratch;
  std::span<u8> out = req.out;
  if (req.decoded_skip) {
    scratch.resize(want);
    out = scratch;
  }
  switch (static_cast<Algorithm>(req.algorithm)) {
    case Algorithm::lz4: detail::decode_lz4(in, out, req.partial); break;
    case Algorithm::lzma: detail::decode_lzma(in, out, req.partial, req.lzma_dict_size); break;
    case Algorithm::deflate: detail::decode_deflate(in, out, req.partial); break;
    case Algorithm::zstd: detail::decode_zstd(in, out, req.partial); break;
  }
  if (req.decoded_skip)
    std::copy(scratch.begin() + static_cast<std::ptrdiff_t>(req.decoded_skip), scratch.end(), req.out.begin());
}

}  // namespace core::codec
