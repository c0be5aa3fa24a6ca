// Zstandard (algorithm 3): one complete frame per pcluster (§5.14).
#include <memory>

#include <fmt/format.h>
#include <zstd.h>

#include "core/codec/decoders.hpp"

namespace core::codec::detail {

namespace {

struct FreeDCtx {
  void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
};

// mkfs keeps windows <= 1 MiB (zstd config windowlog <= 10); allow some slack but refuse
// frames that would make the decoder allocate more than 16 MiB of window.
constexpr int k_window_log_max = 24;

ZSTD_DCtx* dctx() {
  thread_local std::unique_ptr<ZSTD_DCtx, FreeDCtx> c(ZSTD_createDCtx());
  if (!c) fail("zstd", "cannot allocate a decompression context");
  return c.get();
}

}  // namespace

void decode_zstd(std::span<const u8> in, std::span<u8> out, bool partial) {
  ZSTD_DCtx* c = dctx();
  ZSTD_DCtx_reset(c, ZSTD_reset_session_and_parameters);
  ZSTD_DCtx_setParameter(c, ZSTD_d_windowLogMax, k_window_log_max);
  ZSTD_inBuffer ib{in.data(), in.size(), 0};
  ZSTD_outBuffer ob{out.data(), out.size(), 0};
  // Stream until the output is full or the frame ends: a partial decode stops at the wanted
  // prefix, a full decode must end the frame exactly there.
  for (;;) {
    const std::size_t in_before = ib.pos, out_before = ob.pos;
    std::size_t ret = ZSTD_decompressStream(c, &ob, &ib);
    if (ZSTD_isError(ret)) fail("zstd", ZSTD_getErrorName(ret));
    if (ret == 0) break;  // frame complete
    if (ob.pos == ob.size) {
      if (partial) return;
      // Output full but the frame goes on: more data than the extent holds, unless the
      // decoder is only waiting to confirm the end (then a 1-byte probe produces nothing).
      u8 probe = 0;
      ZSTD_outBuffer pb{&probe, 1, 0};
      ret = ZSTD_decompressStream(c, &pb, &ib);
      if (ZSTD_isError(ret)) fail("zstd", ZSTD_getErrorName(ret));
      if (pb.pos != 0) fail("zstd", fmt::format("frame decodes to more than {} bytes", out.size()));
      if (ret == 0) break;
      if (ib.pos == ib.size) fail("zstd", "frame truncated");
      continue;
    }
    if (ib.pos == ib.size) fail("zstd", fmt::format("frame truncated after {} bytes", ob.pos));
    if (ib.pos == in_before && ob.pos == out_before) fail("zstd", "decoder made no progress");
  }
  if (ob.pos != out.size()) fail("zstd", fmt::format("decoded {} bytes, expected {}", ob.pos, out.size()));
}

}  // namespace core::codec::detail
