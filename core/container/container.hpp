// Container images as inputs: OCI image layouts and OCI archives, docker archives (`docker save`)
// and containerd nodes (the EROFS snapshotter's layer blobs). Each is read into one ContainerSet:
// the images it holds (a platform chosen from multi-platform indexes) and every distinct layer
// once, with where its bytes are. Nothing here knows about sharing: core/scan turns layers into
// inputs and images into groups of them (core/scan/input_container.cpp).
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/ints.hpp"
#include "core/util/mapped_file.hpp"

namespace core::container {

// How a transport names an input, as skopeo does, or what detection found.
enum class SpecKind : u8 { oci_layout, oci_archive, docker_archive, containerd_node };
const char* spec_kind_name(SpecKind kind);  // "oci", "oci-archive", "docker-archive", "containerd"

struct ContainerSpec {
  SpecKind kind = SpecKind::oci_layout;
  std::string path;  // the directory or archive
  std::string ref;   // oci:DIR:REF / oci-archive:FILE:REF: the ref name to select ("" = every image)
  std::string text;  // the spec as given on the command line (names the input in reports)
};

// "oci:DIR[:REF]", "oci-archive:FILE[:REF]", "docker-archive:FILE", "containerd:ROOT": the
// transport's spec, or std::nullopt if `text` names no transport (a plain path). Throws
// UsageError for a transport with an empty path.
std::optional<ContainerSpec> parse_transport(std::string_view text);

// Tells container inputs apart by content: a directory holding `oci-layout` and `index.json`
// (OCI layout), a containerd root (holding io.containerd.snapshotter.v1.erofs/) or the EROFS
// snapshotter's own directory (holding snapshots/ and metadata.db), an uncompressed tar whose
// members include `oci-layout` (OCI archive) or `manifest.json` (docker archive).
// std::nullopt for anything else. Throws IoError if `path` cannot be read.
std::optional<ContainerSpec> detect(const std::string& path);

enum class LayerFormat : u8 { tar, erofs };

// A blob's bytes: a mapped file of its own, or a slice of a mapped archive.
struct Blob {
  std::shared_ptr<const util::MappedFile> file;
  u64 offset = 0;
  u64 size = 0;
  std::string where;  // for messages: "blobs/sha256/<hex>" or the file's path
  std::span<const u8> bytes() const;
};

struct Layer {
  // Identity on a node, mounted once for every image that has it: the chain ID of the layer
  // (the diffID of the bottom layer; then sha256 of "<chain below> <diffID>"; an EROFS layer
  // takes part by its blob digest)
  // (containerd 2.1-2.3 commit one snapshot per chain ID: the same diffID over other parents is
  // another snapshot). Images use the chain ID of their layers: identical chains are one layer.
  std::string id;
  std::string diff_id;     // tar layers: "sha256:<hex>" of the uncompressed tar, checked when read
  std::string digest;      // blob digest, "" where unknown (a node's layer.erofs)
  std::string media_type;  // "" where unknown
  LayerFormat format = LayerFormat::tar;
  Blob blob;
  std::vector<Blob> devices;  // extra devices of an EROFS layer, in device-table order
  std::string name;           // for reports: "<input>@<id, 19 chars>" or the node's blob path
  std::string first_use;      // for errors: "image <name>, layer <position>" (where it is first used)
};

struct ContainerImage {
  std::string name;         // "<input>:<ref or repo tag>" or "<input>@<manifest digest>"
  std::string platform;     // "linux/amd64" ("" where unknown)
  std::vector<u32> layers;  // indices into ContainerSet::layers, bottom first
};

struct ContainerSet {
  ContainerSpec spec;
  std::vector<ContainerImage> images;  // in index order
  std::vector<Layer> layers;           // distinct by id, in order of first use
  std::string images_from;             // where the image -> layer map came from ("" = none known)
};

// Bounds on untrusted container input (a layer is someone else's tar).
struct Limits {
  u64 max_json_bytes = 16 << 20;        // index, manifest and config blobs
  u32 max_index_depth = 8;              // nested indexes
  u64 max_layer_entries = 1 << 20;      // tar members (and EROFS inodes) of one layer
  u64 max_hole_bytes = u64(1) << 30;    // zeros a layer's sparse members may expand to
};

struct OpenOptions {
  std::string platform = "linux/amd64";  // "os/arch[/variant]" chosen from image indexes
  bool verify_digests = true;            // check every blob against its digest
  Limits limits;
};

// Reads `spec`: every image, its layers (bottom first), every blob checked against its digest.
// Throws UsageError (not a container input, no image for the platform), CorruptImage (a bad
// index, manifest or config: missing blob, digest mismatch, bad JSON), IoError.
ContainerSet open(const ContainerSpec& spec, const OpenOptions& options);

// Checks a layer's blob against its digest, where the input names one. (A tar layer's diffID is
// checked by its reader, on the uncompressed stream.) Throws Error naming `what`.
void verify_layer(const Layer& layer, std::string_view what);

}  // namespace core::container
