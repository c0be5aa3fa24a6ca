// The real erofs-utils programs the e2e tests drive. They are found ONLY through the
// environment (set-up installs them): MKFS_EROFS_15 FSCK_EROFS_15 DUMP_EROFS_15 for Debian 12's
// erofs-utils 1.5 and MKFS_EROFS_19 FSCK_EROFS_19 DUMP_EROFS_19 for erofs-utils >= 1.9.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/process.hpp"

namespace test_support {

enum class ToolSet { v15, v19 };

// Thrown when a variable is unset or names something that is not executable.
class ToolMissing : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct ErofsTools {
  ToolSet set = ToolSet::v15;
  std::string label;      // "erofs-utils 1.5" / "erofs-utils >= 1.9", for messages
  std::string mkfs;       // absolute paths from the environment
  std::string fsck;
  std::string dump;
  std::string version;    // parsed from the tool's own banner, e.g. "1.5" or "1.9.4"
  std::string mkfs_help;  // `mkfs.erofs --help` (stdout + stderr)
  std::string fsck_help;

  // True if `--help` lists `option` ("-b", "--chunksize", "--xattr-inode-digest").
  bool mkfs_offers(std::string_view option) const;
  bool fsck_offers(std::string_view option) const;

  // `mkfs.erofs FLAGS... IMAGE SOURCE`.
  ProcessResult run_mkfs(const std::vector<std::string>& flags, const std::string& image,
                         const std::string& source) const;
  // `dump.erofs FLAGS... IMAGE`.
  ProcessResult run_dump(const std::vector<std::string>& flags, const std::string& image) const;
  // `fsck.erofs FLAGS... IMAGE`.
  ProcessResult run_fsck(const std::vector<std::string>& flags, const std::string& image) const;
};

// The tools of one set, probed once per process. Throws ToolMissing naming the variable.
const ErofsTools& erofs_tools(ToolSet set);

// The option a command-line flag uses: "-b4096" -> "-b", "--chunksize=4096" -> "--chunksize".
std::string option_name(std::string_view flag);

// True if help text `help` lists `option` as an option (not as part of a longer name).
bool help_lists(std::string_view help, std::string_view option);

// "1.9.4" >= "1.9"; numeric, component-wise.
bool version_at_least(const std::string& version, const std::string& minimum);

}  // namespace test_support
