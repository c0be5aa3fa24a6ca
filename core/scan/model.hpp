// The data `scan` works on: what each input holds (one record per inode of a non-empty regular
// file) and the vocabulary of the sharing model (I/O classes, statuses, reason codes).
// Inputs of every kind (EROFS image, directory tree, tar archive, manifest) end up as the same
// InputRecord, so the model never knows where its data came from.
#pragma once

#include <algorithm>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
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
  mount_without_inode_share,     // mounted without -o inode_share (status: what mountinfo shows)
};

const char* kind_name(InputKind kind);        // "erofs", "directory", "tar"
const char* storage_name(Storage storage);    // "uncompressed", "compressed"
const char* mount_mode_name(MountMode mode);  // "block", "fileio"
const char* io_class_name(IoClass io);        // "block", "fileio", "compressed"
const char* assume_name(Assume assume);       // "order", "best"
const char* status_name(Status status);       // "shares_now", ...
const char* reason_name(Reason reason);       // the enumerator name; "" for none
const char* reason_text(Reason reason);       // one line for humans: what it means
const char* reason_advice(Reason reason);     // one sentence for humans: what to do about it
inline constexpr Reason k_last_reason = Reason::mount_without_inode_share;

// Parsers for names (manifests, command line); std::nullopt if unknown.
std::optional<InputKind> parse_kind(std::string_view name);
std::optional<Storage> parse_storage(std::string_view name);
std::optional<MountMode> parse_mount_mode(std::string_view name);

IoClass io_class(Storage storage, MountMode mode);

// Bytes held inline up to 39 (the 39-byte "sha256:" fingerprint mkfs writes fits), else on the
// heap: a fingerprint value per file as a std::vector cost 24 bytes plus a 48-byte allocation.
// 40 bytes with no alignment, so that a FileRecord packs it without padding.
class SmallBytes {
public:
  SmallBytes() = default;
  SmallBytes(std::span<const u8> bytes) { assign(bytes.begin(), bytes.end()); }  // NOLINT: implicit
  SmallBytes(std::initializer_list<u8> bytes) { assign(bytes.begin(), bytes.end()); }
  SmallBytes(const std::vector<u8>& bytes) { assign(bytes.begin(), bytes.end()); }  // NOLINT: implicit
  SmallBytes(const SmallBytes& o) { assign(o.begin(), o.end()); }
  SmallBytes(SmallBytes&& o) noexcept { take(o); }
  SmallBytes& operator=(const SmallBytes& o) {
    if (this != &o) assign(o.begin(), o.end());
    return *this;
  }
  SmallBytes& operator=(SmallBytes&& o) noexcept {
    if (this != &o) {
      release();
      take(o);
    }
    return *this;
  }
  SmallBytes& operator=(std::span<const u8> bytes) { return *this = SmallBytes(bytes); }
  SmallBytes& operator=(const std::vector<u8>& bytes) { return *this = SmallBytes(bytes); }
  SmallBytes& operator=(std::initializer_list<u8> bytes) { return *this = SmallBytes(bytes); }
  ~SmallBytes() { release(); }

  template <class It>
  void assign(It first, It last) {
    std::vector<u8> tmp(first, last);  // the source may be this object's own bytes
    release();
    if (tmp.size() > ~u32(0)) throw std::length_error("SmallBytes: more than 4 GiB");
    u8* to = m_inline;
    if (tmp.size() > k_inline) {
      to = new u8[tmp.size()];
      set_heap(to, static_cast<u32>(tmp.size()));
    } else {
      m_len = static_cast<u8>(tmp.size());
    }
    std::copy(tmp.begin(), tmp.end(), to);
  }
  void assign(std::size_t n, u8 v) {
    std::vector<u8> tmp(n, v);
    assign(tmp.begin(), tmp.end());
  }
  void clear() { release(); }
  u32 size() const {
    if (m_len != k_heap) return m_len;
    u32 n = 0;
    std::memcpy(&n, m_inline + sizeof(u8*), sizeof n);
    return n;
  }
  bool empty() const { return m_len == 0; }
  const u8* data() const { return m_len == k_heap ? heap() : m_inline; }
  u8* data() { return m_len == k_heap ? heap() : m_inline; }
  const u8* begin() const { return data(); }
  const u8* end() const { return data() + size(); }
  u8& operator[](std::size_t i) { return data()[i]; }
  u8 operator[](std::size_t i) const { return data()[i]; }
  operator std::span<const u8>() const { return {data(), size()}; }  // NOLINT: implicit
  std::vector<u8> to_vector() const { return {begin(), end()}; }
  bool operator==(const SmallBytes& o) const { return std::equal(begin(), end(), o.begin(), o.end()); }

private:
  static constexpr u8 k_inline = 39;
  static constexpr u8 k_heap = 0xff;  // m_len of a value on the heap
  void release() {
    if (m_len == k_heap) delete[] heap();
    m_len = 0;
  }
  void take(SmallBytes& o) {
    m_len = o.m_len;
    std::copy(o.m_inline, o.m_inline + k_inline, m_inline);  // the bytes, or the heap pointer and size
    o.m_len = 0;
  }
  // A long value's heap pointer and size are kept in the inline bytes (copied, never aliased).
  u8* heap() const {
    u8* p = nullptr;
    std::memcpy(&p, m_inline, sizeof p);
    return p;
  }
  void set_heap(u8* p, u32 n) {
    std::memcpy(m_inline, &p, sizeof p);
    std::memcpy(m_inline + sizeof p, &n, sizeof n);
    m_len = k_heap;
  }
  u8 m_inline[k_inline];
  u8 m_len = 0;  // bytes held inline, or k_heap
};
static_assert(sizeof(SmallBytes) == 40 && alignof(SmallBytes) == 1);

