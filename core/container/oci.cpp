// OCI image layouts (a directory, or an OCI archive: the same in a tar) and docker archives
// (`docker save`): indexes, manifests and configs into images and distinct layers.
#include <sys/stat.h>

#include <cerrno>
#include <functional>
#include <optional>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "core/container/oci.hpp"
#include "core/container/store.hpp"
#include "core/util/error.hpp"
#include "core/util/sha256.hpp"

namespace core::container {

namespace {

using nlohmann::json;

constexpr std::string_view k_oci_index = "application/vnd.oci.image.index.v1+json";
constexpr std::string_view k_docker_list = "application/vnd.docker.distribution.manifest.list.v2+json";
constexpr std::string_view k_oci_manifest = "application/vnd.oci.image.manifest.v1+json";
constexpr std::string_view k_docker_manifest = "application/vnd.docker.distribution.manifest.v2+json";
constexpr std::string_view k_ref_name = "org.opencontainers.image.ref.name";

// A string member, "" if absent; a member of another type is an error.
std::string text(const json& j, const char* key, std::string_view what) {
  if (!j.is_object()) throw Error(fmt::format("{}: not a JSON object", what));
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  if (!it->is_string()) throw Error(fmt::format("{}: \"{}\" is not a string", what, key));
  return it->get<std::string>();
}

const json& array(const json& j, const char* key, std::string_view what) {
  static const json k_empty = json::array();
  if (!j.is_object()) throw Error(fmt::format("{}: not a JSON object", what));
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return k_empty;
  if (!it->is_array()) throw Error(fmt::format("{}: \"{}\" is not an array", what, key));
  return *it;
}

struct Platform {
  std::string os, arch, variant;
  std::string str() const { return variant.empty() ? fmt::format("{}/{}", os, arch) : fmt::format("{}/{}/{}", os, arch, variant); }
};

Platform parse_platform(std::string_view s) {
  Platform p;
  std::size_t a = s.find('/');
  p.os = std::string(s.substr(0, a));
  if (a != std::string_view::npos) {
    std::size_t b = s.find('/', a + 1);
    p.arch = std::string(s.substr(a + 1, b == std::string_view::npos ? std::string_view::npos : b - a - 1));
    if (b != std::string_view::npos) p.variant = std::string(s.substr(b + 1));
  }
  if (p.os.empty() || p.arch.empty()) throw UsageError(fmt::format("--platform {}: expected OS/ARCH[/VARIANT]", s));
  return p;
}

LayerFormat layer_format(std::string_view media_type, std::string_view what) {
  if (media_type.find("erofs") != std::string_view::npos) return LayerFormat::erofs;
  if (media_type.starts_with("application/vnd.oci.image.layer.") ||
      media_type.starts_with("application/vnd.docker.image.rootfs."))
    return LayerFormat::tar;
  throw Unsupported(fmt::format("{}: media type {} is not a filesystem layer", what, media_type));
}

class Reader {
public:
  Reader(const ContainerSpec& spec, const OpenOptions& options, const Store& store, ContainerSet& out)
      : m_spec(spec), m_opt(options), m_store(store), m_out(out), m_platform(parse_platform(options.platform)) {
    m_base = fmt::format("{}:{}", spec_kind_name(spec.kind), spec.path);
  }

  void read_oci() {
    const Blob layout = m_store.require("oci-layout", m_base);
    const json lj = read_json(layout, m_opt.limits.max_json_bytes, m_base + ": oci-layout");
    const std::string version = text(lj, "imageLayoutVersion", m_base + ": oci-layout");
    if (version.empty()) throw Error(fmt::format("{}: oci-layout has no imageLayoutVersion", m_base));
    const json index = read_json(m_store.require("index.json", m_base), m_opt.limits.max_json_bytes,
                                 m_base + ": index.json");
    bool matched_ref = false;
    read_index(index, m_base + ": index.json", 0, [&](const json& d) {
      if (m_spec.ref.empty()) return true;
      if (!d.contains("annotations") || !d["annotations"].is_object()) return false;
      const bool hit = text(d["annotations"], k_ref_name.data(), "annotations") == m_spec.ref;
      matched_ref = matched_ref || hit;
      return hit;
    });
    if (!m_spec.ref.empty() && !matched_ref)
      throw UsageError(fmt::format("{}: no image has the ref name {}", m_base, m_spec.ref));
    finish();
  }

