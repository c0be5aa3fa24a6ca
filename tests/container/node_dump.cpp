// erofs-share-node-dump ROOT: open_node() of a containerd root (or EROFS snapshotter directory)
// as JSON on stdout, for tests/container/node-layers.py. Exit 2 with one line on error.
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "core/container/node.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: erofs-share-node-dump ROOT\n";
    return 2;
  }
  using namespace core::container;
  try {
    const std::optional<ContainerSpec> spec = detect_node(argv[1]);
    if (!spec) {
      std::cerr << argv[1] << ": not a containerd node\n";
      return 2;
    }
    const ContainerSet set = open_node(*spec, OpenOptions{});
    nlohmann::json j;
    j["images_from"] = set.images_from;
    j["layers"] = nlohmann::json::array();
    for (const Layer& l : set.layers) {
      nlohmann::json devices = nlohmann::json::array();
      for (const Blob& d : l.devices) devices.push_back(d.where);
      j["layers"].push_back({{"id", l.id},
                             {"name", l.name},
                             {"where", l.blob.where},
                             {"size", l.blob.size},
                             {"format", l.format == LayerFormat::erofs ? "erofs" : "tar"},
                             {"devices", devices}});
    }
    j["images"] = nlohmann::json::array();
    for (const ContainerImage& im : set.images)
      j["images"].push_back({{"name", im.name}, {"platform", im.platform}, {"layers", im.layers}});
    std::cout << j.dump(1) << "\n";
  } catch (const std::exception& e) {
    std::cerr << "erofs-share-node-dump: " << argv[1] << ": " << e.what() << "\n";
    return 2;
  }
  return 0;
}
