// `scan`: read every input, hash what can share (in parallel, each inode at most once), write
// manifests if asked, and apply the sharing model (report.hpp).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/container/container.hpp"
#include "core/scan/inputs.hpp"
#include "core/scan/manifest_cache.hpp"
#include "core/scan/report.hpp"

namespace core::scan {

// A snapshot for a progress display.
struct Progress {
  const char* phase = "";  // "reading" (metadata, archives) or "hashing"
  u64 files_done = 0;
  u64 files_total = 0;     // 0 while unknown
  u64 bytes_done = 0;
  u64 bytes_total = 0;     // 0 while unknown
};

struct ScanOptions {
  std::vector<InputSpec> inputs;    // command-line order
  // INPUT=VALUE settings; INPUT is a path as given or the input name a manifest records.
  std::vector<std::pair<std::string, std::string>> domains;
  std::vector<std::pair<std::string, MountMode>> mount_modes;
  std::string default_domain = "default";
  MountMode default_mount_mode = MountMode::block;
  ModelOptions model;
  unsigned jobs = 0;                // hashing threads; 0 = every core
  Storage tree_storage = Storage::uncompressed;  // how directory and tar files are modelled
  // Container inputs (core/container): the platform chosen from image indexes, the containerd
  // differ's mkfs_options that tar layers are modelled with (input_container.hpp), the bounds.
  std::string platform = "linux/amd64";
  std::string layer_mkfs_options;
  container::Limits container_limits;
  // An input that cannot be read (missing, not an input, corrupt; for a container input, any of
  // its blobs) is left out and listed in Report::input_errors; the others are still scanned.
  // Without it the first such input ends the scan (the error is thrown).
  bool keep_going = false;
  std::string manifest_out;         // directory for one manifest per input ("" = none)
  // Directory of cached manifests of EROFS image inputs (manifest_cache.hpp; "" = none), the
  // erofs-share version its entries must have, and where the cache's figures go (may be null).
  std::string manifest_cache;
  std::string tool_version;
  ManifestCacheStats* cache_stats = nullptr;
  std::size_t group_rows = 0;       // keep the rows of the N groups that save most (0 = all)
  const Residency* resident = nullptr;  // scan --resident (residency.hpp): Report::resident
  std::size_t drift_rows = 0;       // keep the first N drift paths and prefixes (0 = all; trim_drift)
  // Called from the calling thread about ten times a second while reading and hashing.
  std::function<void(const Progress&)> progress;
};

// Runs the scan. Throws UsageError (bad option combination, unknown input format), IoError,
// CorruptImage or Unsupported (naming the input). Files whose data cannot be read
// (compressed data not yet readable, a missing --device) are counted, not fatal.
Report scan(const ScanOptions& options);

// The files of `record` whose content this scan must read: sizes that occur in more than one
// inode across `size_count` (or every file with `all`), except where a trusted "sha256:"
// fingerprint stands for the content. Exposed for tests.
bool needs_hash(const FileRecord& file, u64 size_count, bool all, bool trust);

// The manifest file name of input `index` named `name` in a scan of several inputs: the base
// name plus ".ndjson" (base names that repeat get "-2", "-3", ... in order).
std::vector<std::string> manifest_names(const std::vector<std::string>& input_names);

}  // namespace core::scan
