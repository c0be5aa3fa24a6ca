// Tar archives as scan inputs and container tar layers (libarchive: plain, gzip, zstd, xz, ...). A compressed
// stream can only be read front to back, so every regular file is hashed during the one pass.
#include <archive.h>
#include <archive_entry.h>

#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "core/container/archive_index.hpp"
#include "core/erofs/fingerprint.hpp"
#include "core/scan/tar_reader.hpp"
#include "core/util/error.hpp"
#include "core/util/input_file.hpp"

namespace core::scan {

namespace {

struct ArchiveCloser {
  void operator()(archive* a) const { archive_read_free(a); }
};

enum class EntryType { file, empty_file, dir, symlink, special, whiteout };

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
  TarRules rules;
  rules.storage = storage;
  LoadedInput out;
  out.record = read_tar(a.get(), spec.path, rules, counters);
  return out;
}

InputRecord read_tar(archive* a, const std::string& input, const TarRules& rules, ReadCounters& counters) {
  const bool layer = rules.layer != nullptr;
  InputRecord rec;
  std::vector<FileRecord>& files = rec.files;
  std::vector<bool> live;
  std::unordered_map<std::string, Entry> entries;
  std::set<std::string> opaque;  // layer: directories marked opaque
  u64 count = 0;
  u64 holes = 0;
  // Replacing a path drops it from whatever it named before (a later entry wins, as on
  // extraction and in mkfs.erofs --tar).
  auto drop = [&](const std::string& path) {
    auto it = entries.find(path);
    if (it == entries.end() || it->second.type != EntryType::file) return;
    if (!rec.keep_paths(files[it->second.file], [&](const std::string& p) { return p != path; }))
      live[it->second.file] = false;
  };

  archive_entry* e = nullptr;
  bool first = true;
  for (;;) {
    int r = archive_read_next_header(a, &e);
    // No entry with a valid header (checksum) before the end: zeros, or the start of an EROFS
    // image cut before its superblock, are not an empty archive.
    if (r == ARCHIVE_EOF && first && !layer)
      throw UsageError(fmt::format("{}: not an EROFS image, directory, tar archive or manifest (no valid tar header)",
                                   input));
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      if (first && !layer)
        throw UsageError(fmt::format("{}: not an EROFS image, directory, tar archive or manifest ({})", input,
                                     archive_error_string(a)));
      if (first) throw Error(fmt::format("{}: not a tar layer ({})", input, archive_error_string(a)));
      throw Error(fmt::format("{}: {}", input, archive_error_string(a)));
    }
    first = false;
    const char* name = archive_entry_pathname(e);
    if (!name) continue;
    if (layer) {
      if (++count > rules.limits->max_layer_entries)
        throw Error(fmt::format("{}: more than {} entries (see --max-layer-entries)", input,
                                rules.limits->max_layer_entries));
      if (container::has_dotdot(name)) throw Error(fmt::format("{}: member {}: a \"..\" component leaves the layer", input, name));
    }
    std::string path = normalize_path(name);
    if (path == "/") continue;
    if (layer) {
      if (auto w = container::parse_whiteout(path)) {
        if (w->opaque) {
          opaque.insert(w->path);
          continue;
        }
        // mkfs.erofs --aufs makes it a character device 0:0 at the path it hides.
        drop(w->path);
        entries[w->path] = Entry{EntryType::whiteout};
        continue;
      }
    }
    drop(path);

    if (const char* target = archive_entry_hardlink(e)) {
      if (layer && container::has_dotdot(target))
        throw Error(fmt::format("{}: member {}: link target {} leaves the layer", input, name, target));
      auto it = entries.find(normalize_path(target));
      if (it == entries.end()) continue;  // a link to nothing: extraction would fail too
      if (it->second.type == EntryType::file) rec.add_path(files[it->second.file], path);
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
      rec.add_path(f, path);
      f.size = static_cast<u64>(archive_entry_size(e));
      f.storage = rules.storage;
      if (layer)
        f.storage = rules.layer->compressed && (f.size > rules.layer->block_size || rules.layer->packs_tails)
                        ? Storage::compressed
                        : Storage::uncompressed;
      util::Sha256 h;
      u64 pos = 0;
      const void* buf = nullptr;
      size_t len = 0;
      la_int64_t off = 0;
      for (;;) {
        int rr = archive_read_data_block(a, &buf, &len, &off);
        if (rr == ARCHIVE_EOF) break;
        if (rr != ARCHIVE_OK && rr != ARCHIVE_WARN)
          throw Error(fmt::format("{}: {}: {}", input, path, archive_error_string(a)));
        if (off < 0 || static_cast<u64>(off) < pos || static_cast<u64>(off) + len > f.size)
          throw Error(fmt::format("{}: {}: data block outside the file", input, path));
        holes += static_cast<u64>(off) - pos;
        if (layer && holes > rules.limits->max_hole_bytes)
          throw Error(fmt::format("{}: {}: sparse members expand to more than {} bytes of zeros", input, path,
                                  rules.limits->max_hole_bytes));
        h.update_zeros(static_cast<u64>(off) - pos);  // holes of sparse entries
        h.update({static_cast<const u8*>(buf), len});
        pos = static_cast<u64>(off) + len;
        counters.bytes += len;
      }
      holes += f.size - pos;
      if (layer && holes > rules.limits->max_hole_bytes)
        throw Error(fmt::format("{}: {}: sparse members expand to more than {} bytes of zeros", input, path,
                                rules.limits->max_hole_bytes));
      h.update_zeros(f.size - pos);
      const util::Digest digest = h.finish();
      if (layer && rules.layer->tagged) f.fingerprint = StoredValue{SmallBytes(erofs::encode_fingerprint(digest)), false};
      rec.set_content(f, digest);
      ++counters.files;
      entries[path] = Entry{EntryType::file, files.size()};
      files.push_back(std::move(f));
      live.push_back(true);
    }
  }