  void read_docker() {
    const json manifest = read_json(m_store.require("manifest.json", m_base), m_opt.limits.max_json_bytes,
                                    m_base + ": manifest.json");
    if (!manifest.is_array()) throw Error(fmt::format("{}: manifest.json is not a JSON array", m_base));
    for (std::size_t i = 0; i < manifest.size(); ++i) {
      const json& m = manifest[i];
      const std::string what = fmt::format("{}: manifest.json[{}]", m_base, i);
      const json& tags = array(m, "RepoTags", what);
      std::string tag = !tags.empty() && tags[0].is_string() ? tags[0].get<std::string>() : "";
      if (!m_spec.ref.empty()) {
        bool hit = false;
        for (const json& t : tags) hit = hit || (t.is_string() && t.get<std::string>() == m_spec.ref);
        if (!hit) continue;
        tag = m_spec.ref;
      }
      const std::string config_name = text(m, "Config", what);
      if (config_name.empty()) throw Error(fmt::format("{}: no Config", what));
      const json config = read_json(m_store.require(config_name, what), m_opt.limits.max_json_bytes,
                                    fmt::format("{}: config {}", what, config_name));
      const std::string name = tag.empty() ? fmt::format("{}#{}", m_base, i) : fmt::format("{}:{}", m_base, tag);
      std::vector<LayerDesc> layers;
      for (const json& l : array(m, "Layers", what)) {
        if (!l.is_string()) throw Error(fmt::format("{}: a Layers entry is not a string", what));
        LayerDesc d;
        d.member = l.get<std::string>();
        const std::string base = d.member.substr(d.member.rfind('/') + 1);
        // "blobs/sha256/<hex>" and "<hex>.tar" name the blob by digest; "<v1 id>/layer.tar" does not.
        if (d.member.starts_with("blobs/sha256/")) d.digest = "sha256:" + base;
        else if (base.size() == 68 && base.ends_with(".tar")) d.digest = "sha256:" + base.substr(0, 64);
        layers.push_back(std::move(d));
      }
      const std::string cwhat = fmt::format("{}: config {}", what, config_name);
      if (!matches(config, cwhat)) continue;
      add_image(name, config, cwhat, layers);
    }
    if (!m_spec.ref.empty() && m_out.images.empty())
      throw UsageError(fmt::format("{}: no image is tagged {}", m_base, m_spec.ref));
    finish();
  }

private:
  struct LayerDesc {
    std::string member;      // docker: the member name
    std::string digest;      // the blob digest, if known
    std::string media_type;
    std::optional<u64> size;  // the descriptor's size, if it gives one
  };

  // `take` selects entries of the top index (a ref name); nested indexes take every entry.
  void read_index(const json& index, const std::string& what, u32 depth, const std::function<bool(const json&)>& take) {
    if (depth > m_opt.limits.max_index_depth)
      throw Error(fmt::format("{}: indexes nested deeper than {}", what, m_opt.limits.max_index_depth));
    const json& manifests = array(index, "manifests", what);
    for (std::size_t i = 0; i < manifests.size(); ++i) {
      const json& d = manifests[i];
      const std::string dwhat = fmt::format("{}: manifests[{}]", what, i);
      if (!take(d)) continue;
      if (d.contains("platform") && d["platform"].is_object()) {
        const json& p = d["platform"];
        Platform have{text(p, "os", dwhat), text(p, "architecture", dwhat), text(p, "variant", dwhat)};
        if (have.os == "unknown" || have.arch == "unknown") continue;  // attestations (buildx)
        if (have.os != m_platform.os || have.arch != m_platform.arch ||
            (!m_platform.variant.empty() && have.variant != m_platform.variant)) {
          m_other_platforms.insert(have.str());
          continue;
        }
      }
      const std::string digest = text(d, "digest", dwhat);
      const std::string media = text(d, "mediaType", dwhat);
      const Blob blob = m_store.require(blob_name(digest, dwhat), dwhat);
      check_size(d, blob, dwhat);
      if (m_opt.verify_digests) check_digest(blob, digest, dwhat);
      const std::string bwhat = fmt::format("{} ({})", dwhat, short_digest(digest));
      const json doc = read_json(blob, m_opt.limits.max_json_bytes, bwhat);
      const std::string doc_media = media.empty() ? text(doc, "mediaType", bwhat) : media;
      if (doc_media == k_oci_index || doc_media == k_docker_list || (doc_media.empty() && doc.contains("manifests"))) {
        read_index(doc, bwhat, depth + 1, [](const json&) { return true; });
        continue;
      }
      if (!doc_media.empty() && doc_media != k_oci_manifest && doc_media != k_docker_manifest)
        throw Unsupported(fmt::format("{}: media type {} is not an image manifest or index", bwhat, doc_media));
      if (!m_manifests.insert(digest).second) continue;  // the same image under another name
      std::string ref;
      if (d.contains("annotations") && d["annotations"].is_object()) ref = text(d["annotations"], k_ref_name.data(), dwhat);
      if (!m_spec.ref.empty()) ref = m_spec.ref;
      const std::string name = ref.empty() ? fmt::format("{}@{}", m_base, short_digest(digest)) : fmt::format("{}:{}", m_base, ref);
      read_manifest(doc, bwhat, name, d.contains("platform") && d["platform"].is_object());
    }
  }

