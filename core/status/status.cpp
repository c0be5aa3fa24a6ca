// run_status: a linear list of steps: who runs it, the mounts, the kernel, the filesystems read
// natively, the model, the residency of every file, the figures.
#include "core/status/status.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>

#include <fmt/format.h>

#include "core/scan/inputs.hpp"
#include "core/scan/parallel.hpp"
#include "core/scan/scan.hpp"
#include "core/scan/sharing.hpp"
#include "core/scan/size_counts.hpp"
#include "core/status/residency.hpp"
#include "core/util/error.hpp"

namespace core::status {

namespace {

constexpr u64 k_max_mountinfo = u64(64) << 20;
constexpr const char* k_live = "/proc/self/mountinfo";
constexpr const char* k_assumed_domain = "(assumed)";

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path, "open", errno ? errno : ENOENT);
  std::string out;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    out.append(buf, static_cast<std::size_t>(in.gcount()));
    if (out.size() > k_max_mountinfo) throw UsageError(fmt::format("{}: larger than 64 MiB", path));
  }
  return out;
}

// "7.3.4-cloud-amd64" -> (7, 3).
std::pair<unsigned, unsigned> release_version(const std::string& release) {
  unsigned major = 0, minor = 0;
  const char* p = release.data();
  const char* end = p + release.size();
  auto r = std::from_chars(p, end, major);
  if (r.ptr < end && *r.ptr == '.') std::from_chars(r.ptr + 1, end, minor);
  return {major, minor};
}

// The path of `image_path` (a file's name inside the image) through a mount of its filesystem
// with `root`, or "" if that mount does not show it.
std::string path_through(const std::string& mount_point, const std::string& root, const std::string& image_path) {
  std::string rel;
  if (root == "/") {
    rel = image_path;
  } else if (image_path.size() > root.size() && image_path.starts_with(root) && image_path[root.size()] == '/') {
    rel = image_path.substr(root.size());
  } else {
    return "";
  }
  return mount_point == "/" ? rel : mount_point + rel;
}

// Reads every filesystem natively; hashes, as scan does, the files whose size repeats across
// all of them (each inode once). A filesystem that cannot be read keeps its error.
std::vector<scan::InputRecord> read_filesystems(std::vector<FilesystemRow>& fss, unsigned jobs,
                                                const std::string& sys_dir) {
  std::vector<scan::LoadedInput> loaded;
  std::vector<u32> fs_of;
  for (u32 i = 0; i < fss.size(); ++i) {
    FilesystemRow& fs = fss[i];
    try {
      fs.backing = resolve_source(fs.source, fs.major, fs.minor, sys_dir);
      scan::LoadedInput in = scan::load_erofs({fs.backing.read_path, fs.devices});
      in.record.name = fs.backing.image;
      // "on-disk ishare xattrs not found. Turning off inode_share.": the kernel mounts an image
      // without the feature and drops the option from mountinfo. A --domain for such a mount
      // says it was asked for: its copies then have the image's reason, no_ishare_feature.
      fs.inode_share_turned_off = !fs.inode_share && fs.domain_from == "option" && !in.record.ishare;
      if (!fs.inode_share && !fs.inode_share_turned_off) {
        fs.domain.clear();
        fs.domain_from.clear();
      }
      in.record.inode_share = fs.inode_share || fs.inode_share_turned_off;
      in.record.domain = in.record.inode_share ? fs.domain : "";
      in.record.mount_mode = fs.backing.kind == SourceKind::file ? scan::MountMode::fileio : scan::MountMode::block;
      fs.input = static_cast<u32>(loaded.size());
      loaded.push_back(std::move(in));
      fs_of.push_back(i);
    } catch (const Error& e) {
      fs.error = e.what();
    }
  }
  scan::SizeCounts sizes;
  for (const scan::LoadedInput& in : loaded)
    for (const scan::FileRecord& f : in.record.files) sizes.add(f.size);
  std::mutex lock;
  scan::parallel_for(loaded.size(), jobs, [&](std::size_t k) {
    scan::LoadedInput& in = loaded[k];
    scan::ReadCounters counters;
    for (scan::FileRecord& f : in.record.files) {
      if (!in.source || !scan::needs_hash(f, sizes.count(f.size), false, false)) continue;
      try {
        const util::Digest d = in.source->digest(f, counters);
        std::lock_guard guard(lock);
        in.record.set_content(f, d);
      } catch (const Error& e) {
        std::lock_guard guard(lock);
        in.record.set_content_error(f, e.what());
      }
    }
  });
  std::vector<scan::InputRecord> records;
  for (scan::LoadedInput& in : loaded) records.push_back(std::move(in.record));
  return records;
}

