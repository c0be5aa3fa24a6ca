// Reading scan inputs into InputRecords: EROFS images, directory trees, tar archives (plain or
// compressed, via libarchive) and manifests of earlier scans (manifest.hpp).
#pragma once

#include <atomic>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/container/overlay.hpp"
#include "core/scan/model.hpp"

namespace core::erofs {
class Image;
}

namespace core::scan {

// One INPUT of the command line.
struct InputSpec {
  std::string path;
  std::vector<std::string> devices;  // extra devices of an EROFS image, in device-table order
  // An EROFS image inside an Android input (core/android: a super.img partition, a zip member, an
  // expanded sparse image): its bytes, kept alive by `owner`. `path` then names the image
  // ("super.img:system_a") and `group` is the command-line input it is in.
  std::span<const u8> bytes = {};
  std::shared_ptr<const void> owner = {};
  std::string group = {};
};

// Counters the readers bump while they read file data (progress display).
struct ReadCounters {
  std::atomic<u64> files{0};
  std::atomic<u64> bytes{0};
};

// An opened input that can read a file's content again (EROFS images, directories).
class Source {
public:
  virtual ~Source() = default;
  // SHA-256 over the content of `file` (found through file.locator). Throws Unsupported or
  // DataUnavailable when the content cannot be read, CorruptImage or IoError on bad input.
  virtual util::Digest digest(const FileRecord& file, ReadCounters& counters) const = 0;
};

struct LoadedInput {
  InputRecord record;
  std::unique_ptr<Source> source;  // null: every content known already (tar, manifest)
};

// Android inputs (core/android/inputs.hpp) replaced by the EROFS images in them: a sparse image
// by its expanded image, a super.img by its partitions, a zip by its image members, each an
// InputSpec holding its bytes. Other inputs stay as given.
struct AndroidInputs {
  std::vector<InputSpec> inputs;
  std::vector<std::string> errors;  // per input: why it could not be opened (keep_going), else ""
  // Per super.img or zip: its path and the indices (into `inputs`) of its images, the build
  // scan groups them into.
  std::vector<std::pair<std::string, std::vector<std::size_t>>> groups;
};
// Throws Error naming the input (without keep_going), IoError.
AndroidInputs expand_android_inputs(const std::vector<InputSpec>& inputs, bool keep_going);

enum class DetectedKind { erofs, directory, tar, manifest };

// Tells the kinds apart by content: a directory, the EROFS magic at byte 1024, the first line
// of a manifest, else an archive. Throws IoError if `path` cannot be read.
DetectedKind detect_kind(const std::string& path);

// Walks an EROFS image's tree: one record per inode of a non-empty regular file, with its
// storage class and stored fingerprint; no file data is read. Throws like erofs::Image.
LoadedInput load_erofs(const InputSpec& spec);
// The same for an opened image named `name`; `tree` (if given) receives every entry as the
// overlay sees it (a container layer made by mkfs.erofs --aufs).
LoadedInput load_erofs_image(std::unique_ptr<erofs::Image> image, const std::string& name,
                             container::LayerTree* tree);

// Walks a directory tree without following symlinks; hard links (same device and inode) are
// one record. Files get `storage` (a tree has no I/O class). Throws IoError.
LoadedInput load_directory(const InputSpec& spec, Storage storage);

// Reads a tar archive (any compression libarchive knows) once, hashing every regular file
// (holes of sparse entries as zeros); later entries replace earlier ones of the same path, hard
// links join their target's record. Throws UsageError if it is not an archive, IoError.
LoadedInput load_tar(const InputSpec& spec, Storage storage, ReadCounters& counters);

// Paths in every input are "/"-rooted and '/'-separated; this turns "./a/b/", "a//b" or "/a/b"
// into "/a/b" ("/" for the root).
std::string normalize_path(std::string_view path);

// Sorts records by first path (byte order) and each record's paths.
void sort_records(InputRecord& record);

}  // namespace core::scan
