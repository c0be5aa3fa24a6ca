// Zip members as EROFS images. libarchive parses the zip (central directory, zip64, local
// headers, CRCs); this file only decides which members count and where their bytes go.
#include "core/android/zip.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

#include <fmt/format.h>

#include "core/util/error.hpp"
#include "core/util/mapped_file.hpp"

namespace core::android {

namespace {

struct ArchiveCloser {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveCloser>;

const char* error_text(archive* a) {
  const char* s = archive_error_string(a);
  return s ? s : "unknown error";
}

ArchivePtr open_zip(std::span<const u8> all) {
  ArchivePtr a(archive_read_new());
  if (!a) throw Error("libarchive: out of memory");
  archive_read_support_format_zip_seekable(a.get());
  // From memory: a stored member's data block then points into the mapping (read in place).
  if (archive_read_open_memory(a.get(), all.data(), all.size()) != ARCHIVE_OK)
    throw CorruptImage(fmt::format("zip: {}", error_text(a.get())), {});
  return a;
}

bool is_erofs(const u8* p, std::size_t n) {
  if (n < 1028) return false;
  u32 m;
  std::memcpy(&m, p + 1024, 4);
  return m == 0xE0F5E1E2;
}

// An unlinked temporary file holding one inflated member, then mapped read-only.
class TempImage {
public:
  explicit TempImage(const std::string& what) : m_what(what) {
    const char* env = std::getenv("TMPDIR");
    const std::string dir = env && *env ? env : "/tmp";
    m_fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (m_fd < 0) {
      // File systems without O_TMPFILE: a hidden name, removed at once.
      std::string name = dir + "/.erofs-share-member-XXXXXX";
      m_fd = ::mkstemp(name.data());
      if (m_fd < 0) throw IoError(dir, "create a temporary file", errno);
      ::unlink(name.c_str());
    }
  }
  ~TempImage() {
    if (m_data) ::munmap(m_data, m_size);
    if (m_fd >= 0) ::close(m_fd);
  }
  TempImage(const TempImage&) = delete;
  TempImage& operator=(const TempImage&) = delete;

