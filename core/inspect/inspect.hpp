// `inspect`: a superblock summary plus one row per inode reached from the root.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/erofs/fingerprint.hpp"
#include "core/erofs/image.hpp"
#include "core/erofs/xattr.hpp"
#include "core/erofs/zmap.hpp"

namespace core::inspect {

inline constexpr int k_schema_version = 2;

// What every name of one inode shows, read once per inode (hard links share it).
struct InodeRow {
  erofs::Inode inode;
  erofs::StoredFingerprint fingerprint;
  // Inline entries, then shared ones; a shared xattr is decoded once per image and referenced
  // by every inode that lists it (erofs::XattrDecoder).
  std::vector<std::shared_ptr<const erofs::Xattr>> xattrs;
  std::optional<std::string> symlink_target;
  std::optional<util::Digest> digest;  // with InspectOptions::digest, when readable
  std::string digest_error;            // why the digest is absent (compressed, missing device)
  std::optional<erofs::ZSummary> compression;  // compressed inodes, from the mapping (no decoding)
};

struct FileRow {
  std::string path;
  std::shared_ptr<const InodeRow> node;
  // False for every name of an inode but its first in path order: a hard link of an inode
  // already shown. Renderers show its xattrs and target at the first name only, so the report
  // does not grow with (names x xattrs).
  bool first_name = true;
};

struct SuperRow {
  std::string image;
  u64 image_size = 0;
  erofs::SuperInfo sb;
  std::optional<std::string> fingerprint_xattr;
  std::vector<erofs::LongPrefix> prefixes;
  std::string prefix_table_error;
};

struct Report {
  SuperRow super;
  std::vector<FileRow> files;  // sorted by path
  // The distinct shared xattrs the rows reference, by id: JSON lists each value once.
  std::vector<std::shared_ptr<const erofs::Xattr>> shared_xattrs;
};

struct Options {
  bool digest = false;
  std::string path;  // limit rows to this path and below ("" = all)
};

// The superblock part of the report alone (cheap: no tree walk).
SuperRow super_row(const erofs::Image& image);

// Builds the report for an opened image. Throws CorruptImage / Unsupported on bad metadata;
// unreadable file data (compressed, missing device) is recorded per row in digest_error.
Report inspect(const erofs::Image& image, const Options& options);

void to_json(nlohmann::json& j, const Report& report);
// The two parts of the document, for writers that stream one file object at a time.
nlohmann::json super_json(const SuperRow& super);
nlohmann::json file_json(const FileRow& file);
nlohmann::json shared_xattrs_json(const Report& report);

// Renders file rows as one line of JSON each (file_json, dumped with invalid UTF-8 replaced by
// U+FFFD). The hard-link rows of one inode differ only in their path, so consecutive ones
// reuse the rest of the line: millions of names of one inode cost a string copy each.
class FileJsonLines {
public:
  std::string line(const FileRow& file);

private:
  const InodeRow* m_node = nullptr;  // whose hard-link line m_head/m_tail hold
  std::string m_head, m_tail;        // the line before and after the path string
};

// "drwxr-xr-x" style rendering of a mode.
std::string mode_string(u16 mode);

}  // namespace core::inspect
