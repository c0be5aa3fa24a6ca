#include "core/erofs/dir.hpp"

#include <algorithm>
#include <cstring>
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
  struct Pending {
    std::string path;
    u64 nid;
    u64 parent;
    u8 file_type;
  };
  // Uncompressed directories cannot legitimately hold more bytes than the image (DOT_OMITTED
  // directories sharing one dirent block could otherwise list its entries thousands of times
  // from a small image); compressed ones get the configured expansion factor.
  const bool compressed = img.sb().compressed_capable;
  u64 budget = img.primary().size() * (compressed ? img.limits().max_dir_bytes_factor : 1) +
               (u64(compressed ? 64 : 1) << 20);
  std::unordered_set<u64> seen_dirs;
  std::vector<Pending> stack{{"/", img.sb().root_nid, img.sb().root_nid, od::k_ft_dir}};
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
      w.path = cur.path;
      report(cur.path, e.with(w));
      continue;
    } catch (const Error& e) {
      if (!on_error) throw;
      on_error(cur.path, e);
      continue;
    }
    // Where an error is: built only when there is one (not a copy of the path per inode).
    auto ctx = [&] {
      Where w;
      w.nid = cur.nid;
      w.path = cur.path;
      return w;
    };
    if (cur.file_type != od::k_ft_unknown && cur.file_type != dirent_type_of(ino.type)) {
      report(cur.path, CorruptImage("dirent file type does not match the inode", ctx()));
      continue;
    }
    try {
      if (ino.type == FileType::dir) {
        std::string path = cur.path;  // the walk goes on below it: visit gets a copy
        visit(path, ino);
      } else {
        visit(cur.path, ino);  // may move it away
      }
    } catch (const CorruptImage& e) {
      throw e.with(ctx());  // errors while visiting (xattrs, data) also name the path
    }
    if (ino.type != FileType::dir) continue;
    if (!seen_dirs.insert(cur.nid).second) {
      report(cur.path, CorruptImage("directory reached twice (cycle or second parent)", ctx()));
      continue;
    }
    bool dot = false, dotdot = false;
    std::vector<Pending> children;
    try {
      read_dir(img, ino, budget, [&](const DirEntry& de) {
        if (de.name == ".") {
          if (de.nid != cur.nid || ino.dot_omitted) throw CorruptImage("bad \".\" entry", ctx());
          dot = true;
        } else if (de.name == "..") {
          if (de.nid != cur.parent) throw CorruptImage("\"..\" does not point to the parent", ctx());
          dotdot = true;
        } else {
          std::string path;
          path.reserve(cur.path.size() + 1 + de.name.size());
          if (cur.path != "/") path = cur.path;
          path += '/';
          path += de.name;
          children.push_back(Pending{std::move(path), de.nid, cur.nid, de.file_type});
        }
      });
    } catch (const CorruptImage& e) {
      report(cur.path, e.with(ctx()));
      dot = dotdot = true;  // reported already; do not add a second finding for the same block
    } catch (const Error& e) {
      if (!on_error) throw;
      on_error(cur.path, e);
      dot = dotdot = true;
    }
    if (!dotdot || (!dot && !ino.dot_omitted)) report(cur.path, CorruptImage("directory lacks \".\" or \"..\"", ctx()));
    // Full paths in byte order: a directory's paths continue with '/', so it sorts as if its
    // name ended with '/' (names are in byte order already; this only moves directories).
    // Only the names are compared (every child path starts with the same parent), and they
    // are sorted only when a directory has to move, which few directories need.
    if (order == WalkOrder::paths) {
      const std::size_t parent = cur.path == "/" ? 1 : cur.path.size() + 1;
      auto less = [parent](const Pending& a, const Pending& b) {
        return path_key_less(std::string_view(a.path).substr(parent), a.file_type == od::k_ft_dir,
                             std::string_view(b.path).substr(parent), b.file_type == od::k_ft_dir);
      };
      if (!std::is_sorted(children.begin(), children.end(), less)) std::stable_sort(children.begin(), children.end(), less);
    }
    // Push in reverse so the first name is visited first.
    for (auto it = children.rbegin(); it != children.rend(); ++it) stack.push_back(std::move(*it));
  }
  img.primary().release(0, img.primary().size());
}

}  // namespace core::erofs
