// Gathering the facts rules run on: open an image leniently and walk it (collect.cpp), then
// compute content digests for all images in parallel (verify.cpp).
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/erofs/image.hpp"
#include "core/lint/facts.hpp"

namespace core::lint {

// The file is not an EROFS image at all (no magic, too small): an input error, not a finding.
class NotAnImage : public Error {
public:
  using Error::Error;
};

// Opens the image (kernel-refusal checks relaxed, so they become findings) and walks it: the
// file `name`, or `bytes` named `name` (they must outlive `image`). Corrupt metadata becomes
// facts, not exceptions. `image` receives the open image (null if it could not be opened) for
// verify_contents. Throws IoError (unreadable file) or NotAnImage.
ImageFacts collect_image(const std::string& name, std::optional<std::span<const u8>> bytes, std::size_t index,
                         const LintSettings& settings, std::unique_ptr<erofs::Image>& image);

// Computes the SHA-256 of every file with verify_wanted, over all images, on `jobs` threads
// (0 = one per CPU), largest files first. Content that cannot be read is recorded per file.
// images[i] belongs to facts[i] (null entries are skipped).
void verify_contents(std::vector<ImageFacts>& facts, const std::vector<std::unique_ptr<erofs::Image>>& images,
                     unsigned jobs);

}  // namespace core::lint
