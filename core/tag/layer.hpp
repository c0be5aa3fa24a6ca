// A container layer tar as containerd's EROFS differ reads it (plain, gzip or zstd), and the
// UUID the differ gives its image.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/util/input_file.hpp"
#include "core/util/ints.hpp"
#include "core/util/sha256.hpp"

struct archive;  // libarchive's reader, opaque

namespace core::tag {

// The filesystem UUID containerd's differ passes to mkfs.erofs -U (plugins/diff/erofs, 2.1.5
// and later): uuid.NewSHA1(uuid.NameSpaceURL, "erofs:blobs/" + DIGEST), DIGEST being the layer
// descriptor's digest in the manifest, "sha256:<hex>": the digest of the blob as stored
// (compressed or not), which equals the diffID only for an uncompressed layer.
std::string containerd_layer_uuid(const std::string& layer_digest);

// Throws UsageError unless `digest` is "sha256:", "sha384:" or "sha512:" and its lower-case hex.
void check_layer_digest(const std::string& digest);

// "sha256:<hex>" of the bytes of the file `path`. Throws IoError or UsageError.
std::string file_digest(const std::string& path);

// The uncompressed tar stream of a layer file. The constructor opens it (util::InputFd),
// detects the compression and reads the first header block, so "not a tar" is known before
// anything runs; pump() then hands out the whole stream and hashes it (the diffID).
class LayerTar {
public:
  // Throws IoError, UsageError ("not a tar archive") or Error (decompression).
  explicit LayerTar(const std::string& path);
  ~LayerTar();
  LayerTar(const LayerTar&) = delete;
  LayerTar& operator=(const LayerTar&) = delete;

  const std::string& compression() const { return m_compression; }  // "none", "gzip", "zstd"
  // Calls `sink` with consecutive pieces of the uncompressed stream until its end; throws Error
  // (with the layer's name) if the stream is corrupt or truncated.
  void pump(const std::function<void(std::span<const u8>)>& sink);
  // "sha256:<hex>" of everything pump() handed out: the layer's diffID once pump() returned.
  std::string diff_id();
  u64 size() const { return m_size; }  // uncompressed bytes handed out

private:
  struct Closer {
    void operator()(archive* a) const;
  };
  std::size_t read_some(u8* out, std::size_t len);

  std::string m_path;
  util::InputFd m_in;
  std::unique_ptr<archive, Closer> m_archive;
  std::string m_compression;
  std::vector<u8> m_first;  // what the constructor read (at least the first header block)
  util::Sha256 m_hash;
  u64 m_size = 0;
};

}  // namespace core::tag
