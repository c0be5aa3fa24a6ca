// The scan pipeline, as a list of named steps: read the inputs, decide what to hash (size
// grouping), hash in parallel, write manifests, apply the model.
#include "core/scan/scan.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>
#include <optional>

#include <fmt/format.h>

#include "core/scan/manifest.hpp"
#include "core/scan/parallel.hpp"
#include "core/scan/size_counts.hpp"
#include "core/util/error.hpp"
#include "core/util/input_file.hpp"
#include "core/util/output_guard.hpp"

namespace core::scan {

namespace fs = std::filesystem;

namespace {

// Errors name the input they happened in (some already do).
[[noreturn]] void rethrow_for(const std::string& input) {
  try {
    throw;
  } catch (const Error& e) {
    std::string msg = e.what();
    if (!msg.starts_with(input + ": ") && !msg.starts_with(input + ":")) msg = input + ": " + msg;
    throw Error(msg);
  }
}

LoadedInput load(const InputSpec& spec, const ScanOptions& opt, ReadCounters& counters) {
  try {
    switch (detect_kind(spec.path)) {
      case DetectedKind::erofs: return load_erofs(spec);
      case DetectedKind::directory: return load_directory(spec, opt.tree_storage);
      case DetectedKind::tar: return load_tar(spec, opt.tree_storage, counters);
      case DetectedKind::manifest: return LoadedInput{read_manifest(spec.path), nullptr};
    }
  } catch (const IoError&) {
    throw;  // names its path already
  } catch (const Error&) {
    rethrow_for(spec.path);
  }
  return {};
}

// Applies INPUT=VALUE settings; every INPUT must name an input.
template <class T>
void assign(const std::vector<std::pair<std::string, T>>& settings, const char* option,
            const std::vector<InputSpec>& specs, std::vector<LoadedInput>& loaded, T InputRecord::*field) {
  for (const auto& [name, value] : settings) {
    bool found = false;
    for (std::size_t i = 0; i < specs.size(); ++i) {
      if (specs[i].path == name || loaded[i].record.name == name) {
        loaded[i].record.*field = value;
        found = true;
      }
    }
    if (!found) throw UsageError(fmt::format("{} {}=...: no input is named {}", option, name, name));
  }
}

}  // namespace

DetectedKind detect_kind(const std::string& path) {
  // A FIFO, socket or character device is refused here, before anything reads it.
  if (util::check_input_kind(path, true)) return DetectedKind::directory;
  util::InputFd in(path);
  std::vector<char> head(64 * 1024);
  std::size_t got = 0;
  while (got < head.size()) {
    ssize_t n = ::read(in.get(), head.data() + got, head.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw IoError(path, "read", errno);
    if (n == 0) break;
    got += std::size_t(n);
  }
  head.resize(got);
  if (head.size() >= 1028 && load_le32(reinterpret_cast<const u8*>(head.data()) + 1024) == 0xE0F5E1E2)
    return DetectedKind::erofs;
  std::string_view text(head.data(), head.size());
  std::size_t nl = text.find('\n');
  if (nl != std::string_view::npos && is_manifest_header(text.substr(0, nl))) return DetectedKind::manifest;
  return DetectedKind::tar;
}

bool needs_hash(const FileRecord& f, u64 size_count, bool all, bool trust) {
  if (f.content) return false;
  if (trust && f.fingerprint && fingerprint_digest(f.fingerprint->value)) return false;
  return size_count >= 2 || all;
}

std::vector<std::string> manifest_names(const std::vector<std::string>& input_names) {
  std::vector<std::string> out;
  std::map<std::string, unsigned> seen;
  for (const std::string& name : input_names) {
    std::string base = fs::path(name).filename().string();
    if (base.empty() || base == "." || base == "..") base = "input";
    unsigned n = ++seen[base];
    out.push_back(n == 1 ? base + ".ndjson" : fmt::format("{}-{}.ndjson", base, n));
  }
  return out;
}

Report scan(const ScanOptions& opt) {
  if (opt.inputs.empty()) throw UsageError("no inputs given");
  if (opt.model.trust_fingerprints && opt.model.verify_all)
    throw UsageError("--trust-fingerprints and --verify-all exclude each other");
  const u32 page = opt.model.page_size;
  if (page < 512 || page > (u32(1) << 20) || (page & (page - 1)))
    throw UsageError(fmt::format("page size {} is not a power of two between 512 and 1048576", page));
  const unsigned jobs = opt.jobs ? opt.jobs : std::max(1u, std::thread::hardware_concurrency());
  ReadCounters counters;
  auto report_progress = [&](const char* phase, u64 files_total, u64 bytes_total) {
    return [&, phase, files_total, bytes_total] {
      if (opt.progress) opt.progress(Progress{phase, counters.files, files_total, counters.bytes, bytes_total});
    };
  };

  // 1. Read every input's metadata (archives are hashed as they stream by).
  std::vector<LoadedInput> loaded(opt.inputs.size());
  parallel_for(opt.inputs.size(), jobs, [&](std::size_t i) { loaded[i] = load(opt.inputs[i], opt, counters); },
               report_progress("reading", 0, 0));
  for (LoadedInput& in : loaded) {
    in.record.domain = opt.default_domain;
    in.record.mount_mode = opt.default_mount_mode;
  }
  assign(opt.domains, "--domain", opt.inputs, loaded, &InputRecord::domain);
  assign(opt.mount_modes, "--mount-mode", opt.inputs, loaded, &InputRecord::mount_mode);

  // 2. Size grouping: a size held by one inode only cannot share, so its content is not read
  //    (unless every file is wanted: --verify-all, or manifests that others will merge).
  //    Sizes are counted only if some file may be read at all: with --trust-fingerprints on
  //    tagged images, none is.
  const bool all = opt.model.verify_all || !opt.manifest_out.empty();
  std::optional<SizeCounts> size_count;
  if (!all) {
    std::size_t total = 0;
    bool any = false;
    for (const LoadedInput& in : loaded) {
      total += in.record.files.size();
      for (const FileRecord& f : in.record.files) any = any || needs_hash(f, 2, false, opt.model.trust_fingerprints);
    }
    if (any) {
      size_count.emplace(total);
      for (const LoadedInput& in : loaded)
        for (const FileRecord& f : in.record.files) size_count->add(f.size);
    }
  }
  auto count_of = [&](u64 size) -> u64 { return size_count ? size_count->count(size) : 0; };
  struct Job {
    std::size_t input;
    std::size_t file;
  };
  std::vector<Job> work;
  u64 work_bytes = 0;
  for (std::size_t i = 0; i < loaded.size(); ++i) {
    if (!loaded[i].source) continue;
    const auto& files = loaded[i].record.files;
    const std::size_t first = work.size();
    for (std::size_t k = 0; k < files.size(); ++k) {
      if (!needs_hash(files[k], count_of(files[k].size), all, opt.model.trust_fingerprints)) continue;
      work.push_back({i, k});
      work_bytes += files[k].size;
    }
    // Read each image in on-disk order (nid order follows mkfs's layout).
    std::sort(work.begin() + static_cast<std::ptrdiff_t>(first), work.end(),
              [&](const Job& a, const Job& b) { return files[a.file].locator < files[b.file].locator; });
  }
  // Large files go first, largest first: one hashed last would leave the other threads idle
  // while it finishes (a 110 MB library is 60 ms of SHA-256). Each is still read in order.
  constexpr u64 k_large = 8 << 20;
  auto size_of = [&](const Job& j) { return loaded[j.input].record.files[j.file].size; };
  std::stable_partition(work.begin(), work.end(), [&](const Job& j) { return size_of(j) >= k_large; });
  auto large_end = std::find_if(work.begin(), work.end(), [&](const Job& j) { return size_of(j) < k_large; });
  std::stable_sort(work.begin(), large_end, [&](const Job& a, const Job& b) { return size_of(a) > size_of(b); });

  // 3. Hash in parallel; each inode once. Unreadable data is recorded, not fatal.
  counters.files = 0;
  counters.bytes = 0;
  parallel_for(work.size(), jobs, [&](std::size_t w) {
    LoadedInput& in = loaded[work[w].input];
    FileRecord& f = in.record.files[work[w].file];
    try {
      f.content = in.source->digest(f, counters);
    } catch (const Unsupported& e) {
      f.content_error = e.what();
    } catch (const DataUnavailable& e) {
      f.content_error = e.what();
    } catch (const Error&) {
      rethrow_for(opt.inputs[work[w].input].path);
    }
    ++counters.files;
  }, report_progress("hashing", work.size(), work_bytes));

  // 4. Manifests: one per input, for merging later.
  std::vector<InputRecord> records;
  for (LoadedInput& in : loaded) {
    in.source.reset();
    records.push_back(std::move(in.record));
  }
  if (!opt.manifest_out.empty()) {
    std::error_code ec;
    fs::create_directories(opt.manifest_out, ec);
    if (ec) throw IoError(opt.manifest_out, "mkdir", ec.value());
    std::vector<std::string> names;
    for (const auto& r : records) names.push_back(r.name);
    std::vector<std::string> files = manifest_names(names);
    // The names of manifest inputs come from their headers: check them against the inputs too.
    util::OutputGuard guard;
    for (const InputSpec& spec : opt.inputs) {
      guard.input_or_tree(spec.path);
      for (const std::string& d : spec.devices) guard.input(d, "--device");
    }
    for (const std::string& file : files) guard.output((fs::path(opt.manifest_out) / file).string(), "--manifest-out");
    for (std::size_t i = 0; i < records.size(); ++i)
      write_manifest(records[i], (fs::path(opt.manifest_out) / files[i]).string());
  }

  // 5. The model.
  return build_report(std::move(records), opt.model, jobs, opt.group_rows);
}

}  // namespace core::scan
