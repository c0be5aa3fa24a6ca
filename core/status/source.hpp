// What backs an EROFS mount: a block device, a loop device (and its backing file), or an image
// file mounted directly (a file-backed mount, Linux >= 6.12). This decides the I/O class of
// its uncompressed files (erofs-format.md 6.5 step 1) and what status reads natively.
#pragma once

#include <string>

#include "core/util/ints.hpp"

namespace core::status {

enum class SourceKind : u8 { block, loop, file };
const char* source_kind_name(SourceKind kind);  // "block", "loop", "file"

struct MountSource {
  SourceKind kind = SourceKind::block;
  std::string read_path;     // what status reads: the device (block, loop) or the image file
  std::string image;         // the image file (loop: its backing file, if it still exists), else the device
  std::string backing_file;  // loop: /sys/block/loopN/loop/backing_file as the kernel shows it
};

// Classifies the mount source `source` of the filesystem with device number major:minor.
// `sys_dir` is "/sys" (tests may point elsewhere). A source that is not a path the host can
// stat (a block device under another name) is looked up as /dev/block/MAJOR:MINOR. Throws
// IoError if neither exists, UsageError if it is neither a block device nor a regular file.
MountSource resolve_source(const std::string& source, u32 major, u32 minor, const std::string& sys_dir = "/sys");

}  // namespace core::status
