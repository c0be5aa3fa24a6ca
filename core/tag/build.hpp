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
  // Receives each line mkfs prints (standard output and error, without the '\n'), as it comes:
  // the lines hold the source's file names raw. Empty: mkfs writes to standard error itself.
  std::function<void(const std::string& line)> mkfs_output;
};

struct BuildReport {
  bool native = false;       // mkfs wrote the fingerprints itself
  std::string mkfs_version;  // mkfs's banner (`mkfs.erofs -V`): "mkfs.erofs 1.5", "mkfs.erofs (erofs-utils) 1.9.4"
  RetrofitReport retrofit;   // when not native
};

// Builds `image` from the directory (or, with mkfs options such as --tar, file) `source`. The
// image appears atomically. mkfs's own output goes to options.mkfs_output (or standard error). Throws IoError (mkfs
// missing or failed), plus whatever retrofit throws.
BuildReport build_image(const std::string& source, const std::string& image, const BuildOptions& options);

}  // namespace core::tag
