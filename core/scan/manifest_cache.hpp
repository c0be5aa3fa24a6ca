// --manifest-cache DIR: one manifest per EROFS image input, keyed by the SHA-256 of the image
// file and the settings that change its record, so a daily scan of a fleet hashes only new
// images. Layout (every file written by util::AtomicFile, so concurrent jobs and crashes leave
// either the old or the new file, never a torn one; no file is shared by two keys):
//   DIR/stat/<sha256 of "size mtime_ns ctime_ns inode">   the image digest, one hex line
//   DIR/manifests/<image digest>-<settings>.ndjson        manifest_text() of the image's record
//   DIR/index/<image digest>-<settings>.json              {"erofs_share_cache":1,
//       "erofs_share_version":..,"manifest_version":..,"manifest_sha256":..,"image_sha256":..}
// An image whose stat entry matches is recognised without reading its data; else the image is
// hashed. A cached manifest is used only if its index entry has this erofs-share version and
// manifest version, the manifest bytes have the recorded SHA-256, it parses (read_manifest's
// checks), and its records match the image's metadata walk (paths, sizes, storage, stored
// fingerprints); only content digests are taken from it. Anything else is a miss with a note
// (`notes`), the image is hashed and the entry rewritten. Container inputs are not cached yet.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/scan/model.hpp"

namespace core::scan {

struct ReadCounters;

struct ManifestCacheStats {
  u64 hits = 0;
  u64 misses = 0;
  u64 image_bytes_hashed = 0;  // bytes of image files read to compute their digest
  u64 file_bytes_read = 0;     // file data the scan read to hash contents (ReadCounters.bytes)  // bytes of image files read to compute their digest
  std::vector<std::string> notes;  // why a cached entry was not used (one line each)
};

class ManifestCache {
public:
  // `settings` names what changes a record (e.g. "trust0"); `version` is erofs-share's.
  ManifestCache(std::string dir, std::string settings, std::string version);

  // The cached record of image file `path` whose metadata walk gave `walked`; std::nullopt on
  // a miss (then remember() after hashing). Throws IoError if `path` cannot be read.
  std::optional<InputRecord> lookup(std::size_t slot, const std::string& path, const InputRecord& walked);
  // Stores `record` (hashed) for the image looked up in `slot`. Throws IoError.
  void remember(std::size_t slot, const InputRecord& record);

  // The hex SHA-256 of the image file looked up in `slot` (known after lookup, hit or miss).
  const std::string& image_sha256(std::size_t slot) const { return m_pending.at(slot).second; }

  ManifestCacheStats& stats() { return m_stats; }

private:
  std::string m_dir, m_settings, m_version;
  std::vector<std::pair<std::string, std::string>> m_pending;  // per slot: stat key, digest
  ManifestCacheStats m_stats;
};

}  // namespace core::scan
