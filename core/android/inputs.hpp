// Android build outputs as EROFS inputs, for scan, lint and inspect alike:
//   - an Android sparse image (magic 0xED26FF3A): the image it expands to (sparse.hpp);
//   - a super.img, raw or sparse (LP geometry at 4096): every logical partition holding an EROFS
//     image, named "super.img:system_a" (lp.hpp);
//   - a target-files zip (IMAGES/*.img) or an APEX (apex_payload.img): every EROFS member, named
//     "target_files.zip:IMAGES/system.img" (zip.hpp).
// Types are told by magic, never by file name. A partition or member that is not EROFS (ext4,
// an empty slot) is listed as skipped with the reason.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/erofs/image.hpp"
#include "core/util/ints.hpp"

namespace core::android {

enum class Kind { none, sparse, super, zip };

// What `path` is, from its first bytes (a sparse file is expanded to tell an EROFS image from a
// super.img only by open_android). Throws IoError.
Kind detect(const std::string& path);

struct Limits {
  u64 max_image_bytes = u64(64) << 30;      // expanded sparse image, partition, zip member
  u64 max_fill_bytes = u64(256) << 20;      // non-zero sparse fill written to memory
  u64 max_zip_members = 100000;             // entries of a zip's central directory
  u64 max_temp_bytes = u64(16) << 30;       // a deflated member streamed into a temporary file
};

// One EROFS image found in an Android input.
struct Member {
  std::string name;             // "super.img:system_a", or the path itself for a sparse image
  std::span<const u8> bytes;    // valid while `owner` lives
  std::shared_ptr<const void> owner;
};

struct Skipped {
  std::string name;
  std::string reason;
};

struct Opened {
  std::string path;
  Kind kind = Kind::none;
  std::vector<Member> members;  // super: partition table order; zip: central directory order
  std::vector<Skipped> skipped;
};

// Opens `path` (detect() != none) and finds its EROFS images; with `only` ("FILE:NAME") just
// that one (the others are neither assembled nor inflated, and not listed). The metadata is
// checked whole either way. Throws CorruptImage naming the structure and byte offset (the
// caller prefixes the path), Unsupported, IoError.
Opened open_android(const std::string& path, const Limits& limits = {}, const std::string& only = {});

// For inspect: `text` is a file (plain EROFS, sparse, or an Android container with exactly one
// EROFS image), or "CONTAINER:MEMBER" where CONTAINER is an Android container and no file named
// `text` exists. Throws UsageError listing the members when the choice is ambiguous or unknown,
// else like open_android and erofs::Image.
std::unique_ptr<erofs::Image> open_image(const std::string& text, const erofs::OpenOptions& options = {});

// "CONTAINER:MEMBER" split at the last ':' whose left side is an existing Android container
// (and `text` itself is no file), else std::nullopt. Throws IoError.
std::optional<std::pair<std::string, std::string>> split_member(const std::string& text);

}  // namespace core::android
