// Tar archives as scan inputs (libarchive: plain, gzip, zstd, xz, bzip2, ...). A compressed
// stream can only be read front to back, so every regular file is hashed during the one pass.
#include <archive.h>
#include <archive_entry.h>

#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "core/scan/inputs.hpp"
#include "core/util/error.hpp"
#include "core/util/input_file.hpp"

namespace core::scan {

namespace {

struct ArchiveCloser {
  void operator()(archive* a) const { archive_read_free(a); }
};

enum class EntryType { file, empty_file, dir, symlink, special };

struct Entry {
  EntryType type = EntryType::file;
  std::size_t file = 0;  // index into the file list (type file)
};

std::string parent_of(const std::string& path) {
  std::size_t slash = path.rfind('/');
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

LoadedInput load_tar(const InputSpec& spec, Storage storage, ReadCounters& counters) {
  // Opened here, not by libarchive: a FIFO or device in its place is refused, never waited on.
  // It outlives the archive, which reads the descriptor but does not close it.
  util::InputFd in(spec.path);
  std::unique_ptr<archive, ArchiveCloser> a(archive_read_new());
  if (!a) throw Error("libarchive: out of memory");
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  // detect_kind() has opened the file already: a failure here means an unknown format.
  if (archive_read_open_fd(a.get(), in.get(), 1 << 20) != ARCHIVE_OK) {
    throw UsageError(fmt::format("{}: not an EROFS image, directory, tar archive or manifest ({})", spec.path,
                                 archive_error_string(a.get()) ? archive_error_string(a.get()) : "unknown format"));
  }

  std::vector<FileRecord> files;
  std::vector<bool> live;
  std::unordered_map<std::string, Entry> entries;
  // Replacing a path drops it from whatever it named before (a later entry wins, as on
  // extraction and in mkfs.erofs --tar).
  auto drop = [&](const std::string& path) {
    auto it = entries.find(path);
    if (it == entries.end() || it->second.type != EntryType::file) return;
    auto& paths = files[it->second.file].paths;
    std::erase(paths, path);
    if (paths.empty()) live[it->second.file] = false;
  };

  archive_entry* e = nullptr;
  bool first = true;
  for (;;) {
    int r = archive_read_next_header(a.get(), &e);
    // No entry with a valid header (checksum) before the end: zeros, or the start of an EROFS
    // image cut before its superblock, are not an empty archive.
    if (r == ARCHIVE_EOF && first)
      throw UsageError(fmt::format("{}: not an EROFS image, directory, tar archive or manifest (no valid tar header)",
                                   spec.path));
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      if (first)
        throw UsageError(fmt::format("{}: not an EROFS image, directory, tar archive or manifest ({})", spec.path,
                                     archive_error_string(a.get())));
      throw Error(fmt::format("{}: {}", spec.path, archive_error_string(a.get())));
    }
    first = false;
    const char* name = archive_entry_pathname(e);
    if (!name) continue;
    std::string path = normalize_path(name);
    if (path == "/") continue;
    drop(path);

    if (const char* target = archive_entry_hardlink(e)) {
      auto it = entries.find(normalize_path(target));
      if (it == entries.end()) continue;  // a link to nothing: extraction would fail too
      if (it->second.type == EntryType::file) files[it->second.file].paths.push_back(path);
      entries[path] = it->second;
      continue;
    }
    const mode_t type = archive_entry_filetype(e);
    if (type == AE_IFDIR) {
      entries[path] = Entry{EntryType::dir};
    } else if (type == AE_IFLNK) {
      entries[path] = Entry{EntryType::symlink};
    } else if (type != AE_IFREG) {
      entries[path] = Entry{EntryType::special};
    } else if (archive_entry_size(e) <= 0) {
      entries[path] = Entry{EntryType::empty_file};
    } else {
      FileRecord f;
      f.paths = {path};
      f.size = static_cast<u64>(archive_entry_size(e));
      f.storage = storage;
      util::Sha256 h;
      u64 pos = 0;
      const void* buf = nullptr;
      size_t len = 0;
      la_int64_t off = 0;
      for (;;) {
        int rr = archive_read_data_block(a.get(), &buf, &len, &off);
        if (rr == ARCHIVE_EOF) break;
        if (rr != ARCHIVE_OK && rr != ARCHIVE_WARN)
          throw Error(fmt::format("{}: {}: {}", spec.path, path, archive_error_string(a.get())));
        if (off < 0 || static_cast<u64>(off) < pos || static_cast<u64>(off) + len > f.size)
          throw Error(fmt::format("{}: {}: data block outside the file", spec.path, path));
        h.update_zeros(static_cast<u64>(off) - pos);  // holes of sparse entries
        h.update({static_cast<const u8*>(buf), len});
        pos = static_cast<u64>(off) + len;
        counters.bytes += len;
      }
      h.update_zeros(f.size - pos);
      f.content = h.finish();
      ++counters.files;
      entries[path] = Entry{EntryType::file, files.size()};
      files.push_back(std::move(f));
      live.push_back(true);
    }
  }

  LoadedInput out;
  InputRecord& rec = out.record;
  rec.name = spec.path;
  rec.kind = InputKind::tar;
  // Directories: the root, every directory entry and every parent a path implies.
  std::set<std::string> dirs = {"/"};
  for (const auto& [path, entry] : entries) {
    for (std::string p = parent_of(path); dirs.insert(p).second && p != "/";) p = parent_of(p);
    switch (entry.type) {
      case EntryType::dir: dirs.insert(path); break;
      case EntryType::symlink: ++rec.symlinks; break;
      case EntryType::special: ++rec.special_files; break;
      case EntryType::empty_file: ++rec.empty_files; break;
      case EntryType::file: break;
    }
  }
  rec.directories = dirs.size();
  for (std::size_t i = 0; i < files.size(); ++i)
    if (live[i]) rec.files.push_back(std::move(files[i]));
  sort_records(rec);
  return out;
}

}  // namespace core::scan
