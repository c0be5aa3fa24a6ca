// Fixture images for the mutation harness, built at test time by the real mkfs.erofs named by
// MKFS_EROFS_15 / MKFS_EROFS_19 from a small generated source tree.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/util/ints.hpp"

namespace hostile {

// A required tool or input is missing: the test fails with this message (it never skips).
class SetupError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct Fixture {
  std::string name;  // e.g. "15-chunk-idx"
  std::string flags; // mkfs flags, for messages
  std::vector<core::u8> bytes;
};

// Runs `argv` (argv[0] is a path) with stdin from /dev/null, stdout into `out` and stderr into
// `err` (or into `out` as well when `err` is empty); returns the exit status, or 128 + signal.
int run_command(const std::vector<std::string>& argv, const std::filesystem::path& out,
                const std::filesystem::path& err = {});

// The path of the mkfs.erofs the variable `var` names; throws SetupError if it is unset or not
// executable.
std::string tool_from_env(const char* var);

// Creates the source tree under `root` (which must not exist): files of assorted sizes, a sparse
// file, hard and symbolic links, device nodes, a FIFO and a socket, xattrs (shared, long
// prefixes, large values), a directory with a few hundred entries and a deep path. Parts the
// environment refuses (mknod without privilege, xattrs on a filesystem without them) are left
// out with a warning on stderr.
void make_source_tree(const std::filesystem::path& root);

// Builds every fixture variant of tool set "15" or "19" from `source` into `workdir`. Throws
// SetupError when mkfs fails.
std::vector<Fixture> build_fixtures(const std::string& set, const std::filesystem::path& source,
                                    const std::filesystem::path& workdir);

}  // namespace hostile
