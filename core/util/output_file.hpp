// Where a report goes: standard output ("" or "-"), straight into an existing character
// device or FIFO (-o /dev/null), or else a new file that replaces the path only once complete
// (AtomicFile, in the directory the path leads to through symlinks). So a failed run leaves no
// partial report and never a half-overwritten one; standard output still streams.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/util/atomic_file.hpp"

namespace core::util {

class OutputFile {
public:
  // Opens the destination now (a directory that takes no file fails before any work). Throws
  // IoError. Reads the umask (umask() twice): construct it while no other thread creates files.
  explicit OutputFile(const std::string& path);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  // Buffered; throws IoError.
  void write(std::string_view text);
  // Writes what is buffered and, for a file, renames it into place. Throws IoError.
  void commit();
  // The descriptor the bytes go to (1 for standard output); write() and commit() flush first.
  int fd() const { return m_fd; }
  bool is_stdout() const { return m_fd == 1 && !m_atomic; }
  // "standard output" or the path, for messages.
  const std::string& name() const { return m_name; }

private:
  void put(std::string_view bytes);
  void flush();

  std::string m_name;
  int m_fd = 1;
  bool m_own_fd = false;                 // a device or FIFO opened here
  std::unique_ptr<AtomicFile> m_atomic;  // a regular file
  std::string m_buffer;
};

}  // namespace core::util
