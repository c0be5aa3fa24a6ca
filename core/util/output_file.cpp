#include "core/util/output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>

#include "core/util/error.hpp"

namespace core::util {

namespace {

constexpr std::size_t k_buffer = 1 << 20;

// The mode a new file gets from open(..., 0666): what the umask leaves.
unsigned new_file_mode() {
  mode_t mask = ::umask(022);
  ::umask(mask);
  return 0666 & ~mask;
}

}  // namespace

OutputFile::OutputFile(const std::string& path) {
  if (path.empty() || path == "-") {
    m_name = "standard output";
    return;
  }
  m_name = path;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
    m_fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (m_fd < 0) throw IoError(path, "open", errno);
    m_own_fd = true;
    return;
  }
  // Replace what a symlink points to, not the link; keep an existing file's permissions.
  std::error_code ec;
  std::string target = path;
  if (std::filesystem::is_symlink(path, ec)) {
    auto real = std::filesystem::canonical(path, ec);
    if (!ec) target = real.string();
  }
  const unsigned mode = ::stat(target.c_str(), &st) == 0 && S_ISREG(st.st_mode) ? st.st_mode & 07777 : new_file_mode();
  m_atomic = std::make_unique<AtomicFile>(target, mode, nullptr);
  m_fd = m_atomic->fd();
}

OutputFile::~OutputFile() {
  if (m_own_fd) ::close(m_fd);
}

void OutputFile::put(std::string_view bytes) {
  if (bytes.empty()) return;
  if (m_atomic) {
    m_atomic->append({reinterpret_cast<const u8*>(bytes.data()), bytes.size()});
  } else if (!m_own_fd) {
    // Standard output goes through stdio, in order with anything else printed there.
    if (std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size() || std::fflush(stdout) != 0)
      throw IoError(m_name, "write", errno ? errno : EIO);
  } else {
    for (std::size_t done = 0; done < bytes.size();) {
      ssize_t n = ::write(m_fd, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw IoError(m_name, "write", errno);
      done += std::size_t(n);
    }
  }
}

void OutputFile::flush() {
  put(m_buffer);
  m_buffer.clear();
}

void OutputFile::write(std::string_view text) {
  if (m_buffer.size() + text.size() > k_buffer) flush();
  if (text.size() >= k_buffer)
    put(text);  // a whole large report: no copy
  else
    m_buffer.append(text);
}

void OutputFile::commit() {
  flush();
  if (m_atomic) m_atomic->commit();
}

}  // namespace core::util
