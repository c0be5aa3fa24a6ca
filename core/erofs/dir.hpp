// Directories: the dirent blocks of one directory, and a walk of the whole tree.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "core/erofs/inode.hpp"
#include "core/util/error.hpp"
#include "core/util/ints.hpp"

namespace core::erofs {

class Image;

struct DirEntry {
  std::string_view name;  // into the directory block: valid during the callback only
  u64 nid = 0;
  u8 file_type = 0;  // ondisk k_ft_*
};

// Calls `fn` for each entry of directory `dir` in on-disk order, "." and ".." included.
// Validates every block (§3.1) and the sort order; throws CorruptImage with nid and byte.
// `budget` is decremented by the bytes read and must not go negative (bounds total work).
void read_dir(const Image& image, const Inode& dir, u64& budget, const std::function<void(const DirEntry&)>& fn);

// The order in which walk_tree visits the entries of a directory.
enum class WalkOrder {
  names,  // on-disk order: byte order of the names
  paths,  // so that the paths of non-directories come in byte order: the entries below a
          // subdirectory "a" after its sibling "a-b" ('-' sorts before '/'); exact as long as
          // dirents record their file type
};

// Walks the tree from the root depth-first, in name order, and calls `visit(path, inode)`
// once per directory entry ("/" for the root; hard links are visited once per name).
// Detects cycles, directories with two parents, wrong "."/"..", mismatched file types.
// Refuses (CorruptImage naming the entry's nid) paths longer than ReadLimits::max_path_bytes,
// and directory bytes beyond the walk budget (stored directories: the image size + 1 MiB).
// Lets the image mapping drop the pages it touched now and then and at the end, so the
// resident set stays bounded (ByteView::release).
void walk_tree(const Image& image, const std::function<void(const std::string& path, const Inode& inode)>& visit);

// Like walk_tree, but an inode or directory that cannot be read (CorruptImage, Unsupported,
// DataUnavailable) is passed to `on_error` with its path instead of thrown, and the walk goes
// on with the rest: entries already read from a broken directory are still visited, a broken
// inode is skipped. Errors thrown by `visit` propagate.
// `on_error` may be empty (errors are thrown); `order` as above. `visit` may take the path
// (move it away) as its last step: the walk does not read it again unless `visit` throws.
void walk_tree(const Image& image, const std::function<void(std::string& path, const Inode& inode)>& visit,
               const std::function<void(const std::string& path, const Error& error)>& on_error,
               WalkOrder order = WalkOrder::names);

// The ondisk file type that matches an inode type.
u8 dirent_type_of(FileType type);

}  // namespace core::erofs
