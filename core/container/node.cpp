// containerd nodes (node.hpp): the EROFS snapshotter's layer blobs, and the images containerd's
// metadata says use them. Layout and naming facts: containerd 2.1 plugins/snapshots/erofs,
// plugins/diff/erofs (the -U uuid), core/metadata/buckets.go (v1/<ns>/images/<name>/target).
#include "core/container/node.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include "core/container/bbolt.hpp"
#include "core/erofs/ondisk.hpp"
#include "core/util/error.hpp"
#include "core/util/sha256.hpp"

namespace core::container {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

Where in_detail(std::string detail) {
  Where w;
  w.detail = std::move(detail);
  return w;
}

constexpr const char* k_meta_db = "io.containerd.metadata.v1.bolt/meta.db";
constexpr const char* k_content = "io.containerd.content.v1.content/blobs/sha256/";
constexpr u64 k_sb_offset = 1024;

// stat() that says "absent" with false and throws IoError for anything else.
bool stat_path(const std::string& path, struct stat& st) {
  if (::stat(path.c_str(), &st) == 0) return true;
  if (errno == ENOENT || errno == ENOTDIR) return false;
  throw IoError(path, "stat", errno);
}

bool is_dir(const std::string& path) {
  struct stat st {};
  return stat_path(path, st) && S_ISDIR(st.st_mode);
}

bool is_file(const std::string& path) {
  struct stat st {};
  return stat_path(path, st) && S_ISREG(st.st_mode);
}

// "sha256:<64 lower-case hex>" or CorruptImage: the digest names a file in the content store.
std::string checked_hex(const std::string& digest, const std::string& where) {
  const std::string_view prefix = "sha256:";
  bool ok = digest.size() == prefix.size() + 64 && digest.starts_with(prefix);
  for (std::size_t i = prefix.size(); ok && i < digest.size(); ++i)
    ok = (digest[i] >= '0' && digest[i] <= '9') || (digest[i] >= 'a' && digest[i] <= 'f');
  if (!ok) throw CorruptImage("not a sha256 digest: \"" + digest + "\"", in_detail(where));
  return digest.substr(prefix.size());
}

struct NodeLayer {
  Layer layer;
  std::optional<std::array<u8, 16>> uuid;  // the superblock's, if the blob is EROFS
};

struct NodeScan {
  std::vector<NodeLayer> blobs;                              // distinct layer.erofs, by snapshot id
  std::map<std::string, std::size_t> blob_of;                // snapshot id -> index in blobs
  std::vector<std::pair<std::string, std::string>> fsmetas;  // snapshot id, non-empty fsmeta.erofs
};

// Every snapshots/<id>/layer.erofs once, in numeric snapshot-id order.
NodeScan scan_layers(const std::string& snapdir) {
  const std::string snaps = snapdir + "/snapshots";
  std::vector<std::pair<u64, std::string>> ids;
  std::error_code ec;
  for (fs::directory_iterator it(snaps, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    // containerd names snapshots 1, 2, ...: sort by number, anything else after them by name
    u64 n = 0;
    bool numeric = !name.empty() && name.size() < 20;
    for (char c : name) {
      if (c < '0' || c > '9') numeric = false;
      n = n * 10 + u64(c - '0');
    }
    ids.emplace_back(numeric ? n : ~u64(0), name);
  }
  if (ec) throw IoError(snaps, "read directory", ec.value());
  std::sort(ids.begin(), ids.end());

  NodeScan out;
  std::map<std::pair<dev_t, ino_t>, std::size_t> seen;
  for (const auto& [n, name] : ids) {
    const std::string dir = snaps + "/" + name;
    struct stat st {};
    if (stat_path(dir + "/fsmeta.erofs", st) && S_ISREG(st.st_mode) && st.st_size > 0)
      out.fsmetas.emplace_back(name, dir + "/fsmeta.erofs");  // an empty one is a placeholder
    const std::string path = dir + "/layer.erofs";
    if (!stat_path(path, st) || !S_ISREG(st.st_mode)) continue;
    const auto [it, fresh] = seen.emplace(std::pair<dev_t, ino_t>{st.st_dev, st.st_ino}, out.blobs.size());
    out.blob_of[name] = it->second;
    if (!fresh) continue;  // another name of a blob already read
    const std::string real = fs::canonical(path, ec).string();
    NodeLayer nl;
    Layer& l = nl.layer;
    l.format = LayerFormat::erofs;
    l.blob.file = std::make_shared<const util::MappedFile>(ec ? path : real);
    l.blob.size = l.blob.file->size();
    l.blob.where = l.blob.file->path();
    l.id = path;
    l.name = path;
    const util::ByteView v = l.blob.file->view();
    if (v.contains(k_sb_offset, sizeof(erofs::ondisk::SuperBlock)) &&
        v.read<u32>(k_sb_offset) == erofs::ondisk::k_super_magic) {
      std::array<u8, 16> u{};
      std::memcpy(u.data(), v.bytes(k_sb_offset + offsetof(erofs::ondisk::SuperBlock, uuid), 16).data(), 16);
      nl.uuid = u;
    }
    out.blobs.push_back(std::move(nl));
  }
  return out;
}

// The snapshotter's metadata.db (core/snapshots/storage/bolt.go): v1/snapshots/<key> holds
// "id" (uvarint) and "parent" (the parent's key). Returns snapshot id -> parent id ("" = none).
std::map<std::string, std::string> snapshot_parents(const std::string& snapdir) {
  std::map<std::string, std::string> parent_of;
  const std::string db = snapdir + "/metadata.db";
  if (!is_file(db)) return parent_of;
  util::MappedFile file(db);
  BoltFile bolt(file.view(), "metadata.db");
  std::optional<BoltFile::Bucket> snaps = bolt.bucket({"v1", "snapshots"});
  if (!snaps) return parent_of;
  std::map<std::string, std::string> id_of_key, parent_key;
  bolt.for_each(*snaps, [&](const BoltFile::Entry& e) {
    if (!e.is_bucket) return;
    const BoltFile::Bucket b = bolt.child(*snaps, e);
    std::optional<std::span<const u8>> id = bolt.value(b, "id");
    if (!id)
      throw CorruptImage("snapshot without an id", in_detail("metadata.db, snapshot " + std::string(e.key_text())));
    u64 v = 0;
    std::size_t i = 0;
    for (; i < id->size() && i < 10; ++i) {
      v |= u64((*id)[i] & 0x7f) << (7 * i);
      if (((*id)[i] & 0x80) == 0) break;
    }
    if (i >= id->size() || i >= 10)
      throw CorruptImage("bad snapshot id varint", in_detail("metadata.db, snapshot " + std::string(e.key_text())));
    id_of_key[std::string(e.key_text())] = std::to_string(v);
    if (std::optional<std::span<const u8>> p = bolt.value(b, "parent"))
      parent_key[std::string(e.key_text())] = std::string(p->begin(), p->end());
  });
  for (const auto& [key, id] : id_of_key) {
    auto p = parent_key.find(key);
    auto pid = p == parent_key.end() ? id_of_key.end() : id_of_key.find(p->second);
    parent_of[id] = pid == id_of_key.end() ? "" : pid->second;
  }
  return parent_of;
}

// A merged fsmeta.erofs (containerd 2.3: `mkfs.erofs --aufs --ovlfs-strip=1` of the chain's
// blobs, bottom first) as an EROFS layer whose devices are its chain's layer.erofs.
Layer fsmeta_layer(const NodeScan& scan, const std::map<std::string, std::string>& parent_of, const std::string& id,
                   const std::string& path) {
  std::vector<std::string> chain;  // top first
  for (std::string cur = id; !cur.empty();) {
    if (chain.size() > parent_of.size())
      throw CorruptImage("snapshot parents form a cycle", in_detail("metadata.db, snapshot id " + id));
    chain.push_back(cur);
    auto p = parent_of.find(cur);
    cur = p == parent_of.end() ? "" : p->second;
  }
  Layer l;
  l.format = LayerFormat::erofs;
  l.blob.file = std::make_shared<const util::MappedFile>(path);
  l.blob.size = l.blob.file->size();
  l.blob.where = path;
  l.id = path;
  l.name = path;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    auto b = scan.blob_of.find(*it);
    if (b == scan.blob_of.end())
      throw CorruptImage("the chain of " + path + " has no layer.erofs in snapshot " + *it, in_detail("metadata.db"));
    l.devices.push_back(scan.blobs[b->second].layer.blob);
  }
  return l;
}

// Reads containerd's content store.
class ContentStore {
public:
  ContentStore(std::string dir, const OpenOptions& options) : m_dir(std::move(dir)), m_opt(options) {}

