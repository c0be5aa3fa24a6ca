// Container inputs in scan: each distinct layer (core/container) read as the EROFS filesystem
// containerd makes of it, the overlay view applied (files no image shows are dropped and counted
// as hidden), and the images as groups of layers.
#pragma once

#include <string_view>
#include <vector>

#include "core/container/container.hpp"
#include "core/container/overlay.hpp"
#include "core/scan/inputs.hpp"

namespace core::scan {

// A tar layer as the containerd EROFS differ converts it: `mkfs.erofs --tar=f --aufs
// -Enoinline_data -b4096` plus the differ's mkfs_options, of which these change the model.
struct LayerModel {
  bool compressed = false;  // -z<alg>: files that compress into fewer blocks are compressed
  bool packs_tails = false; // -Eztailpacking, -Efragments, -Eall-fragments: with -z, small files too
  bool tagged = false;      // --xattr-inode-digest[=NAME]: every file fingerprinted
  std::string xattr_name = "erofs.fingerprint.v1";
  u32 block_size = 4096;
};

// Parses the differ's mkfs_options as one string ("-zlz4hc --xattr-inode-digest"). Options that
// change neither classes nor fingerprints (-E..., -C..., -T..., --quiet) are accepted; any other
// is a UsageError (it is not modelled).
LayerModel parse_layer_mkfs_options(std::string_view options);

// Reads one layer: a tar layer hashed as it streams by (its files modelled per `model`), an
// EROFS layer walked (read later through the returned source). `tree` receives every entry for
// the overlay view. The blob's digest is the caller's to check first (container::verify_layer);
// a tar layer's diffID is checked here, on the uncompressed stream, unless it is the blob digest
// (an uncompressed layer, which that check covers). Throws Error naming the layer.
LoadedInput load_layer(const container::Layer& layer, const LayerModel& model, const container::Limits& limits,
                       ReadCounters& counters, container::LayerTree& tree);

// Drops from each layer's record the files that no image using it shows (counting them in
// hidden_files / hidden_bytes) and sets users. `layers[i]` is the record of overlay layer i.
void apply_overlay(const container::OverlayView& view, std::vector<InputRecord*> layers, u32 page_size);

}  // namespace core::scan
