#include "core/lint/rules.hpp"

#include "core/lint/checks.hpp"

namespace core::lint {

namespace {

using S = Severity;
namespace c = checks;

// The table. Append new rules; never reuse or rename an id (baselines and CI configs name them).
constexpr Rule k_rules[] = {
    {"image-unreadable", S::error, true,
     "the image cannot be opened (superblock, root directory or metadata it needs is corrupt or unsupported)",
     c::image_unreadable},
    {"corrupt-inode", S::error, true, "an inode or directory is corrupt; lint reports it and checks the rest",
     c::corrupt_inode},
    {"superblock-checksum", S::error, true, "superblock checksum mismatch: the kernel refuses to mount the image",
     c::superblock_checksum},
    {"unknown-incompat-feature", S::error, true, "unknown incompat feature bits: the kernel refuses to mount the image",
     c::unknown_incompat_feature},
    {"unknown-compat-feature", S::warning, true, "unknown compat feature bits (the kernel ignores them)",
     c::unknown_compat_feature},
    {"feature-needs-newer-kernel", S::error, true,
     "a feature or compression algorithm needs a newer kernel than --min-kernel", c::feature_needs_newer_kernel},
    {"fingerprints-absent", S::warning, true, "the image carries no ishare fingerprints, so nothing in it can share",
     c::fingerprints_absent},
    {"ishare-prefix-id", S::error, true,
     "ishare xattr prefix id out of range: the kernel refuses to mount the image at all", c::ishare_prefix_id},
    {"prefix-table-inconsistent", S::error, true,
     "long xattr prefix table or fingerprint name inconsistent with the ishare feature",
     c::prefix_table_inconsistent},
    {"fingerprint-missing", S::warning, true, "regular file without a fingerprint (the finding gives the coverage)",
     c::fingerprint_missing},
    {"fingerprint-mismatch", S::error, true, "stored fingerprint does not match the file's content",
     c::fingerprint_mismatch},
    {"fingerprint-format", S::error, true, "fingerprint value is not in mkfs.erofs's format (\"sha256:\" + 32 bytes)",
     c::fingerprint_format},
    {"fingerprint-value-size", S::error, true,
     "fingerprint value is empty or longer than a block: the kernel ignores it", c::fingerprint_value_size},
    {"fingerprint-filtered", S::error, true,
     "the xattr name bloom filter hides the fingerprint: the kernel's lookup misses it", c::fingerprint_filtered},
    {"fingerprint-duplicate-entry", S::warning, true,
     "more than one xattr entry of a file resolves to the fingerprint name", c::fingerprint_duplicate_entry},
    {"fingerprint-on-non-regular-file", S::info, true,
     "a directory, symlink or special file carries a fingerprint (the kernel shares regular files only)",
     c::fingerprint_on_non_regular_file},
    {"fingerprint-unverified", S::info, true, "a fingerprint could not be verified because the content is not readable",
     c::fingerprint_unverified},
    {"fingerprint-conflict", S::error, true,
     "one fingerprint carried by files of different sizes or contents across the images linted together",
     c::fingerprint_conflict},
    {"compression-class-mismatch", S::warning, true,
     "identical content is compressed in one copy and not in another, so the copies cannot share",
     c::compression_class_mismatch},
    {"fingerprint-name-differs", S::info, true, "images linted together use different fingerprint xattr names",
     c::fingerprint_name_differs},
    {"fingerprint-name-nondefault", S::info, false,
     "the fingerprint xattr name is not mkfs.erofs's default erofs.fingerprint.v1", c::fingerprint_name_nondefault},
    {"image-truncated", S::error, true,
     "the image file is shorter than its superblock declares: reads past its end fail", c::image_truncated},
};

}  // namespace

std::span<const Rule> all_rules() { return k_rules; }

const Rule* find_rule(std::string_view id) {
  for (const Rule& r : k_rules)
    if (r.id == id) return &r;
  return nullptr;
}

void Emitter::at(const ImageFacts& img, std::optional<std::string> path, std::optional<u64> nid,
                 std::optional<u64> offset, std::string message) {
  Finding f;
  f.rule = std::string(m_rule.id);
  f.severity = m_severity;
  f.image = img.image;
  f.image_index = img.index;
  f.path = std::move(path);
  f.nid = nid;
  f.offset = offset;
  f.message = std::move(message);
  m_out.push_back(std::move(f));
}

void Emitter::image(const ImageFacts& img, std::string message, std::optional<u64> offset) {
  at(img, std::nullopt, std::nullopt, offset, std::move(message));
}

void Emitter::file(const ImageFacts& img, const FileFacts& file, std::string message) {
  at(img, file.path, file.inode.nid, std::nullopt, std::move(message));
}

}  // namespace core::lint
