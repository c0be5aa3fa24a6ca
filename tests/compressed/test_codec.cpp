// core/codec on its own: every algorithm round-trips through decompress() with zero padding,
// full, prefix (partial) and skipped decodes; wrong sizes, garbage, truncation, all-zero
// pclusters, bombs and unknown algorithms fail with the documented errors and never crash.
#include <lz4.h>
#include <libdeflate.h>
#include <lzma.h>
#include <zstd.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/codec/codec.hpp"
#include "core/util/error.hpp"

namespace {

using core::u8;
using core::codec::DecompressRequest;
using core::codec::decompress;

std::vector<u8> sample(std::size_t n) {
  std::vector<u8> v(n);
  unsigned x = 12345;
  for (std::size_t i = 0; i < n; ++i) {
    x = x * 1103515245 + 12345;
    v[i] = static_cast<u8>("abcdefgh erofs pcluster\n"[(x >> 16) % 24]);
  }
  return v;
}

// Compresses `in` with algorithm `alg` the way mkfs does (one stream per pcluster) and
// right-aligns it behind `pad` zero bytes.
std::vector<u8> compress(unsigned alg, const std::vector<u8>& in, std::size_t pad = 37) {
  std::vector<u8> out(in.size() * 2 + 1024);
  std::size_t n = 0;
  switch (alg) {
    case 0:
      n = static_cast<std::size_t>(LZ4_compress_default(reinterpret_cast<const char*>(in.data()),
                                                        reinterpret_cast<char*>(out.data()), int(in.size()), int(out.size())));
      break;
    case 1: {
      lzma_options_lzma opt;
      lzma_lzma_preset(&opt, 6);
      lzma_stream s = LZMA_STREAM_INIT;
      EXPECT_EQ(lzma_microlzma_encoder(&s, &opt), LZMA_OK);
      s.next_in = in.data();
      s.avail_in = in.size();
      s.next_out = out.data();
      s.avail_out = out.size();
      EXPECT_EQ(lzma_code(&s, LZMA_FINISH), LZMA_STREAM_END);
      EXPECT_EQ(s.avail_in, 0u);
      n = out.size() - s.avail_out;
      lzma_end(&s);
      break;
    }
    case 2: {
      libdeflate_compressor* c = libdeflate_alloc_compressor(6);
      n = libdeflate_deflate_compress(c, in.data(), in.size(), out.data(), out.size());
      libdeflate_free_compressor(c);
      break;
    }
    case 3: n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3); break;
  }
  EXPECT_GT(n, 0u);
  out.resize(n);
  out.insert(out.begin(), pad, 0);
  return out;
}

class Codec : public ::testing::TestWithParam<unsigned> {};

TEST_P(Codec, FullDecodeRoundTrips) {
  auto data = sample(100000);
  auto packed = compress(GetParam(), data);
  std::vector<u8> out(data.size());
  DecompressRequest rq;
  rq.algorithm = GetParam();
  rq.in = packed;
  rq.out = out;
  decompress(rq);
  EXPECT_EQ(out, data);
}

TEST_P(Codec, PartialDecodeGivesThePrefix) {
  auto data = sample(100000);
  auto packed = compress(GetParam(), data);
  std::vector<u8> out(1000);
  DecompressRequest rq;
  rq.algorithm = GetParam();
  rq.in = packed;
  rq.out = out;
  rq.partial = true;
  decompress(rq);
  EXPECT_TRUE(std::equal(out.begin(), out.end(), data.begin()));
}

TEST_P(Codec, DecodedSkipDropsTheStart) {
  auto data = sample(50000);
  auto packed = compress(GetParam(), data);
  std::vector<u8> out(data.size() - 777);
  DecompressRequest rq;
  rq.algorithm = GetParam();
  rq.in = packed;
  rq.out = out;
  rq.decoded_skip = 777;
  decompress(rq);
  EXPECT_TRUE(std::equal(out.begin(), out.end(), data.begin() + 777));
}

TEST_P(Codec, FullDecodeRejectsAWrongSize) {
  auto data = sample(20000);
  auto packed = compress(GetParam(), data);
  for (std::size_t n : {data.size() - 1, data.size() + 1}) {
    std::vector<u8> out(n);
    DecompressRequest rq;
    rq.algorithm = GetParam();
    rq.in = packed;
    rq.out = out;
    EXPECT_THROW(decompress(rq), core::CorruptImage) << "size " << n;
  }
}

