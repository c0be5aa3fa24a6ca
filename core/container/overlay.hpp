// The overlay view: what a container's root filesystem shows of each layer. OCI layers stack
// bottom first; an upper layer hides a lower path by an entry at the same path (any type), a
// whiteout `.wh.NAME` (in a node's EROFS blobs: a character device 0:0 named NAME, as
// mkfs.erofs --aufs writes it), a non-directory or whiteout at one of its parent directories, or
// an opaque directory above it (`.wh..wh..opq`; in EROFS: trusted.overlay.opaque = "y").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/container/container.hpp"

namespace core::container {

enum class EntryKind : u8 { directory, file, whiteout, other };

// One entry of a layer as the overlay sees it: whiteouts decoded, the opaque marker folded into
// its directory. Paths are "/"-rooted and normalized ("/usr/lib/x").
struct TreeEntry {
  std::string path;
  EntryKind kind = EntryKind::file;
  bool opaque = false;  // directories: hides every lower entry below it
};
using LayerTree = std::vector<TreeEntry>;

// The OCI whiteout name rules for one tar member name (already normalized): "/a/.wh.b" is a
// whiteout of "/a/b", "/a/.wh..wh..opq" makes "/a" opaque. std::nullopt for any other name,
// including ".wh." alone (it names nothing) and the other ".wh..wh." names (AUFS metadata such
// as ".wh..wh.plnk", which remove nothing): those are ordinary entries.
struct Whiteout {
  std::string path;  // the hidden path, or the opaque directory
  bool opaque = false;
};
std::optional<Whiteout> parse_whiteout(std::string_view path);

// Which layer entries each image shows. Holds views into `trees` (paths as std::string_view):
// the trees must outlive the view and must not change while it lives.
class OverlayView {
public:
  // trees[i] is layer i's tree (ContainerSet::layers order). Throws UsageError if an image names
  // a layer that has no tree.
  OverlayView(const std::vector<ContainerImage>& images, const std::vector<LayerTree>& trees);
  // True if some image using `layer` shows `path` of it (false if no image uses the layer).
  bool visible(u32 layer, std::string_view path) const;
  // Images that use `layer`.
  u32 users(u32 layer) const;

private:
  // Per path of one image: the highest layer position (1-based; 0 none) with an entry at it, and
  // the highest one whose entry there hides everything below the path too (a non-directory, a
  // whiteout or an opaque directory).
  struct Tops {
    u32 entry = 0;
    u32 subtree = 0;
  };
  // One image. Only the entries of positions 2 and up are kept: an entry hides only what lies in
  // a lower position, so the bottom layer (often the largest) costs nothing.
  struct Stack {
    std::unordered_map<std::string_view, Tops> tops;
  };
  struct Use {
    u32 image = 0;
    u32 position = 0;  // 1-based, bottom first
  };
  bool hidden(const Stack& stack, u32 position, std::string_view path) const;

  std::vector<Stack> m_stacks;
  std::vector<std::vector<Use>> m_uses;  // per layer: every (image, position) it is stacked at
  std::vector<u32> m_users;              // per layer: distinct images using it
};

}  // namespace core::container
