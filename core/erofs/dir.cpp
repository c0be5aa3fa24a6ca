#include "core/erofs/dir.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>

#include "core/erofs/data.hpp"
#include "core/erofs/image.hpp"
#include "core/erofs/ondisk.hpp"

namespace core::erofs {

namespace od = ondisk;

u8 dirent_type_of(FileType type) {
  switch (type) {
    case FileType::file: return od::k_ft_reg_file;
    case FileType::dir: return od::k_ft_dir;
    case FileType::symlink: return od::k_ft_symlink;
    case FileType::chardev: return od::k_ft_chrdev;
    case FileType::blockdev: return od::k_ft_blkdev;
    case FileType::fifo: return od::k_ft_fifo;
    case FileType::socket: return od::k_ft_sock;
  }
  return od::k_ft_unknown;
}

namespace {

// Parses one logical directory block of `used` bytes (§3.1). `prev` holds the previous name
// (the order check spans blocks); names passed to `fn` point into `blk`.
void parse_block(std::span<const u8> blk, u64 lblk, const Inode& dir, std::string& prev,
                 const std::function<void(const DirEntry&)>& fn) {
  // Errors name the block and, for an entry, its index; built only when there is an error.
  auto fail = [&](const char* what, u64 off, std::optional<u64> index = std::nullopt) {
    Where w;
    w.nid = dir.nid;
    w.byte = off;
    w.space = fmt::format("dir block {}", lblk);
    if (index) w.detail = fmt::format("index {}", *index);
    throw CorruptImage(what, w);
  };
  auto dirent = [&](u64 i) {
    od::Dirent de;
    std::memcpy(&de, blk.data() + i * sizeof(od::Dirent), sizeof(de));
    return de;
  };
  if (blk.size() < sizeof(od::Dirent)) fail("directory block too small", 0);
  u64 nameoff0 = dirent(0).nameoff;
  if (nameoff0 < sizeof(od::Dirent) || nameoff0 >= blk.size() || nameoff0 % sizeof(od::Dirent))
    fail("invalid dirent nameoff", 8);
  u64 count = nameoff0 / sizeof(od::Dirent);  // every dirent lies before nameoff0 < blk.size()
  u64 expect = nameoff0;
  for (u64 i = 0; i < count; ++i) {
    auto de = dirent(i);
    u64 off = de.nameoff;
    u64 end;
    if (i + 1 < count) {
      end = dirent(i + 1).nameoff;
    } else {
      const void* z = off < blk.size() ? std::memchr(blk.data() + off, 0, blk.size() - off) : nullptr;
      end = z ? static_cast<u64>(static_cast<const u8*>(z) - blk.data()) : blk.size();
    }
    if (off != expect || end < off || end > blk.size()) fail("bogus dirent nameoff", i * 12 + 8, i);
    u64 len = end - off;
    if (len == 0 || len > 255) fail("bogus dirent name length", i * 12 + 8, i);
    std::string_view name(reinterpret_cast<const char*>(blk.data() + off), len);
    if (name.find('/') != std::string_view::npos || name.find('\0') != std::string_view::npos)
      fail("dirent name contains '/' or NUL", off, i);
    if (de.file_type >= 8) fail("invalid dirent file type", i * 12 + 10, i);
    // §3.2: names are sorted as unsigned bytes across the whole directory.
    if (!prev.empty() && !(std::string_view(prev) < name))  // char_traits<char>: unsigned bytes
      fail("dirents not sorted (or duplicate name)", off, i);
    prev.assign(name);
    expect = end;
    fn(DirEntry{name, de.nid, de.file_type});
  }
}

// a + ("/" if a_dir) < b + ("/" if b_dir), without building the strings.
bool path_key_less(std::string_view a, bool a_dir, std::string_view b, bool b_dir) {
  const std::size_t n = std::min(a.size(), b.size());
  if (int c = a.substr(0, n).compare(b.substr(0, n)); c != 0) return c < 0;
  // One is a prefix of the other: compare the next character, '/' after a directory's name and
  // none (sorting first) after a file's. Names hold no '/', so this decides.
  auto next = [n](std::string_view s, bool dir) -> int {
    if (n < s.size()) return static_cast<unsigned char>(s[n]);
    return dir ? '/' : -1;
  };
  return next(a, a_dir) < next(b, b_dir);
}

Where ctx_of(u64 nid, const std::string& path) {
  Where w;
  w.nid = nid;
  w.path = path;
  return w;
}

}  // namespace

void read_dir(const Image& img, const Inode& dir, u64& budget, const std::function<void(const DirEntry&)>& fn) {
  const u64 bs = img.block_size();
  Where ctx;
  ctx.nid = dir.nid;
  if (dir.size > budget) throw CorruptImage("directory data exceeds the walk budget", ctx);
  budget -= dir.size;
  std::vector<u8> block;
  block.reserve(bs);
  std::string prev;
  u64 lblk = 0, consumed = 0;
  auto flush = [&] {
    parse_block(block, lblk, dir, prev, fn);
    consumed += block.size();
    block.clear();
    ++lblk;
  };
  stream_file(img, dir, [&](std::span<const u8> piece) {
    while (!piece.empty()) {
      u64 n = std::min<u64>(piece.size(), bs - block.size());
      block.insert(block.end(), piece.begin(), piece.begin() + n);
      piece = piece.subspan(n);
      if (block.size() == bs) flush();
    }
  });
  if (!block.empty()) flush();
}

void walk_tree(const Image& img, const std::function<void(const std::string&, const Inode&)>& visit) {
  walk_tree(img, visit, nullptr);
}

void walk_tree(const Image& img, const std::function<void(std::string&, const Inode&)>& visit,
               const std::function<void(const std::string&, const Error&)>& on_error, WalkOrder order) {
  // Without `on_error` the first problem ends the walk; with it, the problem is reported and
  // the walk skips only what depends on it (lint: a corrupt inode is a finding, not the end).
  auto report = [&](const std::string& path, const CorruptImage& e) {
    if (!on_error) throw e;
    on_error(path, e);
  };
  // An entry waiting to be visited holds its name and a share of its directory's path, not a
  // path of its own: a directory's path lives while entries below it wait, so memory grows
  // with the names read plus the paths of the directories on the way down, never with
  // (entries x depth). Paths longer than k_max_path_bytes are refused, so the depth is bounded.
  struct Pending {
    std::shared_ptr<const std::string> dir_path;  // nullptr for the root
    std::string name;
    u64 nid;
    u64 parent;
    u8 file_type;
  };
  // Directory bytes the walk may read (§7: bound total work). Directories stored as they are
  // (flat, inline, chunk-based) cannot legitimately hold more bytes than the image, whatever
  // the image's features: directories sharing one dirent block (DOT_OMITTED) could otherwise
  // list its entries thousands of times from a small image. Compressed directories get the
  // configured expansion factor, from a budget of their own.
  const u64 image_size = img.primary().size();
  u64 plain_budget = image_size + (u64(1) << 20);
  u64 compressed_budget =
      img.sb().compressed_capable ? image_size * img.limits().max_dir_bytes_factor + (u64(64) << 20) : 0;
  const u64 max_path = img.limits().max_path_bytes;
  std::unordered_set<u64> seen_dirs;
  std::vector<Pending> stack;
  stack.push_back(Pending{nullptr, "", img.sb().root_nid, img.sb().root_nid, od::k_ft_dir});
  // Metadata pages the walk touches stay in the page cache, not in this process: once the walk
  // has read inodes in k_release_windows distinct 64 KiB windows (one page fault maps such a
  // window, or a whole large folio) since the last drop, the mapping is dropped, and again at
  // the end, so the resident set does not grow with the image. Counting distinct windows, not
  // moves between windows, keeps what the walk comes back to mapped (a directory's children
  // sit in a few windows): each drop costs a refault of every window still in use.
  constexpr u64 k_window_bits = 16;
  constexpr std::size_t k_release_windows = 512;
  std::unordered_set<u64> mapped_windows;
  mapped_windows.reserve(2 * k_release_windows);
  u64 last_window = ~u64(0);
  auto inode_pos = [&](u64 nid) { return img.sb().meta_base() + (nid << od::k_islotbits); };
  std::string path;  // of the entry being visited
  while (!stack.empty()) {
    const u64 window = inode_pos(stack.back().nid) >> k_window_bits;
    if (window != last_window && mapped_windows.insert(window).second && mapped_windows.size() > k_release_windows) {
      img.primary().release(0, img.primary().size());
      mapped_windows.clear();
      mapped_windows.insert(window);
    }
    last_window = window;
    Pending cur = std::move(stack.back());
    stack.pop_back();
    if (!cur.dir_path) {
      path = "/";
    } else {
      path.clear();
      path.reserve(cur.dir_path->size() + 1 + cur.name.size());
      if (*cur.dir_path != "/") path = *cur.dir_path;
      path += '/';
      path += cur.name;
    }
    // The next inode (and its xattrs) is elsewhere in the image, out of the caches and the TLB:
    // start loading its first 128 bytes now, while this one is read.
    if (!stack.empty()) {
      const u64 next = inode_pos(stack.back().nid);
      if (img.primary().contains(next, 128)) {
        const u8* p = img.primary().bytes(next, 128).data();
        __builtin_prefetch(p);
        __builtin_prefetch(p + 64);
      }
    }
    Inode ino;
    try {
      ino = read_inode(img, cur.nid);
    } catch (const CorruptImage& e) {
      Where w;
      w.path = path;
      report(path, e.with(w));
      continue;
    } catch (const Error& e) {
      if (!on_error) throw;
      on_error(path, e);
      continue;
    }
    if (cur.file_type != od::k_ft_unknown && cur.file_type != dirent_type_of(ino.type)) {
      report(path, CorruptImage("dirent file type does not match the inode", ctx_of(cur.nid, path)));
      continue;
    }
    std::shared_ptr<const std::string> dir_path;
    try {
      // A directory's entries keep their own copy of its path: visit may move `path` away.
      if (ino.type == FileType::dir) dir_path = std::make_shared<const std::string>(path);
      visit(path, ino);
    } catch (const CorruptImage& e) {
      throw e.with(ctx_of(cur.nid, path));  // errors while visiting (xattrs, data) also name the path
    }
    if (ino.type != FileType::dir) continue;
    if (!seen_dirs.insert(cur.nid).second) {
      report(*dir_path, CorruptImage("directory reached twice (cycle or second parent)", ctx_of(cur.nid, *dir_path)));
      continue;
    }
    bool dot = false, dotdot = false;
    std::optional<CorruptImage> too_long;  // the first entry whose path is too long; the others are skipped too
    // The entries go straight onto the stack (one copy of a huge directory, not two), and are
    // put in visiting order below.
    const std::size_t first = stack.size();
    const std::size_t prefix = *dir_path == "/" ? 1 : dir_path->size() + 1;
    try {
      read_dir(img, ino, ino.is_compressed() ? compressed_budget : plain_budget, [&](const DirEntry& de) {
        if (de.name == ".") {
          if (de.nid != cur.nid || ino.dot_omitted) throw CorruptImage("bad \".\" entry", ctx_of(cur.nid, *dir_path));
          dot = true;
        } else if (de.name == "..") {
          if (de.nid != cur.parent)
            throw CorruptImage("\"..\" does not point to the parent", ctx_of(cur.nid, *dir_path));
          dotdot = true;
        } else if (prefix + de.name.size() > max_path) {
          if (!too_long) {
            Where w;
            w.nid = de.nid;
            w.detail = fmt::format("in directory nid {}", cur.nid);
            too_long.emplace(fmt::format("path longer than {} bytes", max_path), w);
          }
        } else {
          stack.push_back(Pending{dir_path, std::string(de.name), de.nid, cur.nid, de.file_type});
        }
      });
    } catch (const CorruptImage& e) {
      report(*dir_path, e.with(ctx_of(cur.nid, *dir_path)));
      dot = dotdot = true;  // reported already; do not add a second finding for the same block
    } catch (const Error& e) {
      if (!on_error) throw;
      on_error(*dir_path, e);
      dot = dotdot = true;
    }
    if (too_long) report(*dir_path, *too_long);
    if (!dotdot || (!dot && !ino.dot_omitted))
      report(*dir_path, CorruptImage("directory lacks \".\" or \"..\"", ctx_of(cur.nid, *dir_path)));
    // Full paths in byte order: a directory's paths continue with '/', so it sorts as if its
    // name ended with '/' (names are in byte order already; this only moves directories).
    // Every child path starts with the same parent, so the names decide; they are sorted only
    // when a directory has to move, which few directories need.
    if (order == WalkOrder::paths) {
      auto less = [](const Pending& a, const Pending& b) {
        return path_key_less(a.name, a.file_type == od::k_ft_dir, b.name, b.file_type == od::k_ft_dir);
      };
      const auto begin = stack.begin() + static_cast<std::ptrdiff_t>(first);
      if (!std::is_sorted(begin, stack.end(), less)) std::stable_sort(begin, stack.end(), less);
    }
    // Reversed, so the first name is visited first.
    std::reverse(stack.begin() + static_cast<std::ptrdiff_t>(first), stack.end());
  }
  img.primary().release(0, img.primary().size());
}

}  // namespace core::erofs
