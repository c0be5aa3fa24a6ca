#include "core/tag/tree.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "core/erofs/fingerprint.hpp"
#include "core/util/error.hpp"
#include "core/util/sha256.hpp"

namespace core::tag {

namespace fs = std::filesystem;

namespace {

util::Digest hash_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) throw IoError(path, "open", errno);
  util::Sha256 h;
  std::vector<u8> buf(1 << 20);
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      throw IoError(path, "read", err);
    }
    if (n == 0) break;
    h.update(std::span<const u8>(buf.data(), std::size_t(n)));
  }
  ::close(fd);
  return h.finish();
}

}  // namespace

TreeReport tag_tree(const std::string& root, const std::string& xattr_name) {
  TreeReport rep;
  rep.xattr_name = xattr_name.empty() ? k_default_tree_xattr_name : xattr_name;
  const std::string& name = rep.xattr_name;
  static const char* const k_namespaces[] = {"user.", "trusted.", "security."};
  if (std::none_of(std::begin(k_namespaces), std::end(k_namespaces),
                   [&](const char* ns) { return name.rfind(ns, 0) == 0 && name.size() > std::strlen(ns); }))
    throw UsageError(
        fmt::format("--tree needs an xattr name in the user., trusted. or security. namespace, not '{}'", name));
  std::error_code ec;
  if (!fs::is_directory(root, ec)) throw UsageError(fmt::format("'{}' is not a directory", root));
  std::set<std::pair<dev_t, ino_t>> seen;
  std::vector<std::string> files;
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::none, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_symlink(ec) || !it->is_regular_file(ec)) continue;
    files.push_back(it->path().string());
  }
  if (ec) throw IoError(root, "walk", ec.value());
  std::sort(files.begin(), files.end());
  for (const std::string& path : files) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) throw IoError(path, "stat", errno);
    if (!S_ISREG(st.st_mode) || st.st_size == 0 || !seen.insert({st.st_dev, st.st_ino}).second) continue;
    const std::vector<u8> value = erofs::encode_fingerprint(hash_file(path));
    rep.content_bytes += u64(st.st_size);
    std::vector<u8> old(256);
    ssize_t n = ::lgetxattr(path.c_str(), name.c_str(), old.data(), old.size());
    const int gerr = n < 0 ? errno : 0;
    if (n >= 0 && std::size_t(n) == value.size() && std::equal(value.begin(), value.end(), old.begin())) {
      ++rep.files_kept;
      continue;
    }
    if (n < 0 && gerr != ENODATA && gerr != ERANGE) throw IoError(path, "getxattr " + name, gerr);
    if (::lsetxattr(path.c_str(), name.c_str(), value.data(), value.size(), 0) != 0)
      throw IoError(path, "setxattr " + name, errno);
    if (n >= 0 || gerr == ERANGE) {
      ++rep.files_replaced;
      rep.notes.push_back({path, 0, 0, FileAction::replaced, "stored fingerprint does not match the content"});
    } else {
      ++rep.files_tagged;
    }
  }
  return rep;
}

}  // namespace core::tag
