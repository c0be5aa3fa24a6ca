#include "core/container/archive_index.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <fmt/format.h>

#include "core/util/error.hpp"

namespace core::container {

namespace {

struct ArchiveCloser {
  void operator()(archive* a) const { archive_read_free(a); }
};

const char* error_text(archive* a) {
  const char* s = archive_error_string(a);
  return s ? s : "unknown error";
}

}  // namespace

std::string member_name(std::string_view name) {
  std::string out;
  std::size_t i = 0;
  while (i < name.size()) {
    std::size_t j = name.find('/', i);
    if (j == std::string_view::npos) j = name.size();
    std::string_view part = name.substr(i, j - i);
    if (!part.empty() && part != ".") {
      if (!out.empty()) out += '/';
      out += part;
    }
    i = j + 1;
  }
  return out;
}

bool has_dotdot(std::string_view name) {
  std::size_t i = 0;
  while (i <= name.size()) {
    std::size_t j = name.find('/', i);
    if (j == std::string_view::npos) j = name.size();
    if (name.substr(i, j - i) == "..") return true;
    i = j + 1;
  }
  return false;
}

bool ArchiveIndex::looks_like_tar(std::span<const u8> head) {
  if (head.size() < 512) return false;
  // The checksum field (148..155) holds the octal sum of the header with itself as spaces.
  u64 sum = 0;
  for (std::size_t i = 0; i < 512; ++i) sum += (i >= 148 && i < 156) ? u8(' ') : head[i];
  u64 stored = 0;
  bool digits = false;
  for (std::size_t i = 148; i < 156; ++i) {
    const u8 c = head[i];
    if (c >= '0' && c <= '7') {
      stored = stored * 8 + (c - '0');
      digits = true;
    } else if (c == ' ' || c == 0) {
      if (digits) break;
    } else {
      return false;
    }
  }
  return digits && stored == sum;
}

ArchiveIndex::ArchiveIndex(std::shared_ptr<const util::MappedFile> file) : m_file(std::move(file)) {
  const std::span<const u8> all = m_file->view().bytes(0, m_file->size());
  const std::string& path = m_file->path();
  if (!looks_like_tar(all)) {
    const bool gzip = all.size() >= 2 && all[0] == 0x1f && all[1] == 0x8b;
    const bool zstd = all.size() >= 4 && all[0] == 0x28 && all[1] == 0xb5 && all[2] == 0x2f && all[3] == 0xfd;
    if (gzip || zstd)
      throw UsageError(fmt::format("{}: a {}-compressed archive: decompress it first ({} {} > ARCHIVE.tar)", path,
                                   gzip ? "gzip" : "zstd", gzip ? "zcat" : "zstdcat", path));
    throw UsageError(fmt::format("{}: not a tar archive", path));
  }
  std::unique_ptr<archive, ArchiveCloser> a(archive_read_new());
  if (!a) throw Error("libarchive: out of memory");
  archive_read_support_format_tar(a.get());
  if (archive_read_open_memory(a.get(), all.data(), all.size()) != ARCHIVE_OK)
    throw UsageError(fmt::format("{}: not a tar archive ({})", path, error_text(a.get())));
  archive_entry* e = nullptr;
  for (;;) {
    const int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) throw Error(fmt::format("{}: {}", path, error_text(a.get())));
    const char* name = archive_entry_pathname(e);
    if (!name || archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e)) continue;
    const la_int64_t size = archive_entry_size(e);
    const std::string key = member_name(name);
    if (size <= 0) {
      m_members[key] = {0, 0};
      continue;
    }
    if (archive_entry_sparse_count(e) > 0)
      throw Error(fmt::format("{}: member {} is stored sparse (not a blob)", path, key));
    // Read from memory, an uncompressed member comes back as one block pointing into the
    // mapping: its offset is where the data lies.
    const void* buf = nullptr;
    size_t len = 0;
    la_int64_t off = 0;
    const int rr = archive_read_data_block(a.get(), &buf, &len, &off);
    if (rr != ARCHIVE_OK && rr != ARCHIVE_WARN)
      throw Error(fmt::format("{}: member {}: {}", path, key, error_text(a.get())));
    const u8* p = static_cast<const u8*>(buf);
    if (off != 0 || len != static_cast<u64>(size) || p < all.data() || p > all.data() + all.size() ||
        static_cast<u64>(all.data() + all.size() - p) < len)
      throw Error(fmt::format("{}: member {} ({} bytes) is not stored in one piece (truncated archive?)", path, key,
                              size));
    m_members[key] = {static_cast<u64>(p - all.data()), len};
  }
}

std::optional<Blob> ArchiveIndex::find(std::string_view name) const {
  auto it = m_members.find(member_name(name));
  if (it == m_members.end()) return std::nullopt;
  Blob b;
  b.file = m_file;
  b.offset = it->second.first;
  b.size = it->second.second;
  b.where = fmt::format("{}:{}", m_file->path(), it->first);
  return b;
}

}  // namespace core::container
