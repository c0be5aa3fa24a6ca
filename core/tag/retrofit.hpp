// Retrofit: add page-cache-sharing fingerprints to an existing EROFS image (issue #6, format
// reference §6.8). File data blocks stay where they are; the metadata (inodes, xattrs,
// directories, long-prefix table) is re-laid out into blocks appended after the image and the
// superblock is pointed at them. The output appears atomically (temporary file, fsync, rename).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/util/ints.hpp"

namespace core::tag {

inline constexpr const char* k_default_xattr_name = "erofs.fingerprint.v1";

struct RetrofitOptions {
  // Full xattr name of the fingerprint. Empty: the image's own fingerprint name if it declares
  // one (ISHARE_XATTRS), else k_default_xattr_name.
  std::string xattr_name;
  std::vector<std::string> devices;  // extra device files, in device-table order
  // Reports progress while hashing: bytes of content hashed so far, and the total.
  std::function<void(u64 done, u64 total)> progress;
  // Called with 0, 1, 2, ... before each step that changes the file system (create, each copied
  // or written chunk, fsync, rename, directory fsync). Tests use it to simulate a crash.
  std::function<void(unsigned step)> checkpoint;
  u64 chunk_size = u64(8) << 20;  // bytes per copy/write step
  unsigned jobs = 0;              // hashing threads; 0 = one per CPU
};

enum class FileAction { tagged, kept, replaced, skipped };
const char* file_action_name(FileAction action);  // "tagged", "kept", "replaced", "skipped"

// One regular file whose fingerprint was replaced or that could not be tagged, or whose inline
// tail had to move out of the metadata.
struct FileNote {
  std::string path;
  u64 nid = 0;      // nid in the input image
  u64 new_nid = 0;  // nid in the output image
  FileAction action = FileAction::tagged;
  std::string detail;
};

struct RetrofitReport {
  std::string xattr_name;
  u64 files_tagged = 0;         // regular non-empty files that got a new fingerprint
  u64 files_kept = 0;           // already carried the right fingerprint
  u64 files_replaced = 0;       // carried a wrong one, now replaced
  u64 files_skipped = 0;        // data not readable (extra device not supplied)
  u64 tails_moved = 0;          // inline tails moved to a block of their own (layout changed)
  u64 dirs_converted = 0;       // compressed/chunked directories rewritten as flat_plain
  u64 inodes = 0;               // inodes re-laid out
  u64 content_bytes = 0;        // file content hashed
  u64 input_bytes = 0;          // input image size
  u64 output_bytes = 0;         // output image size
  u64 bytes_written = 0;        // new bytes (metadata area + superblock), excluding the copy
  // Every fingerprint was already right and the superblock already declares them: nothing was
  // re-laid out. The output is a byte-for-byte copy of the input, and in place (output is the
  // input) nothing at all was written.
  bool already_tagged = false;
  std::vector<FileNote> notes;  // replaced, skipped and moved files, by path
};

// Reads and validates the whole input, computes every digest and the new metadata, and only
// then writes `output` (which may equal `input` for --in-place). An image whose fingerprints
// are all right is left as it is (RetrofitReport::already_tagged), so tagging twice changes
// no byte. Never leaves a partial output file. Throws CorruptImage, Unsupported, IoError or UsageError; the input is not modified on
// any failure.
RetrofitReport retrofit(const std::string& input, const std::string& output, const RetrofitOptions& options);

// Sidecar (issue #6 mode 2, format reference §6.9): writes `meta`, a metadata-only image whose
// inodes carry the fingerprints and whose file data stays in `input`, attached as extra device
// 1 through a unified address range, to be mounted as
// `mount -o device=INPUT,inode_share,domain_id=X META`. `input` is not modified. Same report;
// throws like retrofit, and Unsupported for images with extra devices or 48-bit addresses.
RetrofitReport make_sidecar(const std::string& input, const std::string& meta, const RetrofitOptions& options);

}  // namespace core::tag
