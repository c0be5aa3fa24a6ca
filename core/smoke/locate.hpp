// Where smoke's helpers live: the probe executable and scripts/debian-kernel.sh, looked up
// relative to the running executable, in the install layout (bin/, libexec/erofs-share/,
// share/erofs-share/scripts/), which the build tree copies (build/cli/, build/share/...).
#pragma once

#include <string>

namespace core::smoke {

// erofs-share-probe: $EROFS_SHARE_PROBE, else next to `self_exe` (build tree), else
// <prefix>/libexec/erofs-share/. Returns the first that exists, or the first candidate.
std::string locate_probe(const std::string& self_exe);

// A project script (`name`: "debian-kernel.sh", "erofs-utils.sh"): $EROFS_SHARE_SCRIPTS/NAME,
// else <prefix>/share/erofs-share/scripts/NAME (in a build tree, a link to the source tree's
// scripts/). "" if none exists.
std::string locate_script(const std::string& self_exe, const std::string& name);

// The running executable's path (/proc/self/exe), or `argv0` if that cannot be read.
std::string self_executable(const std::string& argv0);

}  // namespace core::smoke