  void read_manifest(const json& m, const std::string& what, const std::string& name, bool platform_chosen) {
    if (!m.is_object() || !m.contains("config") || !m["config"].is_object())
      throw Error(fmt::format("{}: the manifest has no config", what));
    const std::string cdigest = text(m["config"], "digest", what + ": config");
    const std::string cwhat = fmt::format("{}: config {}", what, short_digest(cdigest));
    const Blob cblob = m_store.require(blob_name(cdigest, cwhat), cwhat);
    check_size(m["config"], cblob, cwhat);
    if (m_opt.verify_digests) check_digest(cblob, cdigest, cwhat);
    const json config = read_json(cblob, m_opt.limits.max_json_bytes, cwhat);
    // An index entry without a platform: the config says which it is.
    if (!platform_chosen && !matches(config, cwhat)) return;
    std::vector<LayerDesc> layers;
    const json& ls = array(m, "layers", what);
    for (std::size_t i = 0; i < ls.size(); ++i) {
      const std::string lwhat = fmt::format("{}: layers[{}]", what, i);
      LayerDesc d;
      d.digest = text(ls[i], "digest", lwhat);
      d.media_type = text(ls[i], "mediaType", lwhat);
      if (ls[i].contains("size")) {
        if (!ls[i]["size"].is_number_unsigned()) throw Error(fmt::format("{}: \"size\" is not a byte count", lwhat));
        d.size = ls[i]["size"].get<u64>();
      }
      d.member = blob_name(d.digest, lwhat);
      layers.push_back(std::move(d));
    }
    add_image(name, config, cwhat, layers);
  }

  void add_image(const std::string& name, const json& config, const std::string& cwhat,
                 const std::vector<LayerDesc>& layers) {
    const json rootfs = config.is_object() && config.contains("rootfs") ? config["rootfs"] : json::object();
    const json& diff_ids = array(rootfs, "diff_ids", cwhat + ": rootfs");
    ContainerImage image;
    image.name = name;
    const std::string os = text(config, "os", cwhat), arch = text(config, "architecture", cwhat);
    if (!os.empty() && !arch.empty()) image.platform = Platform{os, arch, text(config, "variant", cwhat)}.str();
    // diff_ids has one entry per layer (or, in some writers, per tar layer only).
    std::size_t tars = 0;
    for (const LayerDesc& d : layers) tars += d.media_type.find("erofs") == std::string::npos;
    const bool per_layer = diff_ids.size() == layers.size();
    if (!per_layer && diff_ids.size() != tars)
      throw Error(fmt::format("{}: {} diff_ids for {} layers", cwhat, diff_ids.size(), layers.size()));
    std::size_t tar_index = 0;
    std::string chain;  // the chain ID of the layers so far
    for (std::size_t i = 0; i < layers.size(); ++i) {
      const LayerDesc& d = layers[i];
      const std::string lwhat = fmt::format("{}: layer {} ({})", name, i, d.digest.empty() ? d.member : short_digest(d.digest));
      Blob blob = m_store.require(d.member, lwhat);
      if (d.size && blob.size != *d.size)
        throw Error(fmt::format("{}: the descriptor says {} bytes, the blob has {}", lwhat, *d.size, blob.size));
      const LayerFormat format = d.media_type.empty() ? sniff(blob) : layer_format(d.media_type, lwhat);
      std::string diff_id;
      if (format == LayerFormat::tar || per_layer) {
        const std::size_t k = per_layer ? i : tar_index;
        if (k >= diff_ids.size() || !diff_ids[k].is_string())
          throw Error(fmt::format("{}: the config has no diff_id for it", lwhat));
        diff_id = diff_ids[k].get<std::string>();
        blob_name(diff_id, lwhat + ": diff_id");  // checks its form
      }
      if (format == LayerFormat::tar) ++tar_index;
      if (format == LayerFormat::erofs && d.digest.empty())
        throw Error(fmt::format("{}: an EROFS layer without a digest", lwhat));
      // containerd unpacks one snapshot per chain ID (the layer and every layer below it): an
      // identical layer over other parents is converted and mounted again. An EROFS layer takes
      // part by its blob digest.
      const std::string own = format == LayerFormat::erofs ? d.digest : diff_id;
      chain = chain.empty() ? own : "sha256:" + util::to_hex(util::sha256(as_bytes(chain + " " + own)));
      auto [it, fresh] = m_by_id.try_emplace(chain, static_cast<u32>(m_out.layers.size()));
      if (fresh) {
        Layer layer;
        layer.id = chain;
        layer.diff_id = format == LayerFormat::tar ? diff_id : "";
        layer.digest = d.digest;
        layer.media_type = d.media_type;
        layer.format = format;
        layer.blob = std::move(blob);
        layer.name = fmt::format("{}@{}", m_base, short_digest(own));
        layer.first_use = fmt::format("image {}, layer {}", name, i);
        m_out.layers.push_back(std::move(layer));
      }
      image.layers.push_back(it->second);
    }
    m_out.images.push_back(std::move(image));
  }

