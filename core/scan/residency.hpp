// scan --resident: the pages a live host actually read, as a residency file records them, and
// the working-set saving they give (ResidentFigures in report.hpp).
//
// Two formats, told apart by their top-level key:
//   status: `erofs-share status --format json` (share/schema/status.schema.json): the "files"
//           array, one element per measured inode with image, mount, path (in the image) and
//           resident_bytes;
//   fincore: `fincore --json [-b]` (util-linux): {"fincore": [{"res", "pages", "size", "file"}]}
//           with "file" a path under a mount point; "res" in bytes with -b, else "pages" x the
//           page size.
// Each record is mapped to (scan input, path in its image): a --resident-root MOUNTPOINT=INPUT
// maps a mount point (fincore: the longest one that is a prefix of the path; status: the
// record's mount) to an input by its name in the report; a status record without one maps to
// the input that is the same file as its "image".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/util/ints.hpp"

namespace core::scan {

// Residency files larger than this are refused (a status report of a million files is ~250 MB).
inline constexpr u64 k_max_residency_bytes = u64(1) << 30;

enum class ResidencyFormat { status, fincore };
const char* residency_format_name(ResidencyFormat format);  // "status", "fincore"

// --resident-root MOUNTPOINT=INPUT.
struct ResidentRoot {
  std::string mount;  // lexically normal, no trailing '/' (except "/")
  std::string input;  // an input's name as the report lists it
};
// Parses "MOUNTPOINT=INPUT" (split at the first '=': input names hold one more often than mount
// points do); throws UsageError if either side is empty.
ResidentRoot parse_resident_root(std::string_view text);

// One record as the file says it.
struct ResidencyRecord {
  std::string image;  // status: the image backing the mount; fincore: ""
  std::string mount;  // status: the mount point it was measured through; fincore: ""
  std::string path;   // status: the path in the image; fincore: the path measured
  u64 resident_bytes = 0;
};

struct Residency {
  std::string file;  // as given (messages, report)
  ResidencyFormat format = ResidencyFormat::status;
  std::vector<ResidencyRecord> records;  // file order
  std::vector<ResidentRoot> roots;       // --resident-root, command-line order
};

// Parses the text of a residency file. `page_size` converts fincore "pages" to bytes. Throws
// UsageError "--resident FILE: ..." naming the JSON pointer of what is wrong.
Residency parse_residency(std::string_view text, const std::string& where, u32 page_size);
// Reads and parses `path` (IoError if it cannot be read; UsageError above k_max_residency_bytes).
Residency read_residency(const std::string& path, u32 page_size);

}  // namespace core::scan
