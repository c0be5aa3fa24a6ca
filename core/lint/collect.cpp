#include "core/lint/collect.hpp"

#include <unordered_map>

#include <fmt/format.h>

#include "core/erofs/data.hpp"
#include "core/erofs/dir.hpp"
#include "core/erofs/superblock.hpp"
#include "core/erofs/xattr.hpp"
#include "core/erofs/zmap.hpp"
#include "core/erofs/ondisk.hpp"
#include "core/util/mapped_file.hpp"

namespace core::lint {

namespace od = erofs::ondisk;

namespace {

// A finding-ready description of an error: the reason with its coordinates, minus the path
// (findings carry the path separately).
Broken broken_from(const std::string& path, const Error& e) {
  Broken b;
  b.path = path;
  const Where* w = nullptr;
  std::string reason = e.what();
  if (const auto* c = dynamic_cast<const CorruptImage*>(&e)) {
    w = &c->where();
    reason = c->reason();
  } else if (const auto* u = dynamic_cast<const Unsupported*>(&e)) {
    w = &u->where();
    const std::string suffix = to_string(*w);  // what() is the reason followed by this
    if (reason.ends_with(suffix)) reason.resize(reason.size() - suffix.size());
  }
  b.message = reason;
  if (w) {
    b.nid = w->nid;
    if (w->byte && w->space.empty()) b.offset = w->byte;
    if (!w->detail.empty()) b.message += " @ " + w->detail;
    if (w->byte && !w->space.empty()) b.message += fmt::format(" ({} byte {:#x})", w->space, *w->byte);
  }
  return b;
}

// Superblock facts straight from the bytes, so they are known even when opening fails later.
void read_superblock(const std::string& path, const util::ByteView& v, ImageFacts& f) {
  f.image_size = v.size();
  try {
    f.sb = erofs::parse_superblock(v, /*lenient=*/true);
    f.sb_read = true;
    f.truncation = erofs::truncation_note(f.image_size, f.sb);
  } catch (const CorruptImage& e) {
    // No magic or not even a superblock: not an image at all, nothing to lint.
    if (e.reason().starts_with("not an EROFS image") || e.reason().starts_with("image too small"))
      throw NotAnImage(fmt::format("{}: {}", path, e.what()));
    throw;
  }
  if (f.sb.has_compat(od::k_compat_sb_chksum)) {
    try {
      f.computed_checksum = erofs::superblock_checksum(v, f.sb.blkszbits);
    } catch (const CorruptImage&) {
      // First block truncated: opening reports the image as unreadable.
    }
  }
}

// The metadata inspect reads of every inode besides its xattrs and directory: the map of a
// compressed inode (index, extents, fragment; no decompression) and a symlink's target. The
// data of regular files is read by verify_contents. What this version cannot read is left
// to the rules that need the content.
void check_structure(const erofs::Image& img, const std::string& path, const erofs::Inode& ino, ImageFacts& f) {
  try {
    if (ino.is_compressed()) (void)erofs::summarize_compressed(img, ino);
    if (ino.type == erofs::FileType::symlink) (void)erofs::read_file(img, ino, 4096);
  } catch (const CorruptImage& e) {
    f.broken.push_back(broken_from(path, e));
    if (!f.broken.back().nid) f.broken.back().nid = ino.nid;
  } catch (const Unsupported&) {
  } catch (const DataUnavailable&) {
  }
}

void record_inode(const erofs::Image& img, const std::string& path, const erofs::Inode& ino, const LintSettings& s,
                  ImageFacts& f) {
  FileFacts file;
  file.path = path;
  file.inode = ino;
  erofs::XattrSet xs;
  try {
    xs = erofs::read_xattrs(img, ino);
    file.xattrs_read = true;
  } catch (const Error& e) {
    f.broken.push_back(broken_from(path, e));
    if (!f.broken.back().nid) f.broken.back().nid = ino.nid;
  }
  for (const erofs::Xattr& x : xs.items)
    if (!x.resolved) file.unresolved_xattrs.push_back(x.name);
  file.fingerprint = erofs::stored_fingerprint(img, xs);
  if (f.fingerprint_name) {
    const erofs::LongPrefix& p = f.prefixes[f.sb.ishare_xattr_prefix_id];
    for (const erofs::Xattr& x : xs.items)
      if (x.resolved && x.base_index == p.base_index && x.suffix == p.infix) ++file.fingerprint_entries;
  }
  if (!f.fingerprint_name) {
    for (const erofs::Xattr& x : xs.items) {
      if (x.name != k_default_fingerprint_name && x.name != k_legacy_fingerprint_name) continue;
      ++f.orphan_fingerprints;
      f.orphan_fingerprint_name = x.name;
      break;
    }
  }
  file.verify_wanted = s.verify && file.is_regular() && file.has_fingerprint();
  file.read_wanted = s.verify && file.is_regular() && !file.has_fingerprint() && ino.size > 0;
  check_structure(img, path, ino, f);
  f.files.push_back(std::move(file));
}

}  // namespace

ImageFacts collect_image(const std::string& path, std::optional<std::span<const u8>> bytes, std::size_t index,
                         const LintSettings& settings, std::unique_ptr<erofs::Image>& image) {
  ImageFacts f;
  f.image = path;
  f.index = index;
  try {
    erofs::OpenOptions options;
    options.lenient_superblock = true;
    options.devices = settings.devices;
    if (bytes) {
      read_superblock(path, util::ByteView(bytes->data(), bytes->size()), f);
      image = std::make_unique<erofs::Image>(*bytes, path, options);
    } else {
      read_superblock(path, util::MappedFile(path).view(), f);
      image = std::make_unique<erofs::Image>(path, options);
    }
  } catch (const IoError&) {
    throw;
  } catch (const NotAnImage&) {
    throw;
  } catch (const UsageError&) {  // e.g. more --device files than the image has devices
    throw;
  } catch (const Error& e) {
    Broken b = broken_from("", e);
    f.open_error = b.message;
    f.open_error_offset = b.offset;
    image.reset();
    return f;
  }
  const erofs::Image& img = *image;
  f.opened = true;
  f.sb = img.sb();
  f.prefixes = img.long_prefixes();
  f.prefix_table_error = img.prefix_table_error();
  f.fingerprint_name = img.fingerprint_xattr_name();

  std::unordered_map<u64, std::size_t> seen;  // nid -> index in f.files (hard links)
  erofs::walk_tree(
      img,
      [&](const std::string& p, const erofs::Inode& ino) {
        if (seen.emplace(ino.nid, f.files.size()).second) record_inode(img, p, ino, settings, f);
      },
      [&](const std::string& p, const Error& e) { f.broken.push_back(broken_from(p, e)); });
  return f;
}

}  // namespace core::lint
