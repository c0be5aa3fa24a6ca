#include "core/container/erofs_inputs.hpp"

#include <sys/stat.h>

#include <fmt/format.h>

#include "core/util/error.hpp"

namespace core::container {

namespace {

bool is_dir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::string_view without_algorithm(std::string_view digest) {
  if (digest.starts_with("sha256:")) digest.remove_prefix(7);
  return digest;
}

bool matches(const Layer& layer, std::string_view prefix) {
  if (prefix.empty()) return false;
  for (std::string_view key : {std::string_view(layer.digest), std::string_view(layer.id)}) {
    if (key.empty()) continue;
    if (key.starts_with(prefix) || without_algorithm(key).starts_with(without_algorithm(prefix))) return true;
  }
  return layer.name.starts_with(prefix);
}

// "A (erofs), B (tar, skipped)": every layer, for the user to pick one.
std::string layer_list(const ErofsInputs& in) {
  std::string s;
  for (const ErofsLayer& l : in.layers) s += (s.empty() ? "" : ", ") + l.layer.name + " (erofs)";
  for (const SkippedLayer& l : in.skipped) s += (s.empty() ? "" : ", ") + l.name + " (tar, skipped)";
  return s;
}

std::string plural(std::size_t n, const char* word) { return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s"); }

}  // namespace

GuardedPath guarded_path(std::string_view text) {
  if (auto spec = parse_transport(text)) return {spec->path, true};
  std::string path(text);
  const bool tree = is_dir(path) && detect(path).has_value();
  return {std::move(path), tree};
}

std::optional<ContainerSpec> container_input(const std::string& text) {
  if (auto spec = parse_transport(text)) return spec;
  if (!exists(text)) return std::nullopt;
  return detect(text);
}

ErofsInputs open_erofs_inputs(const ContainerSpec& spec, const OpenOptions& options) {
  ContainerSet set = open(spec, options);
  ErofsInputs out;
  out.spec = set.spec;
  std::vector<std::vector<std::string>> users(set.layers.size());
  for (const ContainerImage& image : set.images) {
    out.images.push_back(image.name);
    for (u32 l : image.layers)
      if (l < users.size() && (users[l].empty() || users[l].back() != image.name)) users[l].push_back(image.name);
  }
  for (std::size_t i = 0; i < set.layers.size(); ++i) {
    Layer& layer = set.layers[i];
    if (layer.format == LayerFormat::tar) {
      out.skipped.push_back({layer.name, layer.id, std::string(k_tar_layer_skipped)});
      continue;
    }
    out.layers.push_back({std::move(layer), std::move(users[i])});
  }
  return out;
}

void verify(const ErofsLayer& layer) { verify_layer(layer.layer, layer.layer.name); }

std::string no_erofs_layers(const ErofsInputs& in) {
  return fmt::format("{}: no EROFS layers ({}: build them with erofs-share build --tar, or scan them)", in.spec.text,
                     plural(in.skipped.size(), "tar layer"));
}

const ErofsLayer& choose_layer(const ErofsInputs& in, std::string_view prefix) {
  if (in.layers.empty()) throw UsageError(no_erofs_layers(in));
  if (prefix.empty()) {
    if (in.layers.size() == 1) return in.layers.front();
    throw UsageError(fmt::format("{} holds {}: choose one with --layer DIGEST-PREFIX ({})", in.spec.text,
                                 plural(in.layers.size(), "EROFS layer"), layer_list(in)));
  }
  const ErofsLayer* found = nullptr;
  std::size_t n = 0;
  for (const ErofsLayer& l : in.layers) {
    if (!matches(l.layer, prefix)) continue;
    found = &l;
    ++n;
  }
  if (n == 1) return *found;
  if (n == 0) {
    for (const SkippedLayer& s : in.skipped)
      if (without_algorithm(s.id).starts_with(without_algorithm(prefix)))
        throw UsageError(fmt::format("--layer {}: {} is {}", prefix, s.name, s.reason));
  }
  throw UsageError(fmt::format("--layer {}: {} of {} ({})", prefix,
                               n == 0 ? "matches no EROFS layer" : fmt::format("matches {} EROFS layers", n),
                               in.spec.text, layer_list(in)));
}

}  // namespace core::container
