// JSON rendering of the inspect report (schema: share/schema/inspect.schema.json).
#include <nlohmann/json.hpp>

#include "core/codec/codec.hpp"
#include "core/erofs/ondisk.hpp"
#include "core/inspect/detail.hpp"
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
      {"min_kernel", min_kernel(sb)},
  };
  if (!s.prefix_table_error.empty()) j["xattr_prefixes_error"] = s.prefix_table_error;
  return j;
}

namespace {

json value_json(const erofs::Xattr& x) {
  json e = {{"value_hex", util::to_hex(x.value)}};
  if (printable(x.value)) e["value"] = std::string(x.value.begin(), x.value.end());
  return e;
}

}  // namespace

json file_json(const FileRow& r) {
  const InodeRow& n = *r.node;
  const erofs::Inode& ino = n.inode;
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
      {"fingerprint", n.fingerprint.state == erofs::FingerprintState::valid
                          ? json(util::to_hex(n.fingerprint.digest))
                          : json(nullptr)},
      {"fingerprint_state", erofs::fingerprint_state_name(n.fingerprint.state)},
  };
  if (n.fingerprint.state != erofs::FingerprintState::none)
    j["fingerprint_hidden_by_filter"] = n.fingerprint.hidden_by_filter;
  if (ino.type == erofs::FileType::chardev || ino.type == erofs::FileType::blockdev)
    j["rdev"] = {{"major", ino.rdev_major()}, {"minor", ino.rdev_minor()}};
  if (n.digest) j["digest"] = util::to_hex(*n.digest);
  if (!n.digest_error.empty()) j["digest_error"] = n.digest_error;
  // A later name of an inode shown at an earlier path: what can be large (xattrs, target,
  // extent summary) is at that first name, found by nid.
  if (!r.first_name) {
    j["hard_link"] = true;
    return j;
  }
  json xattrs = json::array();
  for (const auto& x : n.xattrs) {
    json e = {{"name", x->name}, {"shared", x->shared}};
    if (x->shared) {
      e["shared_id"] = x->shared_id;  // its value is in the document's shared_xattrs, once
    } else {
      e.update(value_json(*x));
    }
    xattrs.push_back(std::move(e));
  }
  j["xattrs"] = std::move(xattrs);
  if (n.symlink_target) j["target"] = *n.symlink_target;
  if (n.compression) {
    const erofs::ZSummary& z = *n.compression;
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

json shared_xattrs_json(const Report& rep) {
  json a = json::array();
  for (const auto& x : rep.shared_xattrs) {
    json e = {{"id", x->shared_id}, {"name", x->name}};
    e.update(value_json(*x));
    a.push_back(std::move(e));
  }
  return a;
}

namespace {

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

std::string FileJsonLines::line(const FileRow& r) {
  if (r.first_name) return dump(file_json(r));
  if (m_node != r.node.get()) {
    // Render the row once with an empty path and split it there; keys are sorted, so the path
    // sits at the same place in every row of this inode.
    FileRow blank{"", r.node, false};
    std::string whole = dump(file_json(blank));
    constexpr std::string_view k_key = "\"path\":\"\"";
    const std::size_t at = whole.find(k_key);
    if (at == std::string::npos) return dump(file_json(r));
    m_head = whole.substr(0, at + k_key.size() - 2);  // up to "path":
    m_tail = whole.substr(at + k_key.size());
    m_node = r.node.get();
  }
  return m_head + dump(json(r.path)) + m_tail;
}

json statistics_json(const Statistics& s) {
  json layouts = json::object();
  for (unsigned i = 0; i < s.by_layout.size(); ++i)
    layouts[erofs::layout_name(static_cast<erofs::Layout>(i))] = s.by_layout[i];
  return {{"files", s.files},           {"regular", s.regular},
          {"dirs", s.dirs},             {"symlinks", s.symlinks},
          {"chardevs", s.chardevs},     {"blockdevs", s.blockdevs},
          {"fifos", s.fifos},           {"sockets", s.sockets},
          {"compressed", s.compressed}, {"uncompressed", s.uncompressed},
          {"by_layout", layouts},       {"logical_bytes", s.logical_bytes},
          {"stored_bytes", s.stored_bytes}, {"logical_size_buckets", s.logical_sizes},
          {"stored_size_buckets", s.stored_sizes}};
}

json inode_detail_json(const InodeDetail& d) {
  const erofs::Inode& ino = d.inode;
  json xattrs = json::array();
  for (const auto& x : d.xattrs) {
    json e = {{"name", x->name}, {"shared", x->shared}};
    e.update(value_json(*x));
    xattrs.push_back(std::move(e));
  }
  json extents = json::array();
  for (const auto& e : d.extents)
    extents.push_back({{"logical", e.logical}, {"length", e.length}, {"physical", e.physical},
                       {"physical_length", e.physical_length}, {"device", e.device}, {"kind", e.kind}});
  json j = {{"nid", ino.nid},
            {"type", erofs::file_type_name(ino.type)},
            {"mode", ino.mode & 07777},
            {"uid", ino.uid},
            {"gid", ino.gid},
            {"size", ino.size},
            {"stored_bytes", d.stored_bytes},
            {"nlink", ino.nlink},
            {"mtime", ino.mtime},
            {"mtime_nsec", ino.mtime_nsec},
            {"inode_format", ino.extended ? "extended" : "compact"},
            {"inode_size", ino.inode_size},
            {"xattr_size", ino.xattr_isize},
            {"layout", erofs::layout_name(ino.layout)},
            {"xattrs", xattrs},
            {"extents", extents},
            {"extent_count", d.extent_count}};
  if (!d.path.empty()) j["path"] = d.path;
  return j;
}

void to_json(nlohmann::json& j, const Report& rep) {
  json files = json::array();
  for (const auto& f : rep.files) files.push_back(file_json(f));
  j = {{"schema_version", k_schema_version},
       {"superblock", super_json(rep.super)},
       {"shared_xattrs", shared_xattrs_json(rep)},
       {"files", files}};
}

}  // namespace core::inspect
