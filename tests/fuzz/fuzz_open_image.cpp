// libFuzzer target: the input bytes are an image; open it and do everything
// `erofs-share inspect --digest` does (low limits). Success or exactly one core error with a
// one-line message (CorruptImage with a location) is fine; anything else aborts, and so do
// ASan/UBSan reports and libFuzzer's -timeout / -rss_limit_mb.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "tests/hostile/check_image.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const core::erofs::ReadLimits limits = [] {
    core::erofs::ReadLimits l = hostile::low_limits();
    l.max_hole_bytes = core::u64(16) << 20;
    l.max_stream_bytes = core::u64(16) << 20;
    return l;
  }();
  hostile::Outcome o = hostile::inspect_bytes({data, size}, limits);
  if (!o.problem.empty()) {
    std::fprintf(stderr, "fuzz_open_image: %s: %s\n", o.problem.c_str(), o.message.c_str());
    std::abort();
  }
  return 0;
}
