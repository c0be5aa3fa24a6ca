// libFuzzer target: the input bytes are an Android build output (a sparse image, a super.img,
// a zip of images). Read them as scan does (core/android: libsparse, the LP reader, libarchive's
// zip reader), then open each EROFS image found; the LP reader also gets the bytes directly, so
// mutations past the magics reach it. Success or one core::Error is fine; anything else aborts,
// and so do ASan/UBSan reports and libFuzzer's limits.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/android/inputs.hpp"
#include "core/android/lp.hpp"
#include "core/erofs/image.hpp"
#include "core/util/error.hpp"

namespace {

std::string scratch_file(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/dev/shm/erofs-share-fuzz-android-" + std::to_string(::getpid());
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    (void)core::android::read_lp_metadata(core::util::ByteView(data, size));
  } catch (const core::Error&) {
  }
  const std::string path = scratch_file(data, size);
  try {
    core::android::Limits limits;
    limits.max_image_bytes = core::u64(256) << 20;  // libFuzzer's memory limit, not the tool's
    limits.max_temp_bytes = core::u64(64) << 20;
    limits.max_fill_bytes = core::u64(16) << 20;
    if (core::android::detect(path) == core::android::Kind::none) return 0;
    const core::android::Opened opened = core::android::open_android(path, limits);
    for (const core::android::Member& m : opened.members) {
      try {
        core::erofs::Image img(m.bytes, m.name, {}, m.owner);
      } catch (const core::Error&) {
      }
    }
  } catch (const core::Error&) {
  }
  return 0;
}
