#include "core/status/residency.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

namespace core::status {

namespace {

// Mapping windows of 256 MiB: the mincore vector stays at 64 Ki entries (4 KiB pages) however
// large the file, and no mapping outlives its window.
constexpr u64 k_window = u64(256) << 20;

class Fd {
public:
  explicit Fd(int fd) : m_fd(fd) {}
  ~Fd() {
    if (m_fd >= 0) ::close(m_fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return m_fd; }

private:
  int m_fd;
};

std::string failed(const char* call, int err) { return fmt::format("{}: {}", call, std::strerror(err)); }

}  // namespace

u32 page_size() {
  const long p = ::sysconf(_SC_PAGESIZE);
  return p > 0 ? static_cast<u32>(p) : 4096;
}

Residency measure_residency(const std::string& path) {
  Residency r;
  constexpr int k_flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
  // O_NOATIME: the access time stays as it was (allowed to the owner and to CAP_FOWNER).
  int fd = ::open(path.c_str(), k_flags | O_NOATIME);
  if (fd < 0 && errno == EPERM) fd = ::open(path.c_str(), k_flags);
  if (fd < 0) {
    r.error = failed("open", errno);
    return r;
  }
  Fd guard(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    r.error = failed("fstat", errno);
    return r;
  }
  if (!S_ISREG(st.st_mode)) {
    r.error = "not a regular file";
    return r;
  }
  r.size = static_cast<u64>(st.st_size);
  const u64 page = page_size();
  r.pages = (r.size + page - 1) / page;
  std::vector<unsigned char> vec;
  for (u64 off = 0; off < r.size; off += k_window) {
    const u64 len = std::min(k_window, r.size - off);
    void* map = ::mmap(nullptr, len, PROT_READ, MAP_SHARED, fd, static_cast<off_t>(off));
    if (map == MAP_FAILED) {
      r.error = failed("mmap", errno);
      return r;
    }
    vec.assign((len + page - 1) / page, 0);
    const int rc = ::mincore(map, len, vec.data());
    const int err = errno;
    ::munmap(map, len);  // at once: nothing of the mapping is ever touched
    if (rc != 0) {
      r.error = failed("mincore", err);
      return r;
    }
    for (unsigned char v : vec) r.resident += v & 1;
  }
  return r;
}

}  // namespace core::status