  // A docker archive names no media types: an EROFS superblock, else a tar (plain or compressed).
  static LayerFormat sniff(const Blob& blob) {
    const auto b = blob.bytes();
    if (b.size() >= 1028 && b[1024] == 0xe2 && b[1025] == 0xe1 && b[1026] == 0xf5 && b[1027] == 0xe0)
      return LayerFormat::erofs;
    return LayerFormat::tar;
  }

  void finish() {
    if (!m_out.images.empty()) return;
    if (!m_other_platforms.empty()) {
      std::string avail;
      for (const std::string& p : m_other_platforms) avail += (avail.empty() ? "" : ", ") + p;
      throw UsageError(fmt::format("{}: no image for platform {} (there are: {}; see --platform)", m_base,
                                   m_platform.str(), avail));
    }
    throw UsageError(fmt::format("{}: holds no image", m_base));
  }

  // True if a config's os/architecture[/variant] (where it names them) is the chosen platform;
  // else the platform is recorded for the "no image for platform" message.
  bool matches(const json& config, const std::string& what) {
    const std::string os = text(config, "os", what), arch = text(config, "architecture", what);
    if (os.empty() || arch.empty()) return true;
    const Platform have{os, arch, text(config, "variant", what)};
    if (have.os == m_platform.os && have.arch == m_platform.arch &&
        (m_platform.variant.empty() || have.variant == m_platform.variant))
      return true;
    m_other_platforms.insert(have.str());
    return false;
  }

  // A descriptor's "size", where it has one, is the blob's.
  static void check_size(const json& desc, const Blob& blob, const std::string& what) {
    if (!desc.is_object() || !desc.contains("size")) return;
    if (!desc["size"].is_number_unsigned()) throw Error(fmt::format("{}: \"size\" is not a byte count", what));
    if (desc["size"].get<u64>() != blob.size)
      throw Error(fmt::format("{}: the descriptor says {} bytes, the blob has {}", what, desc["size"].get<u64>(), blob.size));
  }

  static std::span<const u8> as_bytes(const std::string& s) { return {reinterpret_cast<const u8*>(s.data()), s.size()}; }

  static std::string short_digest(std::string_view digest) { return std::string(digest.substr(0, 19)); }

  const ContainerSpec& m_spec;
  const OpenOptions& m_opt;
  const Store& m_store;
  ContainerSet& m_out;
  Platform m_platform;
  std::string m_base;
  std::unordered_map<std::string, u32> m_by_id;
  std::set<std::string> m_manifests;
  std::set<std::string> m_other_platforms;
};

}  // namespace

ContainerSet open_oci(const ContainerSpec& spec, const OpenOptions& options) {
  ContainerSet out;
  out.spec = spec;
  struct stat st {};
  if (::stat(spec.path.c_str(), &st) != 0) throw IoError(spec.path, "stat", errno);
  if (spec.kind == SpecKind::oci_layout) {
    if (!S_ISDIR(st.st_mode)) throw UsageError(fmt::format("{}: not a directory (an OCI layout is one)", spec.path));
    auto store = open_directory_store(spec.path);
    Reader(spec, options, *store, out).read_oci();
  } else if (spec.kind == SpecKind::oci_archive) {
    auto store = open_archive_store(spec.path);
    Reader(spec, options, *store, out).read_oci();
  } else {
    auto store = open_archive_store(spec.path);
    Reader(spec, options, *store, out).read_docker();
  }
  out.images_from = "the image's own manifests";
  return out;
}

}  // namespace core::container
