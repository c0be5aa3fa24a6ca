// `erofs-share build`: run the installed mkfs.erofs so that the image comes out fingerprinted,
// with --xattr-inode-digest where mkfs offers it, else by building and then retrofitting.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/tag/retrofit.hpp"

namespace core::tag {

struct BuildOptions {
  std::string mkfs = "mkfs.erofs";     // program name (PATH search) or path
  std::vector<std::string> mkfs_args;  // extra options, passed before IMAGE SRC
  std::string xattr_name;              // empty: mkfs's default (erofs.fingerprint.v1)
  // build_layer: the digest the UUID is derived from ("sha256:<hex>"). Empty: the sha256 of the
  // layer file as it is (the blob, compressed or not: what the differ uses), or with
  // uuid_from_diff_id that of the uncompressed tar (what containerd 2.4's converter and layer
  // content cache use), read once more before mkfs runs.
  std::string layer_digest;
  bool uuid_from_diff_id = false;
  // Receives each line mkfs prints (standard output and error, without the '\n'), as it comes:
  // the lines hold the source's file names raw. Empty: mkfs writes to standard error itself.
  std::function<void(const std::string& line)> mkfs_output;
};

struct BuildReport {
  bool native = false;       // mkfs wrote the fingerprints itself
  std::string mkfs_version;  // mkfs's banner (`mkfs.erofs -V`): "mkfs.erofs 1.5", "mkfs.erofs (erofs-utils) 1.9.4"
  RetrofitReport retrofit;   // when not native
  // build_layer only:
  std::string compression;   // of the layer file: "none", "gzip", "zstd"
  std::string layer_digest;  // the digest the UUID is derived from
  std::string uuid;          // what mkfs got as -U
  std::string diff_id;       // "sha256:<hex>" of the uncompressed tar
};

// Builds `image` from the directory (or, with mkfs options such as --tar, file) `source`. The
// image appears atomically. mkfs's own output goes to options.mkfs_output (or standard error). Throws IoError (mkfs
// missing or failed), plus whatever retrofit throws.
BuildReport build_image(const std::string& source, const std::string& image, const BuildOptions& options);

// Builds `image` from a container layer tar (plain, gzip or zstd) the way containerd's EROFS
// differ does (plugins/diff/erofs, internal/erofsutils): the uncompressed tar on mkfs's
// standard input, `mkfs.erofs --tar=f --aufs --quiet -Enoinline_data [-b4096] MKFS_ARGS
// -U UUID IMAGE`, -b4096 unless an argument starts with -b, the UUID containerd derives from
// the layer digest (layer.hpp), and --xattr-inode-digest (or a retrofit) for the fingerprints.
// Throws UsageError (not a tar, bad digest, mkfs without --tar=), IoError, Error (a corrupt
// compressed stream, mkfs failed) and whatever retrofit throws; no image is left then.
BuildReport build_layer(const std::string& layer, const std::string& image, const BuildOptions& options);

}  // namespace core::tag
