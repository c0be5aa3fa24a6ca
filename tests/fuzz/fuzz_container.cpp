// libFuzzer target: the input bytes are a container layer (a tar, plain or compressed) and an
// OCI or docker archive. Read them as scan does: the layer with the whiteout rules and limits,
// the archive's index, manifests and configs (digests not checked, so that mutations reach the
// JSON), then each layer it names, and the overlay over its images. Success or one core::Error
// is fine; anything else aborts, and so do ASan/UBSan reports and libFuzzer's limits.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/container/container.hpp"
#include "core/container/overlay.hpp"
#include "core/scan/input_container.hpp"
#include "core/util/error.hpp"

namespace {

std::string scratch_file(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/dev/shm/erofs-share-fuzz-container-" + std::to_string(::getpid());
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  return path;
}

void read_layers(const core::container::ContainerSet& set, const core::container::Limits& limits) {
  core::scan::ReadCounters counters;
  std::vector<core::container::LayerTree> trees(set.layers.size());
  std::vector<core::scan::LoadedInput> loaded;
  for (std::size_t i = 0; i < set.layers.size(); ++i)
    loaded.push_back(core::scan::load_layer(set.layers[i], core::scan::LayerModel{}, limits, counters, trees[i]));
  core::container::OverlayView view(set.images, trees);
  std::vector<core::scan::InputRecord*> records;
  for (auto& in : loaded) records.push_back(&in.record);
  core::scan::apply_overlay(view, records, 4096);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace core::container;
  const std::string path = scratch_file(data, size);
  Limits limits;
  limits.max_layer_entries = 4096;
  limits.max_hole_bytes = 16 << 20;
  limits.max_json_bytes = 1 << 20;
  if (size > 0) {
    try {  // as one tar layer
      ContainerSet set;
      Layer layer;
      layer.id = "sha256:" + std::string(64, '0');
      layer.name = "layer";
      layer.blob.file = std::make_shared<core::util::MappedFile>(path);
      layer.blob.size = layer.blob.file->size();
      set.layers.push_back(std::move(layer));
      set.images.push_back({"image", "", {0}});
      read_layers(set, limits);
    } catch (const core::Error&) {
    }
  }
  for (SpecKind kind : {SpecKind::oci_archive, SpecKind::docker_archive}) {
    try {
      ContainerSpec spec;
      spec.kind = kind;
      spec.path = path;
      spec.text = path;
      OpenOptions options;
      options.verify_digests = false;
      options.limits = limits;
      read_layers(open(spec, options), limits);
    } catch (const core::Error&) {
    }
  }
  return 0;
}