  json read_json(const std::string& digest, const std::string& what) const {
    const std::string hex = checked_hex(digest, what);
    const std::string path = m_dir + hex;
    const Where ctx = in_detail(what + " blobs/sha256/" + hex);
    if (!is_file(path)) throw CorruptImage("missing blob in the content store", ctx);
    util::MappedFile f(path);
    if (f.size() > m_opt.limits.max_json_bytes)
      throw CorruptImage(
          fmt::format("{} bytes of JSON, more than the limit of {}", f.size(), m_opt.limits.max_json_bytes), ctx);
    const std::span<const u8> b = f.view().bytes(0, f.size());
    if (m_opt.verify_digests && util::to_hex(util::sha256(b)) != hex)
      throw CorruptImage("blob does not match its digest", ctx);
    json j = json::parse(b.begin(), b.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw CorruptImage("not a JSON object", ctx);
    return j;
  }

private:
  std::string m_dir;
  const OpenOptions& m_opt;
};

std::string str_field(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool platform_matches(const json& p, const std::string& want) {
  const std::string os = str_field(p, "os"), arch = str_field(p, "architecture");
  const std::string variant = str_field(p, "variant");
  std::string have = os + "/" + arch;
  if (want == have) return true;
  return !variant.empty() && want == have + "/" + variant;
}

struct Resolved {
  json manifest;
  std::string platform;
};

// Follows indexes from `digest` to the one manifest for the platform.
std::optional<Resolved> resolve(const ContentStore& cs, const std::string& digest, const OpenOptions& opt,
                                const std::string& where) {
  std::string d = digest, platform;
  for (u32 depth = 0;; ++depth) {
    if (depth > opt.limits.max_index_depth)
      throw CorruptImage(fmt::format("indexes nested deeper than {}", opt.limits.max_index_depth), in_detail(where));
    json j = cs.read_json(d, where);
    auto layers = j.find("layers");
    if (layers != j.end()) {
      if (!layers->is_array()) throw CorruptImage("manifest layers are not an array", in_detail(where + " " + d));
      return Resolved{std::move(j), platform};
    }
    auto ms = j.find("manifests");
    if (ms == j.end() || !ms->is_array())
      throw CorruptImage("neither a manifest nor an index", in_detail(where + " " + d));
    std::string next;
    for (const json& m : *ms) {
      auto p = m.find("platform");
      if (m.is_object() && p != m.end() && p->is_object() && platform_matches(*p, opt.platform)) {
        next = str_field(m, "digest");
        platform = opt.platform;
        break;
      }
    }
    if (next.empty()) return std::nullopt;  // nothing for this platform
    d = next;
  }
}

// One image of meta.db: its layers as diffIDs, each with the UUID candidates of its blob.
struct NodeImage {
  std::string name, platform;
  std::vector<std::string> diff_ids;
  std::vector<std::string> blob_digests;
};

std::vector<NodeImage> read_images(const std::string& root, const std::string& input, const OpenOptions& opt) {
  std::vector<NodeImage> out;
  const std::string db = root + "/" + k_meta_db;
  if (!is_file(db)) return out;
  util::MappedFile file(db);
  BoltFile bolt(file.view(), "meta.db");
  const ContentStore cs(root + "/" + k_content, opt);
  std::optional<BoltFile::Bucket> v1 = bolt.bucket({"v1"});
  if (!v1) return out;
  bolt.for_each(*v1, [&](const BoltFile::Entry& ns_entry) {
    if (!ns_entry.is_bucket) return;
    const std::string ns(ns_entry.key_text());
    std::optional<BoltFile::Bucket> imgs = bolt.bucket(bolt.child(*v1, ns_entry), {"images"});
    if (!imgs) return;
    bolt.for_each(*imgs, [&](const BoltFile::Entry& img) {
      if (!img.is_bucket) return;
      const std::string name(img.key_text());
      const std::string where = "image " + name;
      std::optional<BoltFile::Bucket> target = bolt.bucket(bolt.child(*imgs, img), {"target"});
      std::optional<std::span<const u8>> dg = target ? bolt.value(*target, "digest") : std::nullopt;
      if (!dg) throw CorruptImage("image without a target digest in meta.db", in_detail(where));
      std::optional<Resolved> r = resolve(cs, std::string(dg->begin(), dg->end()), opt, where);
      if (!r) return;  // no manifest for the platform: not an image of this set
      const json& m = r->manifest;
      const std::string config =
          m.contains("config") && m["config"].is_object() ? str_field(m["config"], "digest") : "";
      const json cfg = cs.read_json(config, where + " config");
      NodeImage ni;
      ni.name = input + ":" + (ns == "default" ? name : ns + "/" + name);
      ni.platform = r->platform.empty() ? str_field(cfg, "os") + "/" + str_field(cfg, "architecture") : r->platform;
      auto rootfs = cfg.find("rootfs");
      if (rootfs == cfg.end() || !rootfs->is_object() || !rootfs->contains("diff_ids") ||
          !(*rootfs)["diff_ids"].is_array())
        throw CorruptImage("config without rootfs.diff_ids", in_detail(where + " " + config));
      for (const json& d : (*rootfs)["diff_ids"])
        ni.diff_ids.push_back(d.is_string() ? d.get<std::string>() : std::string());
      for (const json& l : m["layers"]) ni.blob_digests.push_back(l.is_object() ? str_field(l, "digest") : "");
      if (ni.diff_ids.size() != ni.blob_digests.size())
        throw CorruptImage(fmt::format("{} layers in the manifest, {} diff_ids in the config", ni.blob_digests.size(),
                                       ni.diff_ids.size()),
                           in_detail(where));
      for (const std::string& d : ni.diff_ids) checked_hex(d, where + " diff_id");
      out.push_back(std::move(ni));
    });
  });
  return out;
}

}  // namespace

std::array<u8, 16> erofs_layer_uuid(std::string_view digest) {
  // RFC 4122 namespace URL, 6ba7b811-9dad-11d1-80b4-00c04fd430c8
  static constexpr u8 k_ns_url[16] = {0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1,
                                      0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8};
  std::string data(reinterpret_cast<const char*>(k_ns_url), 16);
  data += "erofs:blobs/";
  data += digest;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha1(), nullptr) != 1 || len < 16)
    throw Error("OpenSSL cannot compute SHA-1");
  std::array<u8, 16> u{};
  std::memcpy(u.data(), md, 16);
  u[6] = u8((u[6] & 0x0f) | 0x50);
  u[8] = u8((u[8] & 0x3f) | 0x80);
  return u;
}

