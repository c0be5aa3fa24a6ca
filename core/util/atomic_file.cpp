#include "core/util/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <vector>

#include "core/util/error.hpp"

namespace core::util {

AtomicFile::AtomicFile(const std::string& target, unsigned mode, std::function<void(unsigned)> checkpoint)
    : m_target(target), m_checkpoint(std::move(checkpoint)) {
  std::filesystem::path p(target);
  m_dir = p.has_parent_path() ? p.parent_path().string() : ".";
  step();
  // An unnamed file in the target's directory (same file system, so rename() works later);
  // file systems without O_TMPFILE get a hidden name right away.
  // It is reached through /proc/self/fd (read back, linked); without /proc, use a name.
  m_fd = ::open(m_dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, mode & 07777);
  if (m_fd >= 0) {
    m_temp = "/proc/self/fd/" + std::to_string(m_fd);
    m_unnamed = ::access(m_temp.c_str(), R_OK) == 0;
    if (!m_unnamed) {
      ::close(m_fd);
      m_fd = -1;
    }
  }
  if (!m_unnamed) {
    std::string tmpl = hidden_template();
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    m_fd = ::mkstemp(buf.data());
    if (m_fd < 0) throw IoError(m_target, "create", errno);  // the user named the target, not the temp
    m_temp = buf.data();
  }
  if (::fchmod(m_fd, mode & 07777) != 0) {
    int err = errno;
    ::close(m_fd);
    if (!m_unnamed) ::unlink(m_temp.c_str());
    throw IoError(m_target, "fchmod", err);
  }
}

std::string AtomicFile::hidden_template() const {
  const std::string name = std::filesystem::path(m_target).filename().string();
  return (std::filesystem::path(m_dir) / ("." + name + ".tmp-XXXXXX")).string();
}

// Gives the unnamed file a hidden name beside the target (the only moment a kill can leave a
// temporary file behind: between this and the rename).
void AtomicFile::link_name() {
  const std::string proc = m_temp;
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string name = hidden_template();
    // mkstemp's pattern, filled here because linkat cannot create an open file.
    static const char k_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    unsigned seed = static_cast<unsigned>(::getpid()) * 2654435761u + static_cast<unsigned>(attempt) * 40503u +
                    static_cast<unsigned>(m_step);
    for (std::size_t i = name.size() - 6; i < name.size(); ++i) {
      seed = seed * 1103515245u + 12345u;
      name[i] = k_chars[(seed >> 16) % (sizeof(k_chars) - 1)];
    }
    if (::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, name.c_str(), AT_SYMLINK_FOLLOW) == 0) {
      m_temp = name;
      m_unnamed = false;
      return;
    }
    if (errno != EEXIST) throw IoError(m_target, "link", errno);
  }
  throw IoError(m_target, "link", EEXIST);
}

AtomicFile::~AtomicFile() {
  if (m_fd >= 0) ::close(m_fd);  // an unnamed file disappears with its descriptor
  if (!m_committed && !m_unnamed && !m_temp.empty()) ::unlink(m_temp.c_str());
}

void AtomicFile::step() {
  if (m_checkpoint) m_checkpoint(m_step);
  ++m_step;
}

void AtomicFile::write_at(u64 off, std::span<const u8> data, u64 chunk) {
  chunk = std::max<u64>(chunk, 1);
  for (u64 done = 0; done < data.size();) {
    step();
    u64 n = std::min<u64>(chunk, data.size() - done);
    ssize_t w = ::pwrite(m_fd, data.data() + done, n, static_cast<off_t>(off + done));
    if (w < 0) {
      if (errno == EINTR) continue;
      throw IoError(m_target, "write", errno);
    }
    done += u64(w);
  }
}

void AtomicFile::append(std::span<const u8> data) {
  write_at(m_end, data, data.size());
  m_end += data.size();
}

void AtomicFile::copy_from(int src_fd, std::span<const u8> src, u64 chunk) {
  chunk = std::max<u64>(chunk, 1);
  bool use_range = true;
  for (u64 done = 0; done < src.size();) {
    step();
    u64 n = std::min<u64>(chunk, src.size() - done);
    u64 end = done + n;
    // copy_file_range shares extents on file systems that can (reflink) and avoids a pass
    // through user space; fall back to writing from the mapping where it is not available.
    while (use_range && done < end) {
      loff_t in = static_cast<loff_t>(done), out = static_cast<loff_t>(done);
      ssize_t c = ::copy_file_range(src_fd, &in, m_fd, &out, end - done, 0);
      if (c > 0) {
        done += u64(c);
      } else if (c < 0 && errno == EINTR) {
        continue;
      } else {
        use_range = false;
      }
    }
    if (done < end) {
      ssize_t w = ::pwrite(m_fd, src.data() + done, end - done, static_cast<off_t>(done));
      if (w < 0) {
        if (errno == EINTR) continue;
        throw IoError(m_target, "write", errno);
      }
      done += u64(w);
    }
  }
}

void AtomicFile::commit() {
  step();
  if (::fsync(m_fd) != 0) throw IoError(m_target, "fsync", errno);
  if (m_unnamed) {
    step();
    link_name();
  }
  step();
  if (::rename(m_temp.c_str(), m_target.c_str()) != 0) throw IoError(m_target, "rename", errno);
  m_committed = true;
  step();
  fsync_dir(m_dir);
}

void fsync_dir(const std::string& dir) {
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) throw IoError(dir, "open", errno);
  int rc = ::fsync(dfd);
  int err = errno;
  ::close(dfd);
  if (rc != 0) throw IoError(dir, "fsync", err);
}

}  // namespace core::util
