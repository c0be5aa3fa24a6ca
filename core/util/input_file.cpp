#include "core/util/input_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "core/util/error.hpp"

namespace core::util {

std::string_view file_kind_name(mode_t mode) {
  if (S_ISREG(mode)) return "a regular file";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "a special file";
}

void require_input_kind(const std::string& path, mode_t mode, bool allow_directory) {
  if (S_ISREG(mode) || S_ISBLK(mode) || (allow_directory && S_ISDIR(mode))) return;
  if (S_ISDIR(mode)) throw IoError(path, "open", EISDIR);
  throw UsageError(fmt::format("{}: {} is not an input erofs-share reads (a regular file or block device{})", path,
                               file_kind_name(mode), allow_directory ? ", or a directory" : ""));
}

bool check_input_kind(const std::string& path, bool allow_directory) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  require_input_kind(path, st.st_mode, allow_directory);
  return S_ISDIR(st.st_mode);
}

InputFd::InputFd(const std::string& path) {
  check_input_kind(path, false);
  // O_NONBLOCK: should the name have become a FIFO since the stat, open returns at once
  // instead of waiting for a writer; fstat below then refuses it.
  m_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (m_fd < 0) throw IoError(path, "open", errno);
  struct stat st {};
  if (::fstat(m_fd, &st) != 0) {
    int err = errno;
    ::close(m_fd);
    throw IoError(path, "stat", err);
  }
  try {
    require_input_kind(path, st.st_mode, false);
  } catch (...) {
    ::close(m_fd);
    throw;
  }
  int flags = ::fcntl(m_fd, F_GETFL);
  if (flags >= 0) ::fcntl(m_fd, F_SETFL, flags & ~O_NONBLOCK);
  m_mode = st.st_mode;
  m_size = st.st_size;
}

InputFd::~InputFd() {
  if (m_fd >= 0) ::close(m_fd);
}

std::string read_input_file(const std::string& path) {
  InputFd in(path);
  std::string text;
  char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(in.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw IoError(path, "read", errno);
    if (n == 0) break;
    text.append(buf, std::size_t(n));
  }
  return text;
}

}  // namespace core::util
