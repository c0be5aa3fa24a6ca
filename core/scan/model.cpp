#include "core/scan/model.hpp"

#include <algorithm>
#include <cstring>

#include "core/erofs/fingerprint.hpp"

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
  if (!in.ishare) return Reason::no_ishare_feature;
  if (!f.fingerprint) return Reason::fingerprint_missing;
  if (f.fingerprint->hidden_by_filter) return Reason::fingerprint_hidden_by_filter;
  if (f.fingerprint->value.empty()) return Reason::fingerprint_empty;
  if (f.fingerprint->value.size() > in.block_size) return Reason::fingerprint_too_long;
  return Reason::none;
}

std::optional<util::Digest> fingerprint_digest(const std::vector<u8>& value) {
  const auto scheme = erofs::k_fingerprint_scheme;
  if (value.size() != erofs::k_fingerprint_size || !std::equal(scheme.begin(), scheme.end(), value.begin()))
    return std::nullopt;
  util::Digest d{};
  std::memcpy(d.data(), value.data() + scheme.size(), d.size());
  return d;
}

}  // namespace core::scan
