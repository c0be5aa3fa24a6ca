// Rendering values inside finding messages: digests, fingerprint values, file references.
#pragma once

#include <span>
#include <string>

#include "core/lint/facts.hpp"
#include "core/util/sha256.hpp"

namespace core::lint {

// "sha256:<64 hex digits>".
std::string describe_digest(const util::Digest& digest);
// A stored fingerprint value: "sha256:<hex>" for mkfs's format, a quoted string if printable,
// else hex; long values are truncated with "...".
std::string describe_value(std::span<const u8> value);
// "IMAGE:PATH" for naming another file in a message.
std::string describe_file(const ImageFacts& img, const FileFacts& file);

}  // namespace core::lint