// The fingerprint xattr of an inode as the kernel's lookup finds it (first matching entry).
struct StoredValue {
  SmallBytes value;
  bool hidden_by_filter = false;
};

// The names of one input's files, each stored once as (directory, name): a directory's path is
// held once for all its files. Ids are dense, in order of add().
class PathTable {
public:
  static constexpr u32 k_none = ~u32(0);
  u32 add(std::string_view path);  // a normalized "/dir/name"
  std::string str(u32 id) const;
  bool equals(u32 id, std::string_view path) const;
  bool less(u32 a, u32 b) const;  // byte order of the whole paths
  std::size_t size() const { return m_names.size(); }
  void shrink_to_fit();  // gives back what growing left unused (once every name is in)

private:
  struct Name {  // 8 bytes: a name ends where the next one starts (m_chars holds them in order)
    u32 dir;
    u32 off;  // into m_chars
  };
  struct Parts {
    std::string_view dir, name;
  };
  Parts parts(u32 id) const;
  std::vector<Name> m_names;
  std::string m_chars;
  std::unordered_map<std::string, u32> m_dir_ids;
  std::vector<std::string> m_dirs;  // by id (directories are few: held twice, the table stays copyable)
  u32 m_last_dir = k_none;                 // files of one directory come one after the other
};

// What a report can say identifies an input, as far as the scan knows it without reading the
// whole input for that alone: a digest where one was computed or checked, else a weaker name.
struct InputIdentity {
  std::string value;  // "sha256:<hex>", "uuid:<uuid>", a layer ID; "" if the input has none
  std::string what;   // what the value is and how it was found, e.g. "layer blob digest, checked"
};

// One inode of a non-empty regular file (hard links: one record with several paths). Its names,
// its content digest and its content error are kept by the InputRecord (paths(), content(),
// content_error()).
struct FileRecord {
  static constexpr u32 k_no_content = ~u32(0);
  static constexpr u32 k_content_in_fingerprint = ~u32(0) - 1;  // the "sha256:" value's digest
  u64 size = 0;
  u64 locator = 0;                         // where to read it again: nid, or index (not saved)
  u32 path = PathTable::k_none;            // the first name (InputRecord::names)
  u32 extra = 0;                           // 0, or 1 + index of its other names and error (InputRecord::extras)
  u32 content_slot = k_no_content;         // InputRecord::contents index, or one of the two above
  std::optional<StoredValue> fingerprint;  // present only if the image declares ISHARE_XATTRS
  Storage storage = Storage::uncompressed;
  bool has_content() const { return content_slot != k_no_content; }
};
static_assert(sizeof(FileRecord) <= 72, "one FileRecord per inode of every input: keep it small");

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
  std::vector<FileRecord> files;  // sorted by first path
  PathTable names;                       // every file's names
  // What few files have: other names (hard links, sorted), why reading failed (compressed data,
  // a missing device).
  struct Extra {
    std::vector<u32> links;
    std::string error;
  };
  std::vector<Extra> extras;
  // The SHA-256 of each content that was read and is not the fingerprint's own digest (most
  // tagged files' is: a digest per file in the record cost 33 bytes of every record).
  std::vector<util::Digest> contents;
  // A container layer is one filesystem mounted once for every image that has it (core/container).
  // Other inputs keep the defaults: one user, nothing hidden.
  u32 users = 1;          // images that use this filesystem (a shared layer is cached once)
  u64 hidden_files = 0;   // regular files no image using it shows (not in `files`)
  u64 hidden_bytes = 0;   // their page bytes
  // What identifies the input in a report (not written to manifests).
  InputIdentity identity;
  // Settings of this scan, not properties of the input (not written to manifests).
  std::string domain;
  MountMode mount_mode = MountMode::block;
  bool inode_share = true;  // mounted with inode_share (scan assumes so; status reads mountinfo)

  // Every name of `f`, sorted; the first; how many.
  std::vector<std::string> paths(const FileRecord& f) const;
  std::string first_path(const FileRecord& f) const { return names.str(f.path); }
  std::size_t path_count(const FileRecord& f) const { return f.extra ? 1 + extras[f.extra - 1].links.size() : 1; }
  // Gives `f` another name (its first if it has none), keeping them sorted.
  void add_path(FileRecord& f, std::string_view path) { add_path_id(f, names.add(path)); }
  void add_path_id(FileRecord& f, u32 id);
  // Moves the names of `from` to `to` (hard links found after the walk).
  void merge_paths(FileRecord& to, FileRecord& from);
  // Keeps the names for which keep(path) is true; false if none is left.
  bool keep_paths(FileRecord& f, const std::function<bool(const std::string&)>& keep);
  // The SHA-256 of f's content as read (or recorded), or null if it was not read.
  const util::Digest* content(const FileRecord& f) const;
  // Records it: held by the fingerprint if that is "sha256:" + the same digest, else in contents
  // (not thread-safe: callers that hash in parallel lock).
  void set_content(FileRecord& f, const util::Digest& digest);
  void clear_contents();
  // Gives back what growing the tables left unused (a fleet holds millions of entries).
  void shrink_to_fit();
  const std::string& content_error(const FileRecord& f) const;
  void set_content_error(FileRecord& f, std::string error);

private:
  Extra& extra_of(FileRecord& f);
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
std::optional<util::Digest> fingerprint_digest(std::span<const u8> value);
// The same digest in place: a view of the value's last 32 bytes (a Digest is 32 bytes with no
// alignment), or null; no copy for every copy of the model.
const util::Digest* fingerprint_digest_in(std::span<const u8> value);

// Bytes of page cache `size` bytes of file data occupy: whole pages.
inline u64 page_bytes(u64 size, u32 page_size) { return div_round_up(size, page_size) * page_size; }

}  // namespace core::scan
