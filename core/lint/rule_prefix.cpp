// Rules about the ishare superblock fields and the long xattr prefix table that names the
// fingerprint (§4.5, §6.1, §6.4 of the format reference).
#include <fmt/format.h>

#include "core/erofs/image.hpp"
#include "core/erofs/ondisk.hpp"
#include "core/lint/checks.hpp"

namespace core::lint::checks {

namespace od = erofs::ondisk;

namespace {

bool has_ishare(const ImageFacts& img) { return img.sb.has_compat(od::k_compat_ishare_xattrs); }

u64 shareable_files(const ImageFacts& img) {
  u64 n = 0;
  for (const FileFacts& f : img.files) n += ImageFacts::shareable(f);
  return n;
}

u64 fingerprinted_files(const ImageFacts& img) {
  u64 n = 0;
  for (const FileFacts& f : img.files) n += ImageFacts::shareable(f) && f.has_fingerprint();
  return n;
}

}  // namespace

void fingerprints_absent(const Facts& facts, Emitter& out) {
  for (const ImageFacts& img : facts.images) {
    if (!img.opened) continue;
    const u64 regular = shareable_files(img);
    if (regular == 0) continue;  // nothing that could share anyway
    if (!has_ishare(img)) {
      out.image(img, fmt::format("no ISHARE_XATTRS feature, so none of the {} regular files can share page cache "
                                 "(build with mkfs.erofs --xattr-inode-digest)",
                                 regular));
    } else if (img.fingerprint_name && fingerprinted_files(img) == 0) {
      out.image(img, fmt::format("ISHARE_XATTRS is set but none of the {} regular files carries a {} fingerprint "
                                 "(mkfs.erofs --tar=i and some rebuild modes write none)",
                                 regular, *img.fingerprint_name));
    }
  }
}

void ishare_prefix_id(const Facts& facts, Emitter& out) {
  for (const ImageFacts& img : facts.images) {
    if (!img.sb_read || !has_ishare(img)) continue;
    if (img.sb.ishare_xattr_prefix_id >= img.sb.xattr_prefix_count)
      out.image(img,
                fmt::format("ishare_xattr_prefix_id {} but the image has {} long xattr prefixes: the kernel refuses to "
                            "mount it (\"invalid ishare xattr prefix id\"), with or without inode_share",
                            img.sb.ishare_xattr_prefix_id, img.sb.xattr_prefix_count),
                od::k_super_offset + 0x69);
  }
}

void prefix_table_inconsistent(const Facts& facts, Emitter& out) {
  for (const ImageFacts& img : facts.images) {
    if (!img.opened) continue;
    if (!img.prefix_table_error.empty())
      out.image(img, "the long xattr prefix table cannot be read, so fingerprint names cannot be checked: " +
                         img.prefix_table_error);
    if (has_ishare(img) && img.sb.ishare_xattr_prefix_id < img.sb.xattr_prefix_count) {
      if (!img.sb.has_incompat(od::k_incompat_xattr_prefixes))
        out.image(img, "ISHARE_XATTRS is set but INCOMPAT_XATTR_PREFIXES is not: the kernel reads the prefix table "
                       "anyway, erofs-utils ignores it, so tools disagree on the fingerprint name",
                  od::k_super_offset + 0x50);
      if (img.fingerprint_name) {
        const unsigned id = img.sb.ishare_xattr_prefix_id;
        const erofs::LongPrefix& p = img.prefixes[id];
        if (!erofs::short_xattr_prefix(p.base_index) || p.base_index == 5)
          out.image(img, fmt::format("the fingerprint prefix {} has base index {}, which is no xattr namespace the "
                                     "kernel knows",
                                     id, p.base_index));
        if (p.infix.empty())
          out.image(img, fmt::format("the fingerprint prefix {} is the bare namespace \"{}\" (empty infix)", id, p.full));
        for (std::size_t k = 0; k < img.prefixes.size(); ++k)
          if (k != id && img.prefixes[k].full == p.full)
            out.image(img, fmt::format("long prefix {} duplicates the fingerprint prefix {} (\"{}\")", k, id, p.full));
      }
    }
    if (!img.fingerprint_name && img.orphan_fingerprints > 0)
      out.image(img, fmt::format("{} files carry {} xattrs but the superblock {}, so the kernel never looks them up",
                                 img.orphan_fingerprints, img.orphan_fingerprint_name,
                                 has_ishare(img) ? "has an invalid ishare prefix id" : "lacks ISHARE_XATTRS"));
    for (const FileFacts& f : img.files)
      for (const std::string& name : f.unresolved_xattrs)
        out.file(img, f, fmt::format("xattr {} names a long prefix beyond the {}-entry table (the kernel skips it)",
                                     name, img.prefixes.size()));
  }
}

void fingerprint_name_nondefault(const Facts& facts, Emitter& out) {
  for (const ImageFacts& img : facts.images) {
    if (!img.fingerprint_name || *img.fingerprint_name == k_default_fingerprint_name) continue;
    out.image(img, fmt::format("fingerprints are named {}; mkfs.erofs >= 1.9.2 uses {} by default, which getfattr "
                               "cannot see",
                               *img.fingerprint_name, k_default_fingerprint_name));
  }
}

}  // namespace core::lint::checks
