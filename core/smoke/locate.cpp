#include "core/smoke/locate.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

// The install layout, relative to the directory of the erofs-share executable (set by CMake
// from GNUInstallDirs; the build tree has the same layout).
#ifndef EROFS_SHARE_LIBEXEC_FROM_BIN
#define EROFS_SHARE_LIBEXEC_FROM_BIN "../libexec/erofs-share"
#endif
#ifndef EROFS_SHARE_DATA_FROM_BIN
#define EROFS_SHARE_DATA_FROM_BIN "../share/erofs-share"
#endif

namespace core::smoke {

namespace {

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

std::string first_existing(const std::vector<std::string>& candidates) {
  for (const std::string& c : candidates)
    if (!c.empty() && access(c.c_str(), R_OK) == 0) return c;
  return "";
}

// `dir` + "/" + `rel` without its "x/../" steps (the path is shown in messages). Safe because
// `dir` is the executable's resolved directory, with no symlinks in it.
std::string below(const std::string& dir, const std::string& rel) {
  return std::filesystem::path(dir + "/" + rel).lexically_normal().string();
}

}  // namespace

std::string self_executable(const std::string& argv0) {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? argv0 : p.string();
}

std::string locate_probe(const std::string& self_exe) {
  std::vector<std::string> c;
  if (const char* env = std::getenv("EROFS_SHARE_PROBE"); env && *env) c.emplace_back(env);
  const std::string dir = dir_of(self_exe);
  c.push_back(dir + "/erofs-share-probe");
  c.push_back(below(dir, EROFS_SHARE_LIBEXEC_FROM_BIN "/erofs-share-probe"));
  std::string found = first_existing(c);
  return found.empty() ? c.front() : found;
}

std::string locate_script(const std::string& self_exe, const std::string& name) {
  std::vector<std::string> c;
  if (const char* env = std::getenv("EROFS_SHARE_SCRIPTS"); env && *env) c.push_back(std::string(env) + "/" + name);
  c.push_back(below(dir_of(self_exe), EROFS_SHARE_DATA_FROM_BIN "/scripts/" + name));
  return first_existing(c);
}

}  // namespace core::smoke
