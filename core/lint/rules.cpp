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
     "lint could not open the image: the superblock decodes but the root directory, the metabox or the long xattr "
     "prefix table is corrupt, or the image uses something this version cannot read, so nothing else in it was checked "
     "and the run fails with exit status 2. Rebuild the image with mkfs.erofs, or check that the file was copied "
     "completely.",
     c::image_unreadable},
    {"corrupt-inode", S::error, true, "an inode or directory is corrupt; lint reports it and checks the rest",
     "An inode, directory block or xattr area is corrupt, or a file's data cannot be read as stored (a block past the "
     "end of the image, a bad compressed extent); the kernel returns an error when it is read. lint skips what depends "
     "on the broken inode and checks the rest. Rebuild the image from its source tree; fsck.erofs names the same "
     "inode.",
     c::corrupt_inode},
    {"superblock-checksum", S::error, true, "superblock checksum mismatch: the kernel refuses to mount the image",
     "The superblock has the sb_csum feature but its CRC32C does not match the first block, so the kernel refuses to "
     "mount the image (EBADMSG). Some tool edited the first block without recomputing the checksum: rebuild the image, "
     "or let that tool update sb_csum.",
     c::superblock_checksum},
    {"unknown-incompat-feature", S::error, true, "unknown incompat feature bits: the kernel refuses to mount the image",
     "The superblock sets incompat feature bits this version does not know, and the kernel refuses to mount an image "
     "with an unidentified incompatible feature. Build the image with an mkfs.erofs whose features the target kernels "
     "support.",
     c::unknown_incompat_feature},
    {"unknown-compat-feature", S::warning, true, "unknown compat feature bits (the kernel ignores them)",
     "The superblock sets compat feature bits that nobody defines. Kernels ignore them, but the image was made by a "
     "newer or foreign tool and may not mean what this version reads. Check which tool built the image.",
     c::unknown_compat_feature},
    {"feature-needs-newer-kernel", S::error, true,
     "a feature or compression algorithm needs a newer kernel than --min-kernel",
     "An incompat feature or compression algorithm of the image first appeared in a Linux release newer than "
     "--min-kernel (for example xattr_prefixes 6.4, 48bit 6.15, zstd 6.10), so older kernels refuse the mount. Raise "
     "--min-kernel if those kernels are not targets, or build the image without the feature.",
     c::feature_needs_newer_kernel},
    {"fingerprints-absent", S::warning, true, "the image carries no ishare fingerprints, so nothing in it can share",
     "The image has regular files but none can share page cache: it lacks the ishare_xattrs feature, or declares it "
     "without any file carrying a fingerprint. Build it with mkfs.erofs --xattr-inode-digest, or add fingerprints with "
     "erofs-share tag.",
     c::fingerprints_absent},
    {"ishare-prefix-id", S::error, true,
     "ishare xattr prefix id out of range: the kernel refuses to mount the image at all",
     "ishare_xattr_prefix_id points past the long xattr prefix table, and the kernel then refuses to mount the image "
     "at all, whether or not inode_share was asked for. The tool that wrote the superblock is broken: rebuild the "
     "image with mkfs.erofs 1.9 or later.",
     c::ishare_prefix_id},
    {"prefix-table-inconsistent", S::error, true,
     "long xattr prefix table or fingerprint name inconsistent with the ishare feature",
     "The long xattr prefix table and the fingerprint name disagree with the ishare feature (ishare_xattrs without "
     "xattr_prefixes, an unknown namespace, a duplicate fingerprint prefix, fingerprint xattrs the superblock does not "
     "declare), so the kernel and erofs-utils see different fingerprint names. Rebuild the image with one consistent "
     "mkfs.erofs invocation.",
     c::prefix_table_inconsistent},
    {"fingerprint-missing", S::warning, true, "regular file without a fingerprint (the finding gives the coverage)",
     "A regular file with content has no fingerprint, so the kernel can never share its pages with another image. The "
     "message gives the image's coverage. Rebuild with mkfs.erofs --xattr-inode-digest, run erofs-share tag on the "
     "image, or accept the files in a baseline.",
     c::fingerprint_missing},
    {"fingerprint-mismatch", S::error, true, "stored fingerprint does not match the file's content",
     "The stored fingerprint is not the SHA-256 of the file's content: stale after an edit, copied from another file, "
     "or forged. In a shared domain the kernel would serve one file's cached pages to the readers of another: silent "
     "corruption or injected content. Do not ship the image; rebuild it or re-tag it with erofs-share tag.",
     c::fingerprint_mismatch},
    {"fingerprint-format", S::error, true, "fingerprint value is not in mkfs.erofs's format (\"sha256:\" + 32 bytes)",
     "The fingerprint value is not the 39 bytes mkfs.erofs writes (sha256: and 32 raw digest bytes). The kernel "
     "compares values as opaque bytes, but lint cannot verify such a value and fsck.erofs calls it corrupt. Rebuild or "
     "re-tag the image, or disable the rule if the scheme is your own on purpose.",
     c::fingerprint_format},
    {"fingerprint-value-size", S::error, true,
     "fingerprint value is empty or longer than a block: the kernel ignores it",
     "The fingerprint value is empty or longer than the block size. The kernel accepts 1 to block-size bytes and "
     "silently ignores any other value, so the file never shares. Rebuild or re-tag the image.",
     c::fingerprint_value_size},
    {"fingerprint-filtered", S::error, true,
     "the xattr name bloom filter hides the fingerprint: the kernel's lookup misses it",
     "The inode's xattr name bloom filter has the bit of the fingerprint name set, which means absent: the kernel's "
     "lookup stops there and the file never shares although the fingerprint is stored. The tool that added the "
     "fingerprint did not clear the filter bit; rebuild the image or re-tag it with erofs-share tag.",
     c::fingerprint_filtered},
    {"fingerprint-duplicate-entry", S::warning, true,
     "more than one xattr entry of a file resolves to the fingerprint name",
     "More than one xattr entry of a regular file resolves to the fingerprint name. The kernel takes the first inline "
     "one and other readers may take another, so tools can disagree about the file's fingerprint. Remove the source "
     "file's own copy of the xattr and rebuild.",
     c::fingerprint_duplicate_entry},
    {"fingerprint-on-non-regular-file", S::info, true,
     "a directory, symlink or special file carries a fingerprint (the kernel shares regular files only)",
     "A directory, symlink or special file carries the fingerprint xattr. The kernel shares regular files only and "
     "ignores it; the xattr only costs metadata space. Remove the xattr from the source tree if it was not meant.",
     c::fingerprint_on_non_regular_file},
    {"fingerprint-unverified", S::info, true, "a fingerprint could not be verified because the content is not readable",
     "A fingerprint could not be checked against the content because the content cannot be read: its data is on an "
     "extra device not given with --device, or the file uses a layout this version cannot decode. Give the image's "
     "devices with --device to verify it.",
     c::fingerprint_unverified},
    {"fingerprint-conflict", S::error, true,
     "one fingerprint carried by files of different sizes or contents across the images linted together",
     "One fingerprint value is carried by files of different sizes or (when verifying) different contents across the "
     "images linted together. On a size mismatch the kernel refuses to share; on a content mismatch it silently mixes "
     "the files' pages. Find the file whose fingerprint is wrong (fingerprint-mismatch names it) and rebuild that "
     "image.",
     c::fingerprint_conflict},
    {"compression-class-mismatch", S::warning, true,
     "identical content is compressed in one copy and not in another, so the copies cannot share",
     "The same content (equal fingerprint and size) is stored compressed in one copy and uncompressed in another. The "
     "kernel shares only between inodes of the same class, so these copies never share. Build the images with the same "
     "compression settings.",
     c::compression_class_mismatch},
    {"fingerprint-name-differs", S::info, true, "images linted together use different fingerprint xattr names",
     "Images linted together use different fingerprint xattr names. The kernel compares values only, so they can still "
     "share, but fsck.erofs and other tools look fingerprints up by name. Build all images with one fingerprint name; "
     "the most common one is the reference.",
     c::fingerprint_name_differs},
    {"fingerprint-name-nondefault", S::info, false,
     "the fingerprint xattr name is not mkfs.erofs's default erofs.fingerprint.v1",
     "The fingerprint xattr name is not erofs.fingerprint.v1, the default of mkfs.erofs 1.9.2 and later, which "
     "getfattr cannot see and which needs no namespace handler. Use the default name unless your kernels or tools need "
     "another.",
     c::fingerprint_name_nondefault},
    {"image-truncated", S::error, true,
     "the image file is shorter than its superblock declares: reads past its end fail",
     "The image file is shorter than the block count its superblock declares (a partial download or copy). The kernel "
     "still mounts it, but every read past the end fails; the files lint could not read for that reason are counted in "
     "this one finding. Copy or download the image again.",
     c::image_truncated},
};

}  // namespace

std::span<const Rule> all_rules() { return k_rules; }

const Rule* find_rule(std::string_view id) {
  for (const Rule& r : k_rules)
    if (r.id == id) return &r;
  return nullptr;
}

std::string rule_help_uri(const Rule& rule) { return "man:erofs-share-lint(1)#" + std::string(rule.id); }

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
