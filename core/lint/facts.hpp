// What lint knows about the images before any rule runs: collected once (collect.cpp,
// verify.cpp), then read by every rule. Rules never open images or touch bytes themselves.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/erofs/fingerprint.hpp"
#include "core/erofs/image.hpp"
#include "core/lint/kernel.hpp"

namespace core::lint {

// mkfs.erofs >= 1.9.2's default fingerprint name, and the one earlier docs used (§6.1).
inline constexpr std::string_view k_default_fingerprint_name = "erofs.fingerprint.v1";
inline constexpr std::string_view k_legacy_fingerprint_name = "trusted.erofs.fingerprint";

// One inode reached from the root. Hard links are one inode: it is recorded once, under the
// first of its names in walk (name) order.
struct FileFacts {
  std::string path;
  erofs::Inode inode;
  bool xattrs_read = false;                 // false: decoding failed (see ImageFacts::broken)
  std::vector<std::string> unresolved_xattrs;  // entries naming a long prefix beyond the table
  erofs::StoredFingerprint fingerprint;     // as the kernel looks it up; state none if absent
  unsigned fingerprint_entries = 0;         // entries that resolve to the fingerprint name

  // Verification: SHA-256 of the content (regular files with a fingerprint, unless disabled).
  bool verify_wanted = false;
  // Read the data of a regular file without a fingerprint too (not kept): only its structure
  // is checked, so an image inspect --digest rejects as corrupt is never lint-clean.
  bool read_wanted = false;
  std::optional<util::Digest> content;
  std::string content_error;                // why it could not be read (compressed, device)
  bool content_corrupt = false;             // reading failed as corrupt (see ImageFacts::broken)
  // The stored digest equals SHA-256 of i_size contiguous bytes from the first data block: the
  // signature of erofs-utils 1.9.3's rebuild bug (format reference §6.2).
  bool rebuild_bug_pattern = false;

  bool is_regular() const { return inode.type == erofs::FileType::file; }
  bool has_fingerprint() const { return fingerprint.state != erofs::FingerprintState::none; }
};

// Something in the image that could not be read: a corrupt inode or directory, or an inode
// whose content reading failed as corrupt.
struct Broken {
  std::string path;
  std::optional<u64> nid;
  std::optional<u64> offset;
  std::string message;
};

struct ImageFacts {
  std::string image;  // as given on the command line
  std::size_t index = 0;
  bool opened = false;
  std::string open_error;            // why it could not be opened (then nothing else is known)
  std::optional<u64> open_error_offset;

  bool sb_read = false;               // the superblock decoded (also when opening failed later)
  erofs::SuperInfo sb;
  std::optional<u32> computed_checksum;  // with SB_CHKSUM, when the first block is readable
  std::vector<erofs::LongPrefix> prefixes;
  std::string prefix_table_error;
  std::optional<std::string> fingerprint_name;  // the name the kernel looks up, if valid
  u64 image_size = 0;
  // The file is shorter than the superblock declares (erofs::truncation_note); every read past
  // its end fails with this note, and those failures are folded into one image-truncated finding.
  std::optional<std::string> truncation;

  std::vector<FileFacts> files;  // walk order
  // Without a usable ISHARE feature: files carrying an xattr with a well-known fingerprint
  // name ("erofs.fingerprint.v1", "trusted.erofs.fingerprint") the kernel will not look up.
  u64 orphan_fingerprints = 0;
  std::string orphan_fingerprint_name;
  std::vector<Broken> broken;
  bool verified = false;          // content digests were computed

  // Regular files with content: the ones mkfs fingerprints and the kernel may share.
  static bool shareable(const FileFacts& f) { return f.is_regular() && f.inode.size > 0; }
};

struct LintSettings {
  bool verify = true;
  std::vector<std::string> devices;  // extra device files (only with a single image)
  unsigned jobs = 0;  // 0 = one per CPU
  KernelVersion min_kernel = k_ishare_kernel;
};

struct Facts {
  std::vector<ImageFacts> images;
  LintSettings settings;
};

}  // namespace core::lint
