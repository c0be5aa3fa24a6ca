// EROFS images inside zips: target-files zips (IMAGES/*.img) and APEX files (apex_payload.img),
// read through libarchive (its seekable zip reader: the central directory is what counts). A
// stored member is a slice of the zip's mapping; a deflated one is streamed into an unlinked
// temporary file (O_TMPFILE in $TMPDIR, gone when the last user closes it), bounded by
// Limits::max_temp_bytes.
#pragma once

#include <string>
#include <string_view>

#include "core/android/inputs.hpp"

namespace core::android {

inline constexpr u32 k_zip_local_magic = 0x04034b50;  // "PK\3\4"

// True if `name` is a member erofs-share reads: IMAGES/<name>.img or apex_payload.img.
bool is_image_member(std::string_view name);

// True if the zip at `path` has a member is_image_member() accepts, or if libarchive cannot
// list it (add_zip_members then says why). False for a zip of other files: scan reads it as an
// archive, as before.
bool zip_has_android_images(const std::string& path);

// Adds every EROFS image member of the zip to `out` (others to out.skipped). Throws CorruptImage
// for a member whose data is not where its header says, Error for what libarchive refuses,
// IoError for the temporary file.
// With `only` non-empty, just the member of that name ("FILE:MEMBER").
void add_zip_members(const std::string& path, const Limits& limits, Opened& out, const std::string& only = {});

}  // namespace core::android
