// `inspect`: a superblock summary plus one row per inode reached from the root.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/erofs/fingerprint.hpp"
#include "core/erofs/image.hpp"
#include "core/erofs/zmap.hpp"

namespace core::inspect {

inline constexpr int k_schema_version = 1;

struct XattrRow {
  std::string name;
  std::vector<u8> value;
  bool shared = false;
};

struct FileRow {
  std::string path;
  erofs::Inode inode;
  erofs::StoredFingerprint fingerprint;
  // Shared by every name of one inode: hard links repeat an inode's xattrs, not copy them.
  std::shared_ptr<const std::vector<XattrRow>> xattrs;
  std::optional<std::string> symlink_target;
  std::optional<util::Digest> digest;  // with InspectOptions::digest, when readable
  std::string digest_error;            // why the digest is absent (compressed, missing device)
  std::optional<erofs::ZSummary> compression;  // compressed inodes, from the mapping (no decoding)
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
};

struct Options {
  bool digest = false;
  std::string path;  // limit rows to this path and below ("" = all)
};

// Builds the report for an opened image. Throws CorruptImage / Unsupported on bad metadata;
// unreadable file data (compressed, missing device) is recorded per row in digest_error.
Report inspect(const erofs::Image& image, const Options& options);

void to_json(nlohmann::json& j, const Report& report);
// The two parts of the document, for writers that stream one file object at a time.
nlohmann::json super_json(const SuperRow& super);
nlohmann::json file_json(const FileRow& file);

// "drwxr-xr-x" style rendering of a mode.
std::string mode_string(u16 mode);

}  // namespace core::inspect