// The kernel's decision now (scan's "now" run, sharing.hpp), per inode in mount order: which
// inodes a shared inode created by another member serves. Also counts the sharing that scan's
// content groups do not show (a fingerprint forged onto other bytes shares in the kernel).
std::vector<bool> saved_now(const std::vector<scan::InputRecord>& records, u32 page_size) {
  struct Ref {
    u32 input, file;
  };
  std::vector<Ref> refs;
  for (u32 i = 0; i < records.size(); ++i)
    for (u32 k = 0; k < records[i].files.size(); ++k) refs.push_back({i, k});
  scan::KeyTable keys(refs.size());
  const std::vector<u32> ids = keys.ids(refs.size(), [&](std::size_t c) -> std::optional<scan::KeyTable::Key> {
    const scan::InputRecord& in = records[refs[c].input];
    const scan::FileRecord& f = in.files[refs[c].file];
    if (scan::fingerprint_view(in, f) != scan::Reason::none) return std::nullopt;
    return scan::KeyTable::Key{f.fingerprint->value, in.domain};
  });
  auto io_of = [&](u32 c) {
    const scan::InputRecord& in = records[refs[c].input];
    return scan::io_class(in.files[refs[c].file].storage, in.mount_mode);
  };
  auto size_of = [&](u32 c) { return records[refs[c].input].files[refs[c].file].size; };
  const scan::Simulation sim = scan::simulate(ids, io_of, size_of, keys.size(), scan::Assume::order, page_size);
  std::vector<bool> out(refs.size());
  for (u32 c = 0; c < refs.size(); ++c) out[c] = sim.saved(c);
  return out;
}

}  // namespace

KernelSupport kernel_support(bool mounts_show_inode_share) {
  KernelSupport k;
  struct utsname u {};
  if (::uname(&u) == 0) k.release = u.release;
  const auto [major, minor] = release_version(k.release);
  if (major < 7) {
    k.inode_share = "no";
    k.evidence = fmt::format("Linux {}.{}: inode_share came with Linux 7.0", major, minor);
    return k;
  }
  if (mounts_show_inode_share) {
    k.inode_share = "yes";
    k.evidence = "an EROFS mount shows inode_share";
    return k;
  }
  // The ishare code's symbols are in the kernel (or the loaded erofs module) only with
  // CONFIG_EROFS_FS_PAGE_CACHE_SHARE; names are listed even where addresses are hidden.
  std::ifstream syms("/proc/kallsyms");
  bool erofs = false;
  std::string line;
  while (syms && std::getline(syms, line)) {
    if (line.find(" erofs_ishare_") != std::string::npos) {
      k.inode_share = "yes";
      k.evidence = "/proc/kallsyms lists erofs_ishare_* symbols";
      return k;
    }
    erofs = erofs || line.find(" erofs_") != std::string::npos;
  }
  if (erofs) {
    k.inode_share = "no";
    k.evidence = "erofs is loaded without CONFIG_EROFS_FS_PAGE_CACHE_SHARE (no erofs_ishare_* in /proc/kallsyms)";
    return k;
  }
  k.inode_share = "unknown";
  k.evidence = "no EROFS mount shows inode_share and /proc/kallsyms lists no erofs symbols";
  return k;
}

std::vector<std::string> source_paths(const StatusOptions& o) {
  const std::string file = o.mounts_file.empty() ? k_live : o.mounts_file;
  std::vector<std::string> paths;
  for (const MountEntry& e : parse_mountinfo(read_text(file), file)) {
    if (e.fstype != "erofs") continue;
    for (const std::string& d : parse_erofs_options(e.super_options).devices) paths.push_back(d);
    try {
      const MountSource src = resolve_source(e.source, e.major, e.minor, o.sys_dir);
      for (const std::string* p : {&src.read_path, &src.image, &src.backing_file})
        if (!p->empty()) paths.push_back(*p);
    } catch (const Error&) {
      // run_status reports it on the filesystem's row
    }
  }
  return paths;
}

