#include "core/lint/describe.hpp"

#include <algorithm>

#include "core/erofs/fingerprint.hpp"

namespace core::lint {

std::string describe_digest(const util::Digest& digest) { return "sha256:" + util::to_hex(digest); }

std::string describe_value(std::span<const u8> value) {
  constexpr std::size_t k_max = 48;
  const auto& scheme = erofs::k_fingerprint_scheme;
  if (value.size() == erofs::k_fingerprint_size && std::equal(scheme.begin(), scheme.end(), value.begin()))
    return "sha256:" + util::to_hex(value.subspan(scheme.size()));
  const bool printable =
      !value.empty() && std::all_of(value.begin(), value.end(), [](u8 c) { return c >= 0x20 && c < 0x7f; });
  const bool cut = value.size() > k_max;
  auto shown = value.first(std::min(value.size(), k_max));
  std::string s = printable ? "\"" + std::string(shown.begin(), shown.end()) + "\"" : "0x" + util::to_hex(shown);
  return cut ? s + "..." : s;
}

std::string describe_file(const ImageFacts& img, const FileFacts& file) { return img.image + ":" + file.path; }

}  // namespace core::lint
