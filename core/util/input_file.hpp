// Opening what the user names as an input, without ever blocking on it: only regular files and
// block devices are read (and directories, where the caller accepts a tree). A FIFO, socket or
// character device (/dev/zero, /dev/null, a terminal) is refused before it is opened for
// reading, and checked again on the opened descriptor (the name may change in between).
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

namespace core::util {

// "a FIFO", "a socket", "a character device", "a directory", "a regular file", ...
std::string_view file_kind_name(mode_t mode);

// Throws UsageError "PATH: a FIFO is not a file erofs-share reads (a regular file or block
// device...)" unless `mode` is a regular file, a block device or (if `allow_directory`) a
// directory.
void require_input_kind(const std::string& path, mode_t mode, bool allow_directory);

// stat(path) (following links) and require_input_kind. A path that does not exist (or cannot be
// stat'ed) is left to whoever opens it, so its error stays the usual one. Returns true if
// `path` is a directory.
bool check_input_kind(const std::string& path, bool allow_directory);

// An open read-only descriptor that closes itself.
class InputFd {
public:
  // Opens `path` for reading: the kind is checked before open (stat), the open does not block
  // (O_NONBLOCK, cleared again afterwards) and the kind is checked again with fstat. Directories
  // are refused (IoError EISDIR). Throws IoError or UsageError.
  explicit InputFd(const std::string& path);
  ~InputFd();
  InputFd(const InputFd&) = delete;
  InputFd& operator=(const InputFd&) = delete;

  int get() const { return m_fd; }
  mode_t mode() const { return m_mode; }
  off_t size() const { return m_size; }  // st_size (0 for block devices)

private:
  int m_fd = -1;
  mode_t m_mode = 0;
  off_t m_size = 0;
};

// The whole content of the input file `path` (a config, a baseline), opened as InputFd does.
// Throws IoError or UsageError.
std::string read_input_file(const std::string& path);

}  // namespace core::util
