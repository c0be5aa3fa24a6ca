// containerd nodes as container inputs: the EROFS snapshotter's layer blobs
// (<root>/io.containerd.snapshotter.v1.erofs/snapshots/<id>/layer.erofs) and, from containerd's
// own metadata (meta.db, read natively with BoltFile) and content store, which images use them.
// open() and detect() (container.hpp) call these for SpecKind::containerd_node.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "core/container/container.hpp"

namespace core::container {

inline constexpr const char* k_erofs_snapshotter_dir = "io.containerd.snapshotter.v1.erofs";
inline constexpr const char* k_node_images_from = "containerd metadata (meta.db, read natively)";

// Every distinct layer.erofs of the node once (two names of one file, by device and inode, are
// one layer; a symlink into a layer cache is followed), id = the diffID where containerd's
// metadata maps an image's layer to it (by the superblock UUID containerd gave mkfs.erofs),
// else the blob's path. A non-empty snapshots/<id>/fsmeta.erofs (containerd 2.3's merged
// metadata of a chain) is one more EROFS layer, id = its path, whose devices are the chain's
// layer.erofs bottom first (parents from the snapshotter's metadata.db). `spec.path` is a containerd root (images
// known) or the snapshotter's own directory (no images: every layer stands alone). Throws UsageError (not a node, no
// image for the platform), CorruptImage (bad meta.db, index, manifest or config), IoError.
ContainerSet open_node(const ContainerSpec& spec, const OpenOptions& options);

// A containerd_node spec if `path` is a directory holding io.containerd.snapshotter.v1.erofs/,
// or the snapshotter directory itself (snapshots/ and metadata.db); std::nullopt otherwise.
// Throws IoError if `path` cannot be read.
std::optional<ContainerSpec> detect_node(const std::string& path);

// The UUID containerd's EROFS differ passes to mkfs.erofs -U for a layer: the name-based SHA-1
// UUID (RFC 4122 version 5) in the URL namespace of "erofs:blobs/" + the layer descriptor's
// digest. containerd 2.1-2.3 use the manifest's layer digest: the diffID only for uncompressed
// layers (a gzip layer's UUID comes from its compressed blob's digest).
std::array<u8, 16> erofs_layer_uuid(std::string_view digest);

}  // namespace core::container
