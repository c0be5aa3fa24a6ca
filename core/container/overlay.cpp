// The overlay view: which entries of each layer a container's root filesystem shows.
#include "core/container/overlay.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/util/error.hpp"

namespace core::container {

namespace {

constexpr std::string_view k_whiteout_prefix = ".wh.";
constexpr std::string_view k_opaque_marker = ".wh..wh..opq";

// The directory holding `path` ("/" for "/x" and for a name without a slash).
std::string_view parent_of(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string_view::npos || slash == 0) return "/";
  return path.substr(0, slash);
}

// The last component of `path`.
std::string_view base_of(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::optional<Whiteout> parse_whiteout(std::string_view path) {
  const std::string_view base = base_of(path);
  if (!base.starts_with(k_whiteout_prefix)) return std::nullopt;
  const std::string_view dir = parent_of(path);
  if (base == k_opaque_marker) return Whiteout{std::string(dir), true};
  // The OCI image spec: ".wh..wh." names are the layered filesystem's own metadata, not
  // whiteouts; and ".wh." with nothing after it names no entry to hide.
  const std::string_view name = base.substr(k_whiteout_prefix.size());
  if (name.empty() || name.starts_with(k_whiteout_prefix)) return std::nullopt;
  std::string hidden(dir);
  if (hidden != "/") hidden += '/';
  hidden += name;
  return Whiteout{std::move(hidden), false};
}

OverlayView::OverlayView(const std::vector<ContainerImage>& images, const std::vector<LayerTree>& trees)
    : m_stacks(images.size()), m_uses(trees.size()), m_users(trees.size(), 0) {
  for (u32 img = 0; img < images.size(); ++img) {
    const ContainerImage& image = images[img];
    Stack& stack = m_stacks[img];
    std::size_t upper_entries = 0;
    for (std::size_t k = 0; k < image.layers.size(); ++k) {
      const u32 layer = image.layers[k];
      if (layer >= trees.size())
        throw UsageError(fmt::format("image {}: layer {} out of range ({} layers)", image.name, layer, trees.size()));
      if (k > 0) upper_entries += trees[layer].size();
    }
    stack.tops.reserve(upper_entries);
    for (std::size_t k = 0; k < image.layers.size(); ++k) {
      const u32 layer = image.layers[k];
      const u32 position = static_cast<u32>(k + 1);
      std::vector<Use>& uses = m_uses[layer];
      if (uses.empty() || uses.back().image != img) ++m_users[layer];
      uses.push_back(Use{img, position});
      // The bottom layer hides nothing (nothing lies below it): its paths are not kept.
      if (position == 1) continue;
      for (const TreeEntry& e : trees[layer]) {
        Tops& t = stack.tops[std::string_view(e.path)];
        t.entry = std::max(t.entry, position);
        // A directory lets lower entries below it show through unless it is opaque; anything
        // else (a file, a whiteout, a symlink or device) replaces the whole lower subtree.
        if (e.kind != EntryKind::directory || e.opaque) t.subtree = std::max(t.subtree, position);
      }
    }
  }
}

bool OverlayView::hidden(const Stack& stack, u32 position, std::string_view path) const {
  if (stack.tops.empty()) return false;
  const auto at = stack.tops.find(path);
  if (at != stack.tops.end() && at->second.entry > position) return true;
  // Every proper ancestor, nearest first, the root last.
  std::string_view p = path;
  while (p.size() > 1 && p.find('/') != std::string_view::npos) {
    p = parent_of(p);
    const auto a = stack.tops.find(p);
    if (a != stack.tops.end() && a->second.subtree > position) return true;
  }
  return false;
}

bool OverlayView::visible(u32 layer, std::string_view path) const {
  if (layer >= m_uses.size()) return false;
  return std::any_of(m_uses[layer].begin(), m_uses[layer].end(),
                     [&](const Use& u) { return !hidden(m_stacks[u.image], u.position, path); });
}

u32 OverlayView::users(u32 layer) const { return layer < m_users.size() ? m_users[layer] : 0; }

}  // namespace core::container
