#include "core/container/container.hpp"

#include <sys/stat.h>

#include <cerrno>

#include <fmt/format.h>

#include "core/container/archive_index.hpp"
#include "core/container/node.hpp"
#include "core/container/oci.hpp"
#include "core/container/store.hpp"
#include "core/util/error.hpp"
#include "core/util/input_file.hpp"

namespace core::container {

namespace {

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

bool is_dir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

const char* spec_kind_name(SpecKind kind) {
  switch (kind) {
    case SpecKind::oci_layout: return "oci";
    case SpecKind::oci_archive: return "oci-archive";
    case SpecKind::docker_archive: return "docker-archive";
    case SpecKind::containerd_node: return "containerd";
  }
  return "?";
}

std::optional<ContainerSpec> parse_transport(std::string_view text) {
  static constexpr std::pair<std::string_view, SpecKind> k_transports[] = {
      {"oci:", SpecKind::oci_layout},
      {"oci-archive:", SpecKind::oci_archive},
      {"docker-archive:", SpecKind::docker_archive},
      {"containerd:", SpecKind::containerd_node},
  };
  for (const auto& [prefix, kind] : k_transports) {
    if (!text.starts_with(prefix)) continue;
    ContainerSpec spec;
    spec.kind = kind;
    spec.text = std::string(text);
    std::string rest(text.substr(prefix.size()));
    // PATH[:REF] as skopeo writes it; a path that exists as written wins over a split.
    const std::size_t colon = rest.find(':');
    if (kind != SpecKind::containerd_node && colon != std::string::npos && !exists(rest)) {
      spec.path = rest.substr(0, colon);
      spec.ref = rest.substr(colon + 1);
    } else {
      spec.path = rest;
    }
    if (spec.path.empty()) throw UsageError(fmt::format("{}: no path after \"{}\"", text, prefix));
    return spec;
  }
  return std::nullopt;
}

std::optional<ContainerSpec> detect(const std::string& path) {
  ContainerSpec spec;
  spec.path = path;
  spec.text = path;
  if (is_dir(path)) {
    if (exists(path + "/oci-layout") && exists(path + "/index.json")) {
      spec.kind = SpecKind::oci_layout;
      return spec;
    }
    return detect_node(path);
  }
  // Only an uncompressed tar can be an OCI or docker archive (compressed ones stay layer tars).
  util::check_input_kind(path, false);
  auto file = std::make_shared<util::MappedFile>(path);
  if (!ArchiveIndex::looks_like_tar(file->view().bytes(0, std::min<u64>(file->size(), 512)))) return std::nullopt;
  try {
    ArchiveIndex index(file);
    if (index.find("oci-layout") && index.find("index.json")) {
      spec.kind = SpecKind::oci_archive;
      return spec;
    }
    if (auto m = index.find("manifest.json")) {
      // A layer tar may hold a manifest.json of its own: a docker archive's is an array of
      // objects naming a Config.
      const auto j = read_json(*m, 16 << 20, path);
      if (j.is_array() && !j.empty() && j[0].is_object() && j[0].contains("Config")) {
        spec.kind = SpecKind::docker_archive;
        return spec;
      }
    }
  } catch (const Error&) {
    // Not indexable as an archive of blobs: scanned as a plain tar, whose reader says why.
  }
  return std::nullopt;
}

ContainerSet open(const ContainerSpec& spec, const OpenOptions& options) {
  if (spec.kind == SpecKind::containerd_node) return open_node(spec, options);
  return open_oci(spec, options);
}

void verify_layer(const Layer& layer, std::string_view what) {
  // A tar layer's diffID is checked as it is read (the uncompressed stream); a docker archive's
  // "<v1 id>/layer.tar" has no digest of its own.
  if (!layer.digest.empty()) check_digest(layer.blob, layer.digest, what);
}

}  // namespace core::container
