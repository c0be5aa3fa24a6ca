// Rules about the image as a whole: can it be opened, is its metadata intact, will the
// kernel mount it (§1.3, §1.4 of the format reference).
#include <fmt/format.h>

#include "core/erofs/ondisk.hpp"
#include "core/erofs/superblock.hpp"
#include "core/lint/checks.hpp"

namespace core::lint::checks {

namespace od = erofs::ondisk;

namespace {

std::string join(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

// Rules that need a decoded superblock run on images whose superblock was read, even if
// opening failed later.
bool superblock_known(const ImageFacts& img) { return img.sb_read; }

}  // namespace

void image_unreadable(const Facts& facts, Emitter& out) {
  for (const ImageFacts& img : facts.images)
    if (!img.opened) out.image(img, "cannot open the image: " + img.open_error, img.open_error_offset);
}

void corrupt_inode(const Facts& facts, Emitter& out) {
  for (const ImageFacts& img : facts.images)
    for (const Broken& b : img.broken)
      if (!img.truncation || b.message.find(*img.truncation) == std::string::npos)  // image-truncated says it once
        out.at(img, b.path, b.nid, b.offset, b.message);
}

void image_truncated(const Facts& facts, Emitter& out) {
  for (const ImageFacts& img : facts.images) {
    if (!img.truncation) continue;
    std::size_t lost = 0;
    for (const Broken& b : img.broken) lost += b.message.find(*img.truncation) != std::string::npos;
    out.image(img,
              fmt::format("{}{}", *img.truncation,
                          lost ? fmt::format("; {} inodes or files read past its end", lost) : std::string()),
              img.image_size);
  }
}

void superblock_checksum(const Facts& facts, Emitter& out) {
  for (const ImageFacts& img : facts.images) {
    if (!superblock_known(img) || !img.sb.has_compat(od::k_compat_sb_chksum) || !img.computed_checksum) continue;
    if (*img.computed_checksum != img.sb.checksum)
      out.image(img,
                fmt::format("superblock checksum {:#010x} does not match the computed {:#010x}: the kernel refuses "
                            "to mount the image (EBADMSG)",
                            img.sb.checksum, *img.computed_checksum),
                od::k_super_offset + 4);
  }
}

void unknown_incompat_feature(const Facts& facts, Emitter& out) {
  for (const ImageFacts& img : facts.images) {
    if (!superblock_known(img)) continue;
    if (u32 unknown = img.sb.feature_incompat & ~od::k_incompat_all)
      out.image(img,
                fmt::format("unknown incompat feature bits {:#x}: the kernel refuses to mount the image (\"unidentified "
                            "incompatible feature\")",
                            unknown),
                od::k_super_offset + 0x50);
  }
}

void unknown_compat_feature(const Facts& facts, Emitter& out) {
  constexpr u32 known = od::k_compat_sb_chksum | od::k_compat_mtime | od::k_compat_xattr_filter |
                        od::k_compat_shared_ea_in_metabox | od::k_compat_plain_xattr_pfx | od::k_compat_ishare_xattrs;
  for (const ImageFacts& img : facts.images) {
    if (!superblock_known(img)) continue;
    if (u32 unknown = img.sb.feature_compat & ~known)
      out.image(img, fmt::format("unknown compat feature bits {:#x} (ignored by the kernel; made by a newer or "
                                 "foreign tool?)",
                                 unknown),
                od::k_super_offset + 0x08);
  }
}

void feature_needs_newer_kernel(const Facts& facts, Emitter& out) {
  const KernelVersion min = facts.settings.min_kernel;
  for (const ImageFacts& img : facts.images) {
    if (!superblock_known(img)) continue;
    std::vector<std::string> need;
    KernelVersion newest = min;
    for (const FeatureKernel& fk : incompat_feature_kernels()) {
      if (!img.sb.has_incompat(fk.bit) || fk.since <= min) continue;
      need.push_back(fmt::format("{} (Linux {})", fk.name, to_string(fk.since)));
      newest = std::max(newest, fk.since);
    }
    if (img.sb.has_incompat(od::k_incompat_compr_cfgs)) {
      for (const AlgorithmKernel& ak : algorithm_kernels()) {
        if (!(img.sb.available_compr_algs & (1u << ak.algorithm)) || ak.since <= min) continue;
        need.push_back(fmt::format("{} compression (Linux {})", ak.name, to_string(ak.since)));
        newest = std::max(newest, ak.since);
      }
    }
    if (need.empty()) continue;
    out.image(img, fmt::format("needs Linux {} but --min-kernel is {}: {}", to_string(newest), to_string(min),
                               join(need)));
  }
}

}  // namespace core::lint::checks
