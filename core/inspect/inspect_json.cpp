// JSON rendering of the inspect report (schema: share/schema/inspect.schema.json).
#include <nlohmann/json.hpp>

#include "core/codec/codec.hpp"
#include "core/erofs/ondisk.hpp"
#include "core/inspect/inspect.hpp"

namespace core::inspect {

namespace {

using nlohmann::json;

bool printable(const std::vector<u8>& v) {
  for (u8 c : v)
    if (c < 0x20 || c >= 0x7f) return false;
  return true;
}

json algorithms(const erofs::SuperInfo& sb) {
  static const char* k_names[] = {"lz4", "lzma", "deflate", "zstd"};
  json a = json::array();
  if (sb.has_incompat(erofs::ondisk::k_incompat_compr_cfgs)) {
    for (unsigned i = 0; i < 4; ++i)
      if (sb.available_compr_algs & (1u << i)) a.push_back(k_names[i]);
  } else if (sb.compressed_capable) {
    a.push_back("lz4");
  }
  return a;
}

}  // namespace

json super_json(const SuperRow& s) {
  const erofs::SuperInfo& sb = s.sb;
  json devices = json::array();
  for (const auto& d : sb.devices) devices.push_back({{"tag", d.tag}, {"blocks", d.blocks}, {"uniaddr", d.uniaddr}});
  json prefixes = json::array();
  for (std::size_t i = 0; i < s.prefixes.size(); ++i)
    prefixes.push_back({{"index", i}, {"base_index", s.prefixes[i].base_index}, {"name", s.prefixes[i].full}});
  json j = {
      {"image", s.image},
      {"image_size", s.image_size},
      {"block_size", sb.block_size},
      {"blocks", sb.blocks},
      {"feature_compat", sb.feature_compat},
      {"feature_incompat", sb.feature_incompat},
      {"features_compat", erofs::compat_feature_names(sb.feature_compat)},
      {"features_incompat", erofs::incompat_feature_names(sb.feature_incompat)},
      {"compression", algorithms(sb)},
      {"uuid", erofs::uuid_string(sb.uuid)},
      {"volume_name", sb.volume_name},
      {"epoch", sb.epoch},
      {"build_time", sb.epoch + sb.build_time},
      {"inos", sb.inos},
      {"root_nid", sb.root_nid},
      {"meta_blkaddr", sb.meta_blkaddr},
      {"xattr_blkaddr", sb.xattr_blkaddr},
      {"packed_nid", sb.packed_nid},
      {"metabox_nid", sb.metabox_nid},
      {"checksum", sb.checksum},
      {"devices", devices},
      {"xattr_prefixes", prefixes},
      {"fingerprint_xattr", s.fingerprint_xattr ? json(*s.fingerprint_xattr) : json(nullptr)},
  };
  if (!s.prefix_table_error.empty()) j["xattr_prefixes_error"] = s.prefix_table_error;
  return j;
}

json file_json(const FileRow& r) {
  const erofs::Inode& ino = r.inode;
  json xattrs = json::array();
  for (const auto& x : *r.xattrs) {
    json e = {{"name", x.name}, {"value_hex", util::to_hex(x.value)}, {"shared", x.shared}};
    if (printable(x.value)) e["value"] = std::string(x.value.begin(), x.value.end());
    xattrs.push_back(std::move(e));
  }
  json j = {
      {"path", r.path},
      {"type", erofs::file_type_name(ino.type)},
      {"mode", ino.mode & 07777},
      {"uid", ino.uid},
      {"gid", ino.gid},
      {"size", ino.size},
      {"mtime", ino.mtime},
      {"mtime_nsec", ino.mtime_nsec},
      {"nid", ino.nid},
      {"nlink", ino.nlink},
      {"inode_format", ino.extended ? "extended" : "compact"},
      {"layout", erofs::layout_name(ino.layout)},
      {"fingerprint", r.fingerprint.state == erofs::FingerprintState::valid
                          ? json(util::to_hex(r.fingerprint.digest))
                          : json(nullptr)},
      {"fingerprint_state", erofs::fingerprint_state_name(r.fingerprint.state)},
      {"xattrs", xattrs},
  };
  if (r.fingerprint.state != erofs::FingerprintState::none)
    j["fingerprint_hidden_by_filter"] = r.fingerprint.hidden_by_filter;
  if (r.symlink_target) j["target"] = *r.symlink_target;
  if (ino.type == erofs::FileType::chardev || ino.type == erofs::FileType::blockdev)
    j["rdev"] = {{"major", ino.rdev_major()}, {"minor", ino.rdev_minor()}};
  if (r.digest) j["digest"] = util::to_hex(*r.digest);
  if (!r.digest_error.empty()) j["digest_error"] = r.digest_error;
  if (r.compression) {
    const erofs::ZSummary& z = *r.compression;
    json algs = json::array();
    for (unsigned id : z.algorithms) algs.push_back(codec::algorithm_name(id));
    j["compression"] = {{"algorithms", algs},
                        {"pclusters", z.pclusters},
                        {"compressed_bytes", z.compressed_bytes},
                        {"plain_pclusters", z.plain_pclusters},
                        {"inline_tail", z.inline_tail},
                        {"fragment_bytes", z.fragment_bytes},
                        {"extents", z.extents}};
  }
  return j;
}

void to_json(nlohmann::json& j, const Report& rep) {
  json files = json::array();
  for (const auto& f : rep.files) files.push_back(file_json(f));
  j = {{"schema_version", k_schema_version}, {"superblock", super_json(rep.super)}, {"files", files}};
}

}  // namespace core::inspect
