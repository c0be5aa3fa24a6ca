// The input interface of container inputs (container_input, guarded_path: scan, lint and inspect
// alike), and the EROFS filesystems in a container input, for the commands that read one EROFS image at a
// time (lint, inspect). scan models whole containers (core/scan); lint and inspect take the
// same inputs ("oci:DIR", an OCI or docker archive, a containerd node, or a path detect()
// recognises) and read each EROFS layer as an image. Tar layers are listed as skipped: scan
// models them, and `erofs-share build --tar` makes EROFS layers of them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/container/container.hpp"

namespace core::container {

inline constexpr std::string_view k_tar_layer_skipped =
    "a tar layer: scan models it; lint and inspect read EROFS layers";

// What the output guard checks for an input `text`, before anything is read: the path a
// transport names (its directory or archive), else `text` itself. `tree`: it may be a directory
// (a transport, or a directory detect() recognises as a container).
struct GuardedPath {
  std::string path;
  bool tree = false;
};
GuardedPath guarded_path(std::string_view text);

// The container `text` names: a transport's spec, else what detect() finds at the path.
// std::nullopt for a plain input (the caller reads it as before), also when nothing exists at
// the path (the caller's reader reports it). Throws UsageError (a transport with an empty path),
// IoError.
std::optional<ContainerSpec> container_input(const std::string& text);

struct ErofsLayer {
  Layer layer;                      // format erofs; its blob keeps the bytes mapped
  std::vector<std::string> images;  // names of the images that use it, in index order
};

struct SkippedLayer {
  std::string name;    // Layer::name
  std::string id;      // Layer::id (the diffID)
  std::string reason;  // k_tar_layer_skipped
};

struct ErofsInputs {
  ContainerSpec spec;
  std::vector<ErofsLayer> layers;     // distinct, in order of first use (ContainerSet::layers)
  std::vector<SkippedLayer> skipped;  // tar layers, same order
  std::vector<std::string> images;    // every image's name, index order
};

// Opens `spec` (container::open) and sorts its layers. No layer digest is checked yet: call
// verify() before reading a layer. Throws like open().
ErofsInputs open_erofs_inputs(const ContainerSpec& spec, const OpenOptions& options = {});

// Checks the layer's blob against its digest (verify_layer). Throws Error naming the layer.
void verify(const ErofsLayer& layer);

// "oci:DIR: no EROFS layers (2 tar layers: build them with erofs-share build --tar, or scan
// them)": the message for a container without any EROFS layer, naming it.
std::string no_erofs_layers(const ErofsInputs& inputs);

// The one EROFS layer to read: the only one, or the one whose digest (or name) starts with
// `prefix` ("sha256:" may be left out). Throws UsageError listing the layers when there are
// several and no prefix, when none or more than one match, or when there is none.
const ErofsLayer& choose_layer(const ErofsInputs& inputs, std::string_view prefix);

}  // namespace core::container
