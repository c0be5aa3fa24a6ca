// Directory trees as scan inputs (std::filesystem walk; content read later with large reads).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <map>
#include <vector>

#include "core/scan/inputs.hpp"
#include "core/util/error.hpp"
#include "core/util/sort_by_index.hpp"

namespace core::scan {

namespace fs = std::filesystem;

namespace {

class DirSource : public Source {
public:
  explicit DirSource(std::vector<std::string> files) : m_files(std::move(files)) {}

  util::Digest digest(const FileRecord& f, ReadCounters& counters) const override {
    const std::string path = m_files.at(f.locator);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) throw IoError(path, "open", errno);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    static thread_local std::vector<u8> buf(1 << 20);
    util::Sha256 h;
    u64 total = 0;
    for (;;) {
      ssize_t n = ::read(fd, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        int e = errno;
        ::close(fd);
        throw IoError(path, "read", e);
      }
      if (n == 0) break;
      h.update({buf.data(), static_cast<std::size_t>(n)});
      counters.bytes += static_cast<u64>(n);
      total += static_cast<u64>(n);
    }
    ::close(fd);
    if (total != f.size) throw IoError(path, "read (the file changed size during the scan)", EIO);
    return h.finish();
  }

private:
  std::vector<std::string> m_files;  // by locator
};

}  // namespace

LoadedInput load_directory(const InputSpec& spec, Storage storage) {
  LoadedInput out;
  InputRecord& rec = out.record;
  rec.name = spec.path;
  rec.kind = InputKind::directory;
  rec.directories = 1;  // the root, as an image's tree walk counts it
  std::vector<std::string> files;
  std::map<std::pair<dev_t, ino_t>, std::size_t> by_inode;  // hard links: one record

  std::error_code ec;
  fs::recursive_directory_iterator it(spec.path, fs::directory_options::none, ec);
  if (ec) throw IoError(spec.path, "opendir", ec.value());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) throw IoError(spec.path, "readdir", ec.value());
    const fs::path& p = it->path();
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) throw IoError(p.string(), "lstat", errno);
    if (S_ISDIR(st.st_mode)) {
      ++rec.directories;
      continue;
    }
    if (S_ISLNK(st.st_mode)) {
      ++rec.symlinks;
      continue;
    }
    if (!S_ISREG(st.st_mode)) {
      ++rec.special_files;
      continue;
    }
    auto [at, fresh] = by_inode.try_emplace({st.st_dev, st.st_ino}, rec.files.size());
    std::string path = normalize_path(p.lexically_relative(spec.path).string());
    if (st.st_size == 0) {
      if (fresh) ++rec.empty_files;
      continue;
    }
    if (!fresh) {
      rec.add_path(rec.files[at->second], path);
      continue;
    }
    FileRecord f;
    rec.add_path(f, path);
    f.size = static_cast<u64>(st.st_size);
    f.storage = storage;
    f.locator = files.size();
    files.push_back(p.string());
    rec.files.push_back(std::move(f));
  }
  sort_records(rec);
  out.source = std::make_unique<DirSource>(std::move(files));
  return out;
}

std::string normalize_path(std::string_view path) {
  std::string out;
  std::size_t i = 0;
  while (i < path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view part = path.substr(i, j - i);
    if (!part.empty() && part != ".") {
      out += '/';
      out += part;
    }
    i = j + 1;
  }
  return out.empty() ? "/" : out;
}

void sort_records(InputRecord& rec) {
  // Each record's names are kept sorted as they are added (InputRecord::add_path).
  auto by_first_path = [&](const FileRecord& a, const FileRecord& b) { return rec.names.less(a.path, b.path); };
  // Image walks deliver the records in this order already: checking is linear.
  if (!std::is_sorted(rec.files.begin(), rec.files.end(), by_first_path)) util::sort_by_index(rec.files, by_first_path);
}

}  // namespace core::scan
