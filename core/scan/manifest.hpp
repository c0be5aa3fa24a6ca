// Manifests: one input's records as newline-delimited JSON, so a fleet can scan each image in
// its own job and merge later (by `scan` over the manifests, or by share/scan/merge.sql).
//
// Line 1 describes the input:
//   {"block_size":4096,"directories":3,"empty_files":0,"erofs_share_manifest":1,
//    "files":2,"fingerprint_xattr":"erofs.fingerprint.v1","input":"a.erofs","ishare":true,
//    "kind":"erofs","special_files":0,"symlinks":1}
// then one line per inode of a non-empty regular file, sorted by path:
//   {"class":"uncompressed","fingerprint":"usable","fingerprint_value":"7368...","input":"a.erofs",
//    "path":"/bin/sh","paths":["/bin/sh"],"sha256":"0f3c...","size":125560}
// "fingerprint" is the kernel's view (usable, missing, no_ishare_feature, hidden_by_filter,
// empty, too_long); "fingerprint_value" (hex) is present when a value is stored; "sha256" when
// the content was read, else "error" may say why. A path that is not UTF-8 is written as
// {"hex":"..."}. Keys are sorted, so equal inputs give byte-identical manifests.
#pragma once

#include <string>

#include "core/scan/model.hpp"

namespace core::scan {

inline constexpr int k_manifest_version = 1;

// The manifest text of `record` (header line + one line per file).
std::string manifest_text(const InputRecord& record);

// Writes manifest_text(record) to `path`. Throws IoError.
void write_manifest(const InputRecord& record, const std::string& path);

// True if `first_line` is the header line of a manifest.
bool is_manifest_header(std::string_view first_line);

// Reads a manifest back. Throws UsageError naming the file and line for malformed content,
// IoError if it cannot be read.
InputRecord read_manifest(const std::string& path);

}  // namespace core::scan