TEST_P(Codec, PartialDecodeBeyondTheStreamFails) {
  auto data = sample(20000);
  auto packed = compress(GetParam(), data);
  std::vector<u8> out(data.size() + 100);
  DecompressRequest rq;
  rq.algorithm = GetParam();
  rq.in = packed;
  rq.out = out;
  rq.partial = true;
  EXPECT_THROW(decompress(rq), core::CorruptImage);
}

TEST_P(Codec, TruncatedOrGarbledStreamsFailCleanly) {
  auto data = sample(30000);
  auto packed = compress(GetParam(), data);
  std::vector<u8> out(data.size());
  DecompressRequest rq;
  rq.algorithm = GetParam();
  rq.out = out;
  std::vector<u8> cut(packed.begin(), packed.begin() + static_cast<std::ptrdiff_t>(packed.size() / 2));
  rq.in = cut;
  EXPECT_THROW(decompress(rq), core::CorruptImage);
  // Flip bytes all over the stream: every outcome but a crash or a wrong-size success is fine.
  for (std::size_t step = 1; step < 64; ++step) {
    auto bad = packed;
    for (std::size_t i = 37 + step; i < bad.size(); i += 97 + step) bad[i] ^= static_cast<u8>(0x5a + step);
    rq.in = bad;
    rq.partial = step % 2;
    try {
      decompress(rq);
    } catch (const core::CorruptImage& e) {
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    }
  }
}

TEST_P(Codec, AllZeroPclusterIsCorrupt) {
  std::vector<u8> zeros(4096), out(4096);
  DecompressRequest rq;
  rq.algorithm = GetParam();
  rq.in = zeros;
  rq.out = out;
  try {
    decompress(rq);
    FAIL() << "no error";
  } catch (const core::CorruptImage& e) {
    EXPECT_NE(std::string(e.what()).find("only zero padding"), std::string::npos) << e.what();
  }
}

std::string algorithm_param_name(const ::testing::TestParamInfo<unsigned>& p) {
  return core::codec::algorithm_name(p.param);
}

INSTANTIATE_TEST_SUITE_P(Algorithms, Codec, ::testing::Values(0u, 1u, 2u, 3u), algorithm_param_name);

TEST(CodecDispatch, UnknownAlgorithmIsUnsupportedAndNamed) {
  std::vector<u8> in{1, 2, 3}, out(10);
  DecompressRequest rq;
  rq.algorithm = 7;
  rq.in = in;
  rq.out = out;
  try {
    decompress(rq);
    FAIL() << "no error";
  } catch (const core::Unsupported& e) {
    EXPECT_STREQ(e.what(), "unknown algorithm 7");
  }
}

TEST(CodecDispatch, RequestsBeyondTheDecodedCapAreRefused) {
  auto data = sample(1000);
  auto packed = compress(0, data);
  std::vector<u8> out(core::codec::k_max_decoded + 1);
  DecompressRequest rq;
  rq.algorithm = 0;
  rq.in = packed;
  rq.out = out;
  rq.partial = true;
  EXPECT_THROW(decompress(rq), core::CorruptImage);
}

TEST(CodecDispatch, DeflateBombIsCappedForPartialDecodes) {
  // 64 MiB of zeros deflate to ~64 KiB; libdeflate must decode whole streams, so a partial
  // decode has to grow its buffer - up to the cap, not to 64 MiB.
  std::vector<u8> zeros(64u << 20, 0);
  zeros[0] = 1;  // a non-zero first byte keeps the compressed stream from looking like padding
  auto packed = compress(2, zeros, 0);
  std::vector<u8> out(4096);
  DecompressRequest rq;
  rq.algorithm = 2;
  rq.in = packed;
  rq.out = out;
  rq.partial = true;
  try {
    decompress(rq);
    FAIL() << "no error";
  } catch (const core::CorruptImage& e) {
    EXPECT_NE(std::string(e.what()).find("more than"), std::string::npos) << e.what();
  }
}

}  // namespace