StatusReport run_status(const StatusOptions& o) {
  StatusReport rep;
  rep.tool_version = o.tool_version;
  rep.page_size = page_size();
  auto say = [&](const char* phase, u64 done, u64 total) {
    if (o.progress) o.progress(phase, done, total);
  };

  // 1. Who runs it: the residency of every file of every mount, and devices to read, need root.
  if (o.require_root && ::geteuid() != 0)
    throw Error(fmt::format("status needs root (it reads the mounted devices and maps every file); effective uid {}",
                            ::geteuid()));

  // 2. The mounts.
  rep.mounts_file = o.mounts_file.empty() ? k_live : o.mounts_file;
  std::vector<MountEntry> erofs;
  for (MountEntry& e : parse_mountinfo(read_text(rep.mounts_file), rep.mounts_file))
    if (e.fstype == "erofs") erofs.push_back(std::move(e));
  bool shown = false;
  for (const MountEntry& e : erofs) shown = shown || parse_erofs_options(e.super_options).inode_share;

  // 3. The kernel (only for the live host: a --mounts file may describe another one).
  if (o.mounts_file.empty()) {
    rep.kernel = kernel_support(shown);
    if (rep.kernel.inode_share == "no")
      throw Error(fmt::format("kernel {} lacks inode_share (EROFS page cache sharing, Linux >= 7.0 with "
                              "CONFIG_EROFS_FS_PAGE_CACHE_SHARE): {}",
                              rep.kernel.release, rep.kernel.evidence));
  } else {
    rep.kernel = {"", "unknown", fmt::format("mounts read from {}", o.mounts_file)};
  }
  if (erofs.empty()) throw Error(fmt::format("no EROFS mount in {}", rep.mounts_file));

  // 4. One filesystem per device number (bind mounts and repeated mounts of one device are
  //    one superblock, one set of inodes), in the order of its first mount.
  std::map<std::pair<u32, u32>, u32> by_dev;
  for (const MountEntry& e : erofs) {
    auto [it, fresh] = by_dev.try_emplace({e.major, e.minor}, static_cast<u32>(rep.filesystems.size()));
    if (fresh) {
      FilesystemRow fs;
      fs.major = e.major;
      fs.minor = e.minor;
      fs.source = e.source;
      fs.options = e.super_options;
      const ErofsOptions opts = parse_erofs_options(e.super_options);
      fs.inode_share = opts.inode_share;
      fs.devices = opts.devices;
      if (opts.domain_id) {
        fs.domain = *opts.domain_id;
        fs.domain_from = "mountinfo";
      }
      rep.filesystems.push_back(std::move(fs));
    }
    rep.filesystems[it->second].mounts.push_back(static_cast<u32>(rep.mounts.size()));
    rep.mounts.push_back({e.mount_point, e.root, it->second});
  }
  // --domain MOUNTPOINT=NAME: where the kernel does not show domain_id.
  for (const auto& entry : o.domains) {
    const std::string& point = entry.first;  // a named local: lambdas may not capture structured bindings (C++20 clang)
    const std::string& name = entry.second;
    auto m =
        std::find_if(rep.mounts.begin(), rep.mounts.end(), [&](const MountRow& r) { return r.mount_point == point; });
    if (m == rep.mounts.end())
      throw UsageError(
          fmt::format("--domain {}={}: {} is not an EROFS mount point in {}", point, name, point, rep.mounts_file));
    FilesystemRow& fs = rep.filesystems[m->filesystem];
    if (fs.domain_from == "option" && fs.domain != name)
      throw UsageError(fmt::format("--domain {}={}: that filesystem was given domain {} already (one superblock, one "
                                   "domain)",
                                   point, name, fs.domain));
    if (fs.domain_from == "mountinfo") continue;  // the kernel's word wins
    fs.domain = name;
    fs.domain_from = "option";
  }
  for (FilesystemRow& fs : rep.filesystems) {
    if (!fs.inode_share && fs.domain_from == "option") {
      // --domain for a mount that does not show inode_share: it was asked for; the kernel turns
      // it off for an image without the feature (read_filesystems decides).
    } else if (!fs.inode_share) {
      fs.domain.clear();
      fs.domain_from.clear();
    } else if (fs.domain_from.empty()) {
      fs.domain = k_assumed_domain;  // every such mount in one domain: the best case
      fs.domain_from = "assumed";
    }
  }

  // 5. Each filesystem read natively, then the model over them in mount order.
  say("reading", 0, rep.filesystems.size());
  std::vector<scan::InputRecord> records = read_filesystems(rep.filesystems, o.jobs, o.sys_dir);
  const std::vector<bool> saved = saved_now(records, rep.page_size);
  scan::ModelOptions model;
  model.page_size = rep.page_size;
  auto report = std::make_shared<scan::Report>(scan::build_report(std::move(records), model, o.jobs ? o.jobs : 2));
  report->tool_version = o.tool_version;
  rep.scan = report;
  const std::vector<scan::InputRecord>& recs = *report->records;

  // 6. Residency of every inode through a mount that shows it.
  std::vector<std::size_t> first_row(recs.size(), 0);
  u64 total_files = 0;
  for (const scan::InputRecord& in : recs) total_files += in.files.size();
  u64 done = 0;
  std::size_t saved_index = 0;
  for (u32 fi = 0; fi < rep.filesystems.size(); ++fi) {
    FilesystemRow& fs = rep.filesystems[fi];
    if (!fs.input) continue;
    const scan::InputRecord& in = recs[*fs.input];
    first_row[*fs.input] = rep.files.size();
    for (u32 k = 0; k < in.files.size(); ++k) {
      FileResidency row;
      row.input = *fs.input;
      row.file = k;
      row.path = in.first_path(in.files[k]);
      row.size = in.files[k].size;
      row.saved_now = saved[saved_index++];
      std::string through;
      // The first mount that shows the file; hard links: any of its names.
      for (const std::string& name : in.paths(in.files[k])) {
        for (u32 m : fs.mounts) {
          through = path_through(rep.mounts[m].mount_point, rep.mounts[m].root, name);
          if (!through.empty()) {
            row.mount = m;
            break;
          }
        }
        if (!through.empty()) break;
      }
      if (through.empty()) {
        row.mount = fs.mounts.front();
        row.error = "no mount of this filesystem shows it (bind mounts of other directories only)";
      } else {
        const Residency r = measure_residency(through);
        if (!r.error.empty())
          row.error = r.error;
        else if (r.size != row.size)
          row.error = fmt::format("size {} through the mount, {} in the image", r.size, row.size);
        else
          row.resident_bytes = r.resident * rep.page_size;
      }
      ++fs.files;
      if (row.error.empty()) {
        ++fs.measured;
        fs.resident_bytes += row.resident_bytes;
      }
      rep.files.push_back(std::move(row));
      if (++done % 256 == 0) say("measuring", done, total_files);
    }
  }

  // 7. The figures: a shared inode's pages once; the twins that hold their own pages.
  Totals& t = rep.totals;
  for (const FileResidency& f : rep.files) {
    ++t.files;
    if (!f.error.empty()) ++t.unmeasured;
    t.resident_bytes += f.resident_bytes;
    if (f.saved_now) t.saved_bytes += f.resident_bytes;
  }
  t.cached_bytes = t.resident_bytes - t.saved_bytes;
  for (const scan::GroupRow& g : report->groups) {
    GroupResidency gr;
    gr.group = &g;
    for (const scan::CopyRow& c : g.copies) {
      const u32 file = static_cast<u32>(c.file - recs[c.input].files.data());
      const u32 row = static_cast<u32>(first_row[c.input] + file);
      const FileResidency& f = rep.files[row];
      gr.copies.push_back({row, c.status, c.reason});
      if (f.saved_now)
        gr.saved_bytes += f.resident_bytes;
      else
        gr.cached_bytes += f.resident_bytes;
      if (c.status != scan::Status::shares_now) gr.separate_bytes += f.resident_bytes;
    }
    t.separate_bytes += gr.separate_bytes;
    rep.groups.push_back(std::move(gr));
  }
  return rep;
}

int exit_status(const StatusReport& r) {
  for (const FilesystemRow& fs : r.filesystems)
    if (!fs.error.empty()) return 1;
  return r.totals.unmeasured ? 1 : 0;
}

}  // namespace core::status
