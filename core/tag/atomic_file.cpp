#include "core/tag/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <vector>

#include "core/util/error.hpp"

namespace core::tag {

AtomicFile::AtomicFile(const std::string& target, unsigned mode, std::function<void(unsigned)> checkpoint)
    : m_target(target), m_checkpoint(std::move(checkpoint)) {
  std::filesystem::path p(target);
  m_dir = p.has_parent_path() ? p.parent_path().string() : ".";
  // A hidden name in the same directory, so that rename() stays within one file system.
  std::string tmpl = (std::filesystem::path(m_dir) / ("." + p.filename().string() + ".tag-XXXXXX")).string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  step();
  m_fd = ::mkstemp(buf.data());
  if (m_fd < 0) throw IoError(tmpl, "mkstemp", errno);
  m_temp = buf.data();
  if (::fchmod(m_fd, mode & 07777) != 0) {
    int err = errno;
    ::close(m_fd);
    ::unlink(m_temp.c_str());
    throw IoError(m_temp, "fchmod", err);
  }
}

AtomicFile::~AtomicFile() {
  if (m_fd >= 0) ::close(m_fd);
  if (!m_committed && !m_temp.empty()) ::unlink(m_temp.c_str());
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
      throw IoError(m_temp, "write", errno);
    }
    done += u64(w);
  }
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
        throw IoError(m_temp, "write", errno);
      }
      done += u64(w);
    }
  }
}

void AtomicFile::commit() {
  step();
  if (::fsync(m_fd) != 0) throw IoError(m_temp, "fsync", errno);
  step();
  if (::rename(m_temp.c_str(), m_target.c_str()) != 0) throw IoError(m_target, "rename", errno);
  m_committed = true;
  step();
  int dfd = ::open(m_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) throw IoError(m_dir, "open", errno);
  int rc = ::fsync(dfd);
  int err = errno;
  ::close(dfd);
  if (rc != 0) throw IoError(m_dir, "fsync", err);
}

}  // namespace core::tag
