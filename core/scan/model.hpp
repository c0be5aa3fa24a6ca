// The data `scan` works on: what each input holds (one record per inode of a non-empty regular
// file) and the vocabulary of the sharing model (I/O classes, statuses, reason codes).
// Inputs of every kind (EROFS image, directory tree, tar archive, manifest) end up as the same
// InputRecord, so the model never knows where its data came from.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/util/ints.hpp"
#include "core/util/sha256.hpp"

namespace core::scan {

enum class InputKind : u8 { erofs, directory, tar };
// How a file's data is stored: the kernel gives compressed inodes their own aops class.
enum class Storage : u8 { uncompressed, compressed };
// How an image is mounted: on a block/loop device or file-backed (the image file directly).
enum class MountMode : u8 { block, fileio };
// The kernel's address-space-operations class of an inode (erofs-format.md §6.5 step 1).
enum class IoClass : u8 { block, fileio, compressed };
// Which copy of a content fixes the class of its shared inode: the first in command-line
// order (as the kernel does when mounted and read in that order), or the best choice.
enum class Assume : u8 { order, best };

// The status of one copy of a content that occurs more than once.
enum class Status : u8 { shares_now, would_share_once_tagged, blocked };

// Why a copy does not share now (status would_share_once_tagged) or even once every file is
// tagged (status blocked). Codes are stable: never renumber or reuse them.
enum class Reason : u8 {
  none,                          // shares now
  no_ishare_feature,             // the image lacks the ISHARE_XATTRS feature
  fingerprint_missing,           // no fingerprint xattr (always so for directory/tar inputs)
  fingerprint_hidden_by_filter,  // the xattr bloom filter hides it from the kernel
  fingerprint_empty,             // the value is empty
  fingerprint_too_long,          // the value is longer than one block
  fingerprint_mismatch,          // "sha256:" value that does not match the content
  fingerprint_values_differ,     // identical content, different fingerprint values
  fingerprint_collision,         // a file of other size or content claimed the same value first
  peer_not_tagged,               // this copy is usable; the copies it would share with are not
  compressed_vs_uncompressed,    // the shared inode's class is the other one of these
  fileio_vs_block,               // file-backed vs block-device mount of uncompressed data
  other_domain,                  // every other copy is in another domain
};

const char* kind_name(InputKind kind);        // "erofs", "directory", "tar"
const char* storage_name(Storage storage);    // "uncompressed", "compressed"
const char* mount_mode_name(MountMode mode);  // "block", "fileio"
const char* io_class_name(IoClass io);        // "block", "fileio", "compressed"
const char* assume_name(Assume assume);       // "order", "best"
const char* status_name(Status status);       // "shares_now", ...
const char* reason_name(Reason reason);       // the enumerator name; "" for none
const char* reason_text(Reason reason);       // one line for humans
inline constexpr Reason k_last_reason = Reason::other_domain;

// Parsers for names (manifests, command line); std::nullopt if unknown.
std::optional<InputKind> parse_kind(std::string_view name);
std::optional<Storage> parse_storage(std::string_view name);
std::optional<MountMode> parse_mount_mode(std::string_view name);

IoClass io_class(Storage storage, MountMode mode);

// The fingerprint xattr of an inode as the kernel's lookup finds it (first matching entry).
struct StoredValue {
  std::vector<u8> value;
  bool hidden_by_filter = false;
};

// One inode of a non-empty regular file (hard links: one record with several paths).
struct FileRecord {
  std::vector<std::string> paths;          // every name, "/dir/file", sorted
  u64 size = 0;
  Storage storage = Storage::uncompressed;
  std::optional<StoredValue> fingerprint;  // present only if the image declares ISHARE_XATTRS
  std::optional<util::Digest> content;     // SHA-256 of the content, when it was read
  std::string content_error;               // why reading failed (compressed, missing device)
  u64 locator = 0;                         // where to read it again: nid, or index (not saved)
};

// Everything `scan` keeps about one input.
struct InputRecord {
  std::string name;          // as given on the command line (or recorded in a manifest)
  InputKind kind = InputKind::erofs;
  u32 block_size = 4096;     // the kernel ignores fingerprint values longer than this
  bool ishare = false;       // EROFS image declares ISHARE_XATTRS
  std::string fingerprint_xattr;  // the fingerprint xattr's name ("" if none)
  u64 directories = 0;
  u64 symlinks = 0;
  u64 special_files = 0;     // devices, fifos, sockets
  u64 empty_files = 0;       // regular files of size 0 (no pages, never shared)
  std::vector<FileRecord> files;  // sorted by paths.front()
  // A container layer is one filesystem mounted once for every image that has it (core/container).
  // Other inputs keep the defaults: one user, nothing hidden.
  u32 users = 1;          // images that use this filesystem (a shared layer is cached once)
  u64 hidden_files = 0;   // regular files no image using it shows (not in `files`)
  u64 hidden_bytes = 0;   // their page bytes
  // Settings of this scan, not properties of the input (not written to manifests).
  std::string domain;
  MountMode mount_mode = MountMode::block;
};

// A container image: the inputs (its layers, bottom first) its root filesystem stacks.
struct ImageGroup {
  std::string name;
  std::string platform;
  std::vector<u32> inputs;  // indices into the scan's inputs
};

// Why the kernel finds no usable fingerprint for `file` of `input` (§6.5 step 2: missing,
// filtered out, empty or longer than a block; directory and tar inputs have none), or
// Reason::none if it uses the value.
Reason fingerprint_view(const InputRecord& input, const FileRecord& file);

// "sha256:" + 32 digest bytes: the value mkfs.erofs writes, if `value` has that form.
std::optional<util::Digest> fingerprint_digest(const std::vector<u8>& value);

// Bytes of page cache `size` bytes of file data occupy: whole pages.
inline u64 page_bytes(u64 size, u32 page_size) { return div_round_up(size, page_size) * page_size; }

}  // namespace core::scan
