#include "core/scan/model.hpp"

#include <algorithm>
#include <cstring>

#include "core/erofs/fingerprint.hpp"
#include "core/util/error.hpp"

namespace core::scan {

const char* kind_name(InputKind kind) {
  switch (kind) {
    case InputKind::erofs: return "erofs";
    case InputKind::directory: return "directory";
    case InputKind::tar: return "tar";
  }
  return "erofs";
}

const char* storage_name(Storage storage) {
  return storage == Storage::compressed ? "compressed" : "uncompressed";
}

const char* mount_mode_name(MountMode mode) { return mode == MountMode::fileio ? "fileio" : "block"; }

const char* io_class_name(IoClass io) {
  switch (io) {
    case IoClass::block: return "block";
    case IoClass::fileio: return "fileio";
    case IoClass::compressed: return "compressed";
  }
  return "block";
}

const char* assume_name(Assume assume) { return assume == Assume::best ? "best" : "order"; }

const char* status_name(Status status) {
  switch (status) {
    case Status::shares_now: return "shares_now";
    case Status::would_share_once_tagged: return "would_share_once_tagged";
    case Status::blocked: return "blocked";
  }
  return "blocked";
}

const char* reason_name(Reason reason) {
  switch (reason) {
    case Reason::none: return "";
    case Reason::no_ishare_feature: return "no_ishare_feature";
    case Reason::fingerprint_missing: return "fingerprint_missing";
    case Reason::fingerprint_hidden_by_filter: return "fingerprint_hidden_by_filter";
    case Reason::fingerprint_empty: return "fingerprint_empty";
    case Reason::fingerprint_too_long: return "fingerprint_too_long";
    case Reason::fingerprint_mismatch: return "fingerprint_mismatch";
    case Reason::fingerprint_values_differ: return "fingerprint_values_differ";
    case Reason::fingerprint_collision: return "fingerprint_collision";
    case Reason::peer_not_tagged: return "peer_not_tagged";
    case Reason::compressed_vs_uncompressed: return "compressed_vs_uncompressed";
    case Reason::fileio_vs_block: return "fileio_vs_block";
    case Reason::other_domain: return "other_domain";
    case Reason::mount_without_inode_share: return "mount_without_inode_share";
  }
  return "";
}

const char* reason_text(Reason reason) {
  switch (reason) {
    case Reason::none: return "";
    case Reason::no_ishare_feature: return "the image lacks the ishare_xattrs feature";
    case Reason::fingerprint_missing: return "no fingerprint xattr";
    case Reason::fingerprint_hidden_by_filter: return "the xattr name filter hides the fingerprint";
    case Reason::fingerprint_empty: return "the fingerprint value is empty";
    case Reason::fingerprint_too_long: return "the fingerprint value is longer than a block";
    case Reason::fingerprint_mismatch: return "the stored fingerprint does not match the content";
    case Reason::fingerprint_values_differ: return "identical content carries different fingerprint values";
    case Reason::fingerprint_collision: return "a file of other size or content holds the same fingerprint first";
    case Reason::peer_not_tagged: return "the other copies are not tagged";
    case Reason::compressed_vs_uncompressed: return "compressed and uncompressed inodes never share";
    case Reason::fileio_vs_block: return "file-backed and block-device mounts never share";
    case Reason::other_domain: return "the other copies are in another domain";
    case Reason::mount_without_inode_share: return "the filesystem is mounted without inode_share";
  }
  return "";
}

// Each sentence names the tool or option that fixes the cause (erofs-share-tag(1), mkfs.erofs,
// the mount options); scan's text and HTML reports show them next to the reason.
const char* reason_advice(Reason reason) {
  switch (reason) {
    case Reason::none: return "";
    case Reason::no_ishare_feature:
      return "Tag the image with erofs-share tag, or rebuild it with mkfs.erofs 1.9 or later and "
             "--xattr-inode-digest.";
    case Reason::fingerprint_missing:
      return "Tag the image with erofs-share tag (a directory or tar input: build it with erofs-share build, "
             "or mkfs.erofs --xattr-inode-digest).";
    case Reason::fingerprint_hidden_by_filter:
      return "Re-tag the image with erofs-share tag, which writes a fingerprint the xattr name filter lets the "
             "kernel see.";
    case Reason::fingerprint_empty:
      return "Re-tag the image with erofs-share tag, which replaces the empty value with the content's.";
    case Reason::fingerprint_too_long:
      return "Re-tag the image with erofs-share tag, or drop the long xattr of that name from the source tree.";
    case Reason::fingerprint_mismatch:
      return "The content changed after tagging: re-tag the image with erofs-share tag, which replaces wrong "
             "values.";
    case Reason::fingerprint_values_differ:
      return "Use one fingerprint scheme everywhere: re-tag the odd images with erofs-share tag (\"sha256:\" "
             "values).";
    case Reason::fingerprint_collision:
      return "Re-tag the image whose value does not match its content (erofs-share tag); until then the first "
             "file holding the value takes it.";
    case Reason::peer_not_tagged:
      return "This copy is ready: tag the other images holding the content (erofs-share tag).";
    case Reason::compressed_vs_uncompressed:
      return "Build the images with the same compression for shared files (the same mkfs.erofs -z options).";
    case Reason::fileio_vs_block:
      return "Mount every image of the domain the same way: all on loop or block devices, or all file-backed.";
    case Reason::other_domain:
      return "Mount the images that should share with the same domain_id (only if they may see each other's "
             "data).";
    case Reason::mount_without_inode_share:
      return "Mount the filesystem with -o inode_share,domain_id=NAME.";
  }
  return "";
}

std::optional<InputKind> parse_kind(std::string_view name) {
  for (InputKind k : {InputKind::erofs, InputKind::directory, InputKind::tar})
    if (name == kind_name(k)) return k;
  return std::nullopt;
}

std::optional<Storage> parse_storage(std::string_view name) {
  for (Storage s : {Storage::uncompressed, Storage::compressed})
    if (name == storage_name(s)) return s;
  return std::nullopt;
}

std::optional<MountMode> parse_mount_mode(std::string_view name) {
  for (MountMode m : {MountMode::block, MountMode::fileio})
    if (name == mount_mode_name(m)) return m;
  return std::nullopt;
}

IoClass io_class(Storage storage, MountMode mode) {
  if (storage == Storage::compressed) return IoClass::compressed;
  return mode == MountMode::fileio ? IoClass::fileio : IoClass::block;
}

Reason fingerprint_view(const InputRecord& in, const FileRecord& f) {
  if (in.kind != InputKind::erofs) return Reason::fingerprint_missing;
  if (!in.inode_share) return Reason::mount_without_inode_share;
  if (!in.ishare) return Reason::no_ishare_feature;
  if (!f.fingerprint) return Reason::fingerprint_missing;
  if (f.fingerprint->hidden_by_filter) return Reason::fingerprint_hidden_by_filter;
  if (f.fingerprint->value.empty()) return Reason::fingerprint_empty;
  if (f.fingerprint->value.size() > in.block_size) return Reason::fingerprint_too_long;
  return Reason::none;
}

const util::Digest* fingerprint_digest_in(std::span<const u8> value) {
  static_assert(sizeof(util::Digest) == 32 && alignof(util::Digest) == 1);
  const auto scheme = erofs::k_fingerprint_scheme;
  if (value.size() != erofs::k_fingerprint_size || !std::equal(scheme.begin(), scheme.end(), value.begin()))
    return nullptr;
  return reinterpret_cast<const util::Digest*>(value.data() + scheme.size());
}

std::optional<util::Digest> fingerprint_digest(std::span<const u8> value) {
  const auto scheme = erofs::k_fingerprint_scheme;
  if (value.size() != erofs::k_fingerprint_size || !std::equal(scheme.begin(), scheme.end(), value.begin()))
    return std::nullopt;
  util::Digest d{};
  std::memcpy(d.data(), value.data() + scheme.size(), d.size());
  return d;
}

u32 PathTable::add(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  const std::string_view dir = slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (m_last_dir == k_none || m_dirs[m_last_dir] != dir) {
    auto [it, fresh] = m_dir_ids.try_emplace(std::string(dir), static_cast<u32>(m_dirs.size()));
    if (fresh) m_dirs.emplace_back(dir);
    m_last_dir = it->second;
  }
  if (m_chars.size() + name.size() > ~u32(0) || m_names.size() >= k_none)
    throw Error("more than 4 GiB of file names in one input");
  m_names.push_back(Name{m_last_dir, static_cast<u32>(m_chars.size())});
  m_chars.append(name);
  return static_cast<u32>(m_names.size() - 1);
}

PathTable::Parts PathTable::parts(u32 id) const {
  const Name& n = m_names.at(id);
  const u32 end = id + 1 < m_names.size() ? m_names[id + 1].off : static_cast<u32>(m_chars.size());
  return Parts{m_dirs[n.dir], std::string_view(m_chars).substr(n.off, end - n.off)};
}

void PathTable::shrink_to_fit() {
  m_names.shrink_to_fit();
  m_chars.shrink_to_fit();
}

std::string PathTable::str(u32 id) const {
  const Parts p = parts(id);
  std::string out;
  out.reserve(p.dir.size() + 1 + p.name.size());
  out.append(p.dir).append("/").append(p.name);
  return out;
}

bool PathTable::equals(u32 id, std::string_view path) const {
  const Parts p = parts(id);
  return path.size() == p.dir.size() + 1 + p.name.size() && path.starts_with(p.dir) && path[p.dir.size()] == '/' &&
         path.substr(p.dir.size() + 1) == p.name;
}

bool PathTable::less(u32 a, u32 b) const {
  const Parts x = parts(a);
  const Parts y = parts(b);
  if (x.dir == y.dir) return x.name < y.name;
  // Compare dir + "/" + name byte by byte without building the strings.
  const std::string_view xs[3] = {x.dir, "/", x.name};
  const std::string_view ys[3] = {y.dir, "/", y.name};
  std::size_t xi = 0, xo = 0, yi = 0, yo = 0;
  for (;;) {
    while (xi < 3 && xo == xs[xi].size()) ++xi, xo = 0;
    while (yi < 3 && yo == ys[yi].size()) ++yi, yo = 0;
    if (xi == 3 || yi == 3) return xi == 3 && yi < 3;
    const auto cx = static_cast<unsigned char>(xs[xi][xo]);
    const auto cy = static_cast<unsigned char>(ys[yi][yo]);
    if (cx != cy) return cx < cy;
    ++xo, ++yo;
  }
}

std::vector<std::string> InputRecord::paths(const FileRecord& f) const {
  std::vector<std::string> out;
  if (f.path == PathTable::k_none) return out;
  out.push_back(names.str(f.path));
  if (f.extra)
    for (u32 id : extras[f.extra - 1].links) out.push_back(names.str(id));
  return out;
}

InputRecord::Extra& InputRecord::extra_of(FileRecord& f) {
  if (!f.extra) {
    extras.emplace_back();
    f.extra = static_cast<u32>(extras.size());
  }
  return extras[f.extra - 1];
}

void InputRecord::add_path_id(FileRecord& f, u32 id) {
  if (f.path == PathTable::k_none) {
    f.path = id;
    return;
  }
  std::vector<u32>& more = extra_of(f).links;
  if (names.less(id, f.path)) std::swap(id, f.path);
  auto at = std::upper_bound(more.begin(), more.end(), id, [&](u32 a, u32 b) { return names.less(a, b); });
  more.insert(at, id);
}

void InputRecord::merge_paths(FileRecord& to, FileRecord& from) {
  if (from.path != PathTable::k_none) add_path_id(to, from.path);
  if (from.extra) {
    const std::vector<u32> more = std::move(extras[from.extra - 1].links);
    for (u32 id : more) add_path_id(to, id);
    extras[from.extra - 1].links.clear();
  }
  from.path = PathTable::k_none;
}

bool InputRecord::keep_paths(FileRecord& f, const std::function<bool(const std::string&)>& keep) {
  if (f.path == PathTable::k_none) return false;
  std::vector<u32> ids = {f.path};
  if (f.extra) ids.insert(ids.end(), extras[f.extra - 1].links.begin(), extras[f.extra - 1].links.end());
  std::erase_if(ids, [&](u32 id) { return !keep(names.str(id)); });
  f.path = ids.empty() ? PathTable::k_none : ids.front();
  if (f.extra) extras[f.extra - 1].links.assign(ids.begin() + (ids.empty() ? 0 : 1), ids.end());
  return !ids.empty();
}

const std::string& InputRecord::content_error(const FileRecord& f) const {
  static const std::string none;
  return f.extra ? extras[f.extra - 1].error : none;
}

void InputRecord::set_content_error(FileRecord& f, std::string error) { extra_of(f).error = std::move(error); }

const util::Digest* InputRecord::content(const FileRecord& f) const {
  if (f.content_slot == FileRecord::k_no_content) return nullptr;
  if (f.content_slot == FileRecord::k_content_in_fingerprint)
    return f.fingerprint ? fingerprint_digest_in(f.fingerprint->value) : nullptr;
  return &contents.at(f.content_slot);
}

void InputRecord::set_content(FileRecord& f, const util::Digest& digest) {
  if (f.fingerprint)
    if (const util::Digest* held = fingerprint_digest_in(f.fingerprint->value); held && *held == digest) {
      f.content_slot = FileRecord::k_content_in_fingerprint;
      return;
    }
  if (f.content_slot < contents.size()) {
    contents[f.content_slot] = digest;
    return;
  }
  if (contents.size() >= FileRecord::k_content_in_fingerprint) throw Error("more than 4 G file contents in one input");
  f.content_slot = static_cast<u32>(contents.size());
  contents.push_back(digest);
}

void InputRecord::shrink_to_fit() {
  files.shrink_to_fit();
  names.shrink_to_fit();
  extras.shrink_to_fit();
  contents.shrink_to_fit();
}

void InputRecord::clear_contents() {
  for (FileRecord& f : files) f.content_slot = FileRecord::k_no_content;
  contents.clear();
}

}  // namespace core::scan
