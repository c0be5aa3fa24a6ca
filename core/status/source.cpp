#include "core/status/source.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "core/util/error.hpp"

namespace core::status {

namespace {

// The first line of a sysfs file, or "" if it cannot be read.
std::string sysfs_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return "";
  return line.size() > 4096 ? line.substr(0, 4096) : line;
}

}  // namespace

const char* source_kind_name(SourceKind kind) {
  switch (kind) {
    case SourceKind::block: return "block";
    case SourceKind::loop: return "loop";
    case SourceKind::file: return "file";
  }
  return "block";
}

MountSource resolve_source(const std::string& source, u32 major, u32 minor, const std::string& sys_dir) {
  MountSource m;
  struct stat st {};
  std::string path = source;
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    // mountinfo names the device as the kernel knew it ("/dev/root", a path in another
    // namespace): udev's /dev/block/MAJ:MIN names it here.
    path = fmt::format("/dev/block/{}:{}", major, minor);
    if (::stat(path.c_str(), &st) != 0) throw IoError(source, "stat", err);
  }
  if (S_ISREG(st.st_mode)) {
    m.kind = SourceKind::file;
    m.read_path = path;
    m.image = path;
    return m;
  }
  if (!S_ISBLK(st.st_mode))
    throw UsageError(fmt::format("{}: the mount source is neither a block device nor a regular file", source));
  m.read_path = path;
  m.image = path;
  // A loop device has a loop/ directory in sysfs; its backing file is the image.
  const std::string sys =
      fmt::format("{}/dev/block/{}:{}/loop/backing_file", sys_dir, ::major(st.st_rdev), ::minor(st.st_rdev));
  std::string backing = sysfs_line(sys);
  if (backing.empty()) return m;
  m.kind = SourceKind::loop;
  m.backing_file = backing;
  struct stat bst {};
  if (::stat(backing.c_str(), &bst) == 0 && S_ISREG(bst.st_mode)) m.image = backing;
  return m;
}

}  // namespace core::status
