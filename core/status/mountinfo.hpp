// /proc/self/mountinfo (proc(5)): one line per mount, and the EROFS options in its super
// options. A pure parser, so tests feed it files (status --mounts FILE).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/ints.hpp"

namespace core::status {

// One line: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS",
// with the kernel's octal escapes (\040 for a space) undone in ROOT, MOUNTPOINT and SOURCE.
struct MountEntry {
  u32 id = 0;
  u32 major = 0;
  u32 minor = 0;
  std::string root;  // the directory of the filesystem mounted there ("/" unless a bind)
  std::string mount_point;
  std::string mount_options;
  std::string fstype;
  std::string source;
  std::string super_options;
};

// What an EROFS mount's super options say (erofs-format.md 6.4): the kernel shows
// ",inode_share" but not domain_id (hidden since the fscache removal); device= if shown.
struct ErofsOptions {
  bool inode_share = false;
  std::optional<std::string> domain_id;
  std::vector<std::string> devices;
};

// Parses mountinfo text. `name` says where it came from in messages. Throws UsageError
// "NAME: line N: ..." for a line that is not in the format, or past 1,000,000 lines.
std::vector<MountEntry> parse_mountinfo(std::string_view text, const std::string& name);

// The comma-separated super options of an EROFS mount (values unescaped).
ErofsOptions parse_erofs_options(std::string_view super_options);

// Undoes the kernel's "\ooo" escapes (mangle() in fs/proc_namespace.c, seq_escape()).
std::string unescape(std::string_view field);

}  // namespace core::status