  rec.name = input;
  rec.kind = InputKind::tar;
  if (layer) {
    // The EROFS image the differ makes of it.
    rec.kind = InputKind::erofs;
    rec.block_size = rules.layer->block_size;
    rec.ishare = rules.layer->tagged;
    if (rec.ishare) rec.fingerprint_xattr = rules.layer->xattr_name;
  }
  // Directories: the root, every directory entry and every parent a path implies.
  std::set<std::string> dirs = {"/"};
  for (const auto& [path, entry] : entries) {
    for (std::string p = parent_of(path); dirs.insert(p).second && p != "/";) p = parent_of(p);
    switch (entry.type) {
      case EntryType::dir: dirs.insert(path); break;
      case EntryType::symlink: ++rec.symlinks; break;
      case EntryType::special:
      case EntryType::whiteout: ++rec.special_files; break;
      case EntryType::empty_file: ++rec.empty_files; break;
      case EntryType::file: break;
    }
  }
  for (const std::string& d : opaque)
    for (std::string p = d; dirs.insert(p).second && p != "/";) p = parent_of(p);
  rec.directories = dirs.size();
  if (rules.tree) {
    container::LayerTree& tree = *rules.tree;
    tree.reserve(entries.size() + dirs.size());
    for (const std::string& d : dirs)
      if (!entries.contains(d)) tree.push_back({d, container::EntryKind::directory, opaque.contains(d)});
    for (const auto& [path, entry] : entries) {
      container::EntryKind kind = container::EntryKind::other;
      switch (entry.type) {
        case EntryType::dir: kind = container::EntryKind::directory; break;
        case EntryType::file:
        case EntryType::empty_file: kind = container::EntryKind::file; break;
        case EntryType::whiteout: kind = container::EntryKind::whiteout; break;
        default: break;
      }
      tree.push_back({path, kind, kind == container::EntryKind::directory && opaque.contains(path)});
    }
  }
  std::size_t kept = 0;
  for (std::size_t i = 0; i < files.size(); ++i)
    if (live[i]) {
      if (kept != i) files[kept] = std::move(files[i]);
      ++kept;
    }
  files.resize(kept);
  sort_records(rec);
  return rec;
}

}  // namespace core::scan