std::optional<ContainerSpec> detect_node(const std::string& path) {
  if (!is_dir(path)) return std::nullopt;
  const bool root = is_dir(path + "/" + k_erofs_snapshotter_dir);
  if (!root && !(is_dir(path + "/snapshots") && is_file(path + "/metadata.db"))) return std::nullopt;
  return ContainerSpec{SpecKind::containerd_node, path, "", path};
}

ContainerSet open_node(const ContainerSpec& spec, const OpenOptions& options) {
  std::string root, snapdir;
  if (is_dir(spec.path + "/" + k_erofs_snapshotter_dir)) {
    root = spec.path;
    snapdir = spec.path + "/" + k_erofs_snapshotter_dir;
  } else if (is_dir(spec.path + "/snapshots") && is_file(spec.path + "/metadata.db")) {
    snapdir = spec.path;
  } else {
    throw UsageError(spec.path + ": not a containerd root (no " + k_erofs_snapshotter_dir +
                     "/) nor an EROFS snapshotter directory (no snapshots/ and metadata.db)");
  }
  NodeScan scan = scan_layers(snapdir);
  std::vector<NodeLayer>& blobs = scan.blobs;
  const std::string input = spec.text.empty() ? spec.path : spec.text;
  std::vector<NodeImage> images = root.empty() ? std::vector<NodeImage>{} : read_images(root, input, options);

  ContainerSet set;
  set.spec = spec;
  std::vector<int> index(blobs.size(), -1);  // blob -> index in set.layers
  auto find_blob = [&](const std::string& digest) -> int {
    const std::array<u8, 16> u = erofs_layer_uuid(digest);
    for (std::size_t i = 0; i < blobs.size(); ++i)
      if (blobs[i].uuid && *blobs[i].uuid == u) return int(i);
    return -1;
  };
  for (const NodeImage& ni : images) {
    ContainerImage ci{ni.name, ni.platform, {}};
    bool complete = true;
    for (std::size_t k = 0; k < ni.diff_ids.size() && complete; ++k) {
      int b = find_blob(ni.blob_digests[k]);
      if (b < 0) b = find_blob(ni.diff_ids[k]);
      if (b < 0) {
        complete = false;  // not unpacked into the EROFS snapshotter (another snapshotter's image)
        break;
      }
      if (index[b] < 0) {
        index[b] = int(set.layers.size());
        Layer l = blobs[b].layer;
        l.id = ni.diff_ids[k];
        set.layers.push_back(std::move(l));
      }
      ci.layers.push_back(u32(index[b]));
    }
    if (complete) set.images.push_back(std::move(ci));
  }
  for (std::size_t i = 0; i < blobs.size(); ++i)
    if (index[i] < 0) set.layers.push_back(blobs[i].layer);
  if (!scan.fsmetas.empty()) {
    const std::map<std::string, std::string> parent_of = snapshot_parents(snapdir);
    for (const auto& [id, path] : scan.fsmetas) set.layers.push_back(fsmeta_layer(scan, parent_of, id, path));
  }
  set.images_from = set.images.empty() ? "" : k_node_images_from;
  return set;
}

}  // namespace core::container