  void append(const void* p, std::size_t n) {
    const char* c = static_cast<const char*>(p);
    while (n > 0) {
      ssize_t w = ::write(m_fd, c, n);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) throw IoError(m_what, "write the temporary file", errno);
      c += w;
      n -= std::size_t(w);
      m_size += u64(w);
    }
  }
  void map() {
    if (m_size == 0) return;
    void* p = ::mmap(nullptr, m_size, PROT_READ, MAP_PRIVATE, m_fd, 0);
    if (p == MAP_FAILED) throw IoError(m_what, "mmap the temporary file", errno);
    m_data = static_cast<u8*>(p);
  }
  std::span<const u8> bytes() const { return {m_data, static_cast<std::size_t>(m_size)}; }
  u64 size() const { return m_size; }

private:
  std::string m_what;
  int m_fd = -1;
  u8* m_data = nullptr;
  u64 m_size = 0;
};

}  // namespace

bool is_image_member(std::string_view name) {
  if (name == "apex_payload.img") return true;
  if (!name.starts_with("IMAGES/") || !name.ends_with(".img")) return false;
  const std::string_view base = name.substr(7, name.size() - 7 - 4);
  return !base.empty() && base.find('/') == std::string_view::npos;
}

bool zip_has_android_images(const std::string& path) {
  try {
    util::MappedFile file(path);
    ArchivePtr a = open_zip(file.view().bytes(0, file.size()));
    archive_entry* e = nullptr;
    for (int n = 0; n < 100000; ++n) {
      const int r = archive_read_next_header(a.get(), &e);
      if (r == ARCHIVE_EOF) return false;
      // A zip libarchive cannot list is reported by the zip reader, which says why.
      if (r != ARCHIVE_OK && r != ARCHIVE_WARN) return true;
      const char* name = archive_entry_pathname(e);
      if (name && is_image_member(name)) return true;
    }
  } catch (const CorruptImage&) {
    return true;
  }
  return false;
}

void add_zip_members(const std::string& path, const Limits& limits, Opened& out, const std::string& only) {
  auto file = std::make_shared<util::MappedFile>(path);
  const std::span<const u8> all = file->view().bytes(0, file->size());
  ArchivePtr a = open_zip(all);
  archive_entry* e = nullptr;
  u64 temp_total = 0;  // bytes of temporary files so far
  for (u64 count = 0;; ++count) {
    if (count >= limits.max_zip_members)
      throw CorruptImage(fmt::format("zip: more than {} members", limits.max_zip_members), {});
    const int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) throw CorruptImage(fmt::format("zip: {}", error_text(a.get())), {});
    const char* raw_name = archive_entry_pathname(e);
    if (!raw_name || !is_image_member(raw_name) || archive_entry_filetype(e) != AE_IFREG) continue;
    const std::string member = raw_name;
    const std::string name = path + ":" + member;
    if (!only.empty() && name != only) continue;
    const la_int64_t declared = archive_entry_size_is_set(e) ? archive_entry_size(e) : -1;
    // A member's size comes from the central directory: refused before a byte is inflated when
    // it is more than the limit, and the data may not run past it.
    if (declared < 0 || u64(declared) > limits.max_image_bytes)
      throw CorruptImage(fmt::format("zip: member {} declares {} bytes (the limit is {})", member, declared,
                                     limits.max_image_bytes),
                         {});
    const void* buf = nullptr;
    size_t len = 0;
    la_int64_t off = 0;
    int rr = archive_read_data_block(a.get(), &buf, &len, &off);
    if (rr == ARCHIVE_EOF) {
      out.skipped.push_back({name, "an empty member"});
      continue;
    }
    if (rr != ARCHIVE_OK && rr != ARCHIVE_WARN)
      throw CorruptImage(fmt::format("zip: member {}: {}", member, error_text(a.get())), {});
    const u8* p = static_cast<const u8*>(buf);
    const bool in_place = p >= all.data() && p <= all.data() + all.size() && off == 0 &&
                          len == u64(declared) && u64(all.data() + all.size() - p) >= len;
    if (in_place) {
      // Stored: the whole member came back as one block inside the mapping.
      if (!is_erofs(p, len)) {
        out.skipped.push_back({name, "not an EROFS image (no EROFS magic at byte 1024)"});
        continue;
      }
      out.members.push_back({name, std::span<const u8>(p, len), file});
      continue;
    }
    // Deflated (or stored in pieces): the first block tells whether it is EROFS at all.
    if (off != 0 || !is_erofs(p, len)) {
      out.skipped.push_back({name, len < 1028 && off == 0 ? "not read: its first inflated block is too short to tell"
                                                          : "not an EROFS image (no EROFS magic at byte 1024)"});
      continue;
    }
    if (u64(declared) > limits.max_temp_bytes - temp_total)
      throw CorruptImage(fmt::format("zip: member {} inflates to {} bytes: with the members before it, more temporary "
                                     "space than the limit {}", member, declared, limits.max_temp_bytes),
                         {});
    temp_total += u64(declared);
    auto temp = std::make_shared<TempImage>(name);
    u64 expect = 0;
    for (;;) {
      if (u64(off) != expect) throw CorruptImage(fmt::format("zip: member {}: data block at {} after {} bytes", member, off, expect), {});
      if (len > u64(declared) - expect)
        throw CorruptImage(fmt::format("zip: member {} inflates past its declared {} bytes", member, declared), {});
      temp->append(buf, len);
      expect += len;
      rr = archive_read_data_block(a.get(), &buf, &len, &off);
      if (rr == ARCHIVE_EOF) break;
      if (rr != ARCHIVE_OK && rr != ARCHIVE_WARN)
        throw CorruptImage(fmt::format("zip: member {}: {}", member, error_text(a.get())), {});
    }
    if (expect != u64(declared))
      throw CorruptImage(fmt::format("zip: member {} inflates to {} bytes, its header declares {}", member, expect, declared),
                         {});
    temp->map();
    const auto bytes = temp->bytes();
    out.members.push_back({name, bytes, std::move(temp)});
  }
}

}  // namespace core::android
