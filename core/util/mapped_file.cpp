#include "core/util/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "core/util/input_file.hpp"

namespace core::util {

MappedFile::MappedFile(const std::string& path) : m_path(path) {
  // Regular files and block devices only, opened without blocking (input_file.hpp).
  InputFd in(path);
  const int fd = in.get();
  // Block devices report size 0 in st_size; ask the end of the device instead.
  off_t end = S_ISREG(in.mode()) ? in.size() : ::lseek(fd, 0, SEEK_END);
  if (end < 0) throw IoError(path, "seek", errno);
  m_size = static_cast<u64>(end);
  if (m_size > 0) {
    void* p = ::mmap(nullptr, m_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) throw IoError(path, "mmap", errno);
    m_data = static_cast<const u8*>(p);
  }
}

void ByteView::release(u64 off, u64 len) const {
  if (!m_mapped || !contains(off, len)) return;
  const u64 page = static_cast<u64>(::sysconf(_SC_PAGESIZE));
  // The mapping is read-only and never written, so dropping a page only means it is faulted
  // in again from the page cache if used later: round outward to whole pages.
  u64 begin = off / page * page, end = std::min(align_up(off + len, page), m_size);
  if (begin < end) ::madvise(const_cast<u8*>(m_data) + begin, end - begin, MADV_DONTNEED);
}

void ByteView::prefetch(u64 off, u64 len) const {
#ifdef MADV_POPULATE_READ
  if (!m_mapped || !contains(off, len) || len == 0) return;
  const u64 page = static_cast<u64>(::sysconf(_SC_PAGESIZE));
  u64 begin = off / page * page, end = std::min(align_up(off + len, page), m_size);
  // Best effort: older kernels answer EINVAL and the pages fault in as usual; an I/O error
  // shows up as SIGBUS on access exactly as without the hint.
  if (begin < end) ::madvise(const_cast<u8*>(m_data) + begin, end - begin, MADV_POPULATE_READ);
#else
  (void)off;
  (void)len;
#endif
}

MappedFile::~MappedFile() {
  if (m_data) ::munmap(const_cast<u8*>(m_data), m_size);
}

}  // namespace core::util
