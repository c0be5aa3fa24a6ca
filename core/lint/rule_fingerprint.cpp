// Rules about one file's fingerprint: present, readable by the kernel, in the usual format,
// and equal to the content (§4.7, §6.1, §6.5 of the format reference).
#include <fmt/format.h>

#include "core/erofs/xattr.hpp"
#include "core/lint/checks.hpp"
#include "core/lint/describe.hpp"

namespace core::lint::checks {

namespace {

// Images whose fingerprints the kernel can look up at all; the rest is for image rules.
bool fingerprinted_image(const ImageFacts& img) { return img.opened && img.fingerprint_name.has_value(); }

}  // namespace

void fingerprint_missing(const Facts& facts, Emitter& out) {
  for (const ImageFacts& img : facts.images) {
    if (!fingerprinted_image(img)) continue;
    u64 regular = 0, with = 0;
    for (const FileFacts& f : img.files) {
      if (!ImageFacts::shareable(f)) continue;
      ++regular;
      with += f.has_fingerprint();
    }
    if (with == 0) continue;  // fingerprints-absent says it once for the image
    const std::string coverage = fmt::format("image coverage {:.1f}% ({} of {} regular files)",
                                             100.0 * double(with) / double(regular), with, regular);
    for (const FileFacts& f : img.files)
      if (ImageFacts::shareable(f) && f.xattrs_read && !f.has_fingerprint())
        out.file(img, f, fmt::format("{}-byte regular file has no {} fingerprint, so it cannot share; {}",
                                     f.inode.size, *img.fingerprint_name, coverage));
  }
}

void fingerprint_mismatch(const Facts& facts, Emitter& out) {
  for (const ImageFacts& img : facts.images) {
    if (!fingerprinted_image(img)) continue;
    for (const FileFacts& f : img.files) {
      if (!f.is_regular() || f.fingerprint.state != erofs::FingerprintState::valid || !f.content) continue;
      if (*f.content == f.fingerprint.digest) continue;
      std::string msg = fmt::format("stored fingerprint {} does not match the content ({}): the kernel would serve "
                                    "another file's pages to readers of this one",
                                    describe_digest(f.fingerprint.digest), describe_digest(*f.content));
      if (f.rebuild_bug_pattern)
        msg += "; the stored digest covers i_size bytes from the first data block instead of the inline tail, the "
               "signature of erofs-utils 1.9.3 mkfs --clean=data (rebuild) with --xattr-inode-digest";
      out.file(img, f, std::move(msg));
    }
  }
}

void fingerprint_format(const Facts& facts, Emitter& out) {
  for (const ImageFacts& img : facts.images) {
    if (!fingerprinted_image(img)) continue;
    for (const FileFacts& f : img.files) {
      const auto& raw = f.fingerprint.raw;
      if (!f.is_regular() || f.fingerprint.state != erofs::FingerprintState::invalid || raw.empty() ||
          raw.size() > img.sb.block_size)
        continue;  // empty or oversized values are fingerprint-value-size's
      out.file(img, f, fmt::format("fingerprint value {} ({} bytes) is not \"sha256:\" + 32 raw digest bytes (39 "
                                   "bytes) as mkfs.erofs writes: it cannot be verified, fsck.erofs calls it corrupt",
                                   describe_value(raw), raw.size()));
    }
  }
}

void fingerprint_value_size(const Facts& facts, Emitter& out) {
  for (const ImageFacts& img : facts.images) {
    if (!fingerprinted_image(img)) continue;
    for (const FileFacts& f : img.files) {
      const auto size = f.fingerprint.raw.size();
      if (!f.is_regular() || !f.has_fingerprint() || (size >= 1 && size <= img.sb.block_size)) continue;
      out.file(img, f, fmt::format("fingerprint value is {} bytes; the kernel accepts 1 to {} (the block size) and "
                                   "silently ignores this one",
                                   size, img.sb.block_size));
    }
  }
}

void fingerprint_filtered(const Facts& facts, Emitter& out) {
  for (const ImageFacts& img : facts.images) {
    if (!fingerprinted_image(img)) continue;
    const erofs::LongPrefix& p = img.prefixes[img.sb.ishare_xattr_prefix_id];
    const unsigned bit = erofs::xattr_filter_bit(p.base_index, p.infix);
    for (const FileFacts& f : img.files)
      if (f.is_regular() && f.has_fingerprint() && f.fingerprint.hidden_by_filter)
        out.file(img, f, fmt::format("the inode's xattr name filter has bit {} set (\"{} absent\"), so the kernel "
                                     "stops before finding the fingerprint and the file never shares",
                                     bit, *img.fingerprint_name));
  }
}

void fingerprint_duplicate_entry(const Facts& facts, Emitter& out) {
  for (const ImageFacts& img : facts.images) {
    if (!fingerprinted_image(img)) continue;
    for (const FileFacts& f : img.files)
      if (f.is_regular() && f.fingerprint_entries > 1)
        out.file(img, f, fmt::format("{} xattr entries resolve to {}; the kernel uses the first (inline before "
                                     "shared), other readers may not",
                                     f.fingerprint_entries, *img.fingerprint_name));
  }
}

void fingerprint_on_non_regular_file(const Facts& facts, Emitter& out) {
  for (const ImageFacts& img : facts.images) {
    if (!fingerprinted_image(img)) continue;
    for (const FileFacts& f : img.files)
      if (!f.is_regular() && f.has_fingerprint())
        out.file(img, f, fmt::format("a {} carries a fingerprint; the kernel shares regular files only and ignores it",
                                     erofs::file_type_name(f.inode.type)));
  }
}

void fingerprint_unverified(const Facts& facts, Emitter& out) {
  for (const ImageFacts& img : facts.images) {
    if (!fingerprinted_image(img) || !img.verified) continue;
    for (const FileFacts& f : img.files) {
      if (!f.verify_wanted || f.content || f.content_corrupt) continue;
      // The reader's hint names inspect's option; lint's is the same --device.
      out.file(img, f, "the fingerprint cannot be verified: " + f.content_error);
    }
  }
}

}  // namespace core::lint::checks
