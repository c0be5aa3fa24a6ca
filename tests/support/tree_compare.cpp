#include "tests/support/tree_compare.hpp"

#include <sys/sysmacros.h>

#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "core/erofs/data.hpp"
#include "core/erofs/dir.hpp"
#include "core/erofs/ondisk.hpp"
#include "core/erofs/xattr.hpp"
#include "core/util/error.hpp"

namespace test_support {

namespace erofs = core::erofs;

namespace {

std::string octal(unsigned v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0%o", v);
  return buf;
}

erofs::FileType type_of(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFDIR: return erofs::FileType::dir;
    case S_IFLNK: return erofs::FileType::symlink;
    case S_IFCHR: return erofs::FileType::chardev;
    case S_IFBLK: return erofs::FileType::blockdev;
    case S_IFIFO: return erofs::FileType::fifo;
    case S_IFSOCK: return erofs::FileType::socket;
    default: return erofs::FileType::file;
  }
}

class Comparer {
public:
  Comparer(const erofs::Image& img, const CompareOptions& opts, CompareResult& out)
      : m_img(img), m_opts(opts), m_out(out) {}

  template <class A, class B>
  void expect_eq(const std::string& path, const char* field, const A& expected, const B& got) {
    if (expected == got) return;
    std::ostringstream s;
    s << path << ": " << field << ": expected " << expected << ", got " << got;
    m_out.mismatches.push_back(s.str());
  }
  void mismatch(const std::string& path, const std::string& what) { m_out.mismatches.push_back(path + ": " + what); }

  // Directories whose source holds a whiteout, for whiteout_dirs_get_origin.
  std::set<std::string> whiteout_dirs;

  void entry(const std::string& path, const SourceEntry& src, const erofs::Inode& ino) {
    const struct stat& st = src.st;
    expect_eq(path, "type", std::string(erofs::file_type_name(type_of(st.st_mode))),
              std::string(erofs::file_type_name(ino.type)));
    expect_eq(path, "mode", octal(st.st_mode), octal(ino.mode));
    expect_eq(path, "uid", st.st_uid, ino.uid);
    expect_eq(path, "gid", st.st_gid, ino.gid);
    // Directory nlink is 2 + subdirectories in both ext4 and EROFS; files count their names.
    expect_eq(path, "nlink", st.st_nlink, ino.nlink);
    mtime(path, st, ino);
    // A directory's st_size is the source file system's business (ext4: whole blocks), so
    // directory sizes are not compared; their content is checked through the walk itself.
    if (ino.type != erofs::FileType::dir) expect_eq(path, "size", static_cast<core::u64>(st.st_size), ino.size);
    if (ino.type == erofs::FileType::chardev || ino.type == erofs::FileType::blockdev) {
      expect_eq(path, "rdev major", major(st.st_rdev), ino.rdev_major());
      expect_eq(path, "rdev minor", minor(st.st_rdev), ino.rdev_minor());
    }
    if (ino.type == erofs::FileType::symlink) symlink_target(path, src, ino);
    xattrs(path, src, ino);
    if (ino.type == erofs::FileType::file && m_content_done.insert(ino.nid).second) content(path, src, ino);
  }

private:
  // The mtime rule. What the format keeps:
  //  * an extended inode stores 64-bit seconds and 32-bit nanoseconds: exact;
  //  * a compact inode stores 32-bit seconds relative to the superblock epoch and no
  //    nanoseconds: every compact inode reads back sb.fixed_nsec (1.5 images: i_mtime is
  //    reserved and 0, epoch/fixed_nsec hold the build time).
  // What mkfs does with it: 1.5 writes a compact inode only if the file's (sec, nsec) equals
  // the build time; 1.9.4 (without 48bit) only if sec == epoch, *without* checking nsec, so a
  // file stamped (build time, nsec != fixed_nsec) would silently lose its nanoseconds. The
  // generated tree never has such a file (tree_builder.cpp, mtime_for). Therefore:
  //  * per-file mtimes kept (1.5 without -T; 1.9 with -T N --mkfs-time): every inode equals
  //    the source (sec, nsec) exactly, compact or extended;
  //  * fixed timestamp (1.5 -T N, which wins even over --preserve-mtime; 1.9 -T N
  //    [--all-time]): every inode equals (N, 0).
  void mtime(const std::string& path, const struct stat& st, const erofs::Inode& ino) {
    std::int64_t sec = m_opts.fixed_mtime ? *m_opts.fixed_mtime : static_cast<std::int64_t>(st.st_mtim.tv_sec);
    long nsec = m_opts.fixed_mtime ? 0 : st.st_mtim.tv_nsec;
    const char* kind = ino.extended ? "mtime (extended inode)" : "mtime (compact inode)";
    if (sec != ino.mtime || nsec != static_cast<long>(ino.mtime_nsec))
      mismatch(path, std::string(kind) + ": expected " + std::to_string(sec) + "." + std::to_string(nsec) + ", got " +
                         std::to_string(ino.mtime) + "." + std::to_string(ino.mtime_nsec));
  }

  void symlink_target(const std::string& path, const SourceEntry& src, const erofs::Inode& ino) {
    try {
      std::vector<core::u8> t = erofs::read_file(m_img, ino, 1 << 16);
      std::string got(t.begin(), t.end());
      if (got != src.link_target)
        mismatch(path, "symlink target: expected " + printable(src.link_target) + ", got " + printable(got));
    } catch (const core::Error& e) {
      mismatch(path, std::string("symlink target: reader threw: ") + e.what());
    }
  }

  void xattrs(const std::string& path, const SourceEntry& src, const erofs::Inode& ino) {
    std::map<std::string, std::string> got;
    try {
      erofs::XattrSet set = erofs::read_xattrs(m_img, ino);
      for (const erofs::Xattr& x : set.items) {
        if (!x.resolved) mismatch(path, "xattr " + printable(x.name) + ": long prefix index not in the table");
        if (x.shared) ++m_out.stats.shared_xattrs;
        if (x.name_index & erofs::ondisk::k_xattr_long_prefix) ++m_out.stats.long_prefix_xattrs;
        if (m_opts.ignore_xattr && x.name == *m_opts.ignore_xattr) continue;
        std::string value(x.value.begin(), x.value.end());
        if (!got.emplace(x.name, value).second) mismatch(path, "xattr " + printable(x.name) + " appears twice");
      }
    } catch (const core::Error& e) {
      mismatch(path, std::string("xattrs: reader threw: ") + e.what());
      return;
    }
    std::map<std::string, std::string> want = src.xattrs;
    if (m_opts.whiteout_dirs_get_origin && whiteout_dirs.count(path)) want.emplace("trusted.overlay.origin", "");
    for (const auto& [name, value] : want) {
      auto it = got.find(name);
      if (it == got.end())
        mismatch(path, "xattr " + printable(name) + ": missing from the image");
      else if (it->second != value)
        mismatch(path, "xattr " + printable(name) + ": expected " + printable(value) + ", got " + printable(it->second));
    }
    for (const auto& [name, value] : got)
      if (!want.count(name)) mismatch(path, "xattr " + printable(name) + ": in the image, not in the source");
  }

  // Streams the image content and compares each piece with the source bytes at its offset.
  void content(const std::string& path, const SourceEntry& src, const erofs::Inode& ino) {
    std::uint64_t off = 0;
    bool differs = false;
    try {
      SourceReader source(src.full);
      erofs::stream_file(m_img, ino, [&](std::span<const core::u8> piece) {
        if (differs) return;
        if (auto d = source.compare(off, piece)) {
          differs = true;
          std::uint8_t want = static_cast<std::uint8_t>(d->source_byte);
          mismatch(path, "content: first difference at byte " + std::to_string(off + d->index) +
                             (d->source_byte < 0 ? " (source ended)"
                                                 : ": expected 0x" + hex(&want, 1) + ", got 0x" +
                                                       hex(&piece[d->index], 1)));
          return;
        }
        off += piece.size();
      });
      if (!differs && off != source.size())
        mismatch(path, "content: image data ends at byte " + std::to_string(off) + " of " +
                           std::to_string(source.size()));
      m_out.stats.content_bytes += off;
    } catch (const core::Error& e) {
      mismatch(path, std::string("content: reader threw at byte ") + std::to_string(off) + ": " + e.what());
    } catch (const std::runtime_error& e) {
      mismatch(path, std::string("content: ") + e.what());
    }
  }

  const erofs::Image& m_img;
  const CompareOptions& m_opts;
  CompareResult& m_out;
  std::set<core::u64> m_content_done;
};

}  // namespace

std::string CompareResult::summary(std::size_t max) const {
  std::string s;
  for (std::size_t i = 0; i < mismatches.size() && i < max; ++i) s += "  " + mismatches[i] + "\n";
  if (mismatches.size() > max) s += "  ... and " + std::to_string(mismatches.size() - max) + " more\n";
  return s;
}

CompareResult compare_image(const erofs::Image& img, const SourceTree& source, const CompareOptions& options) {
  CompareResult out;
  Comparer cmp(img, options, out);
  for (const auto& [path, src] : source) {
    if (S_ISCHR(src.st.st_mode) && src.st.st_rdev == 0 && path != "/")
      cmp.whiteout_dirs.insert(path.rfind('/') == 0 ? "/" : path.substr(0, path.rfind('/')));
  }
  std::map<std::string, erofs::Inode> walked;
  try {
    erofs::walk_tree(img, [&](const std::string& path, const erofs::Inode& ino) {
      if (!walked.emplace(path, ino).second) cmp.mismatch(path, "visited twice by walk_tree");
    });
  } catch (const core::Error& e) {
    cmp.mismatch("(walk)", std::string("walk_tree threw: ") + e.what());
  }
  out.stats.entries = static_cast<unsigned>(walked.size());

  for (const auto& [path, src] : source)
    if (!walked.count(path)) cmp.mismatch(path, "in the source, missing from the image");
  std::map<std::pair<dev_t, ino_t>, std::pair<std::string, core::u64>> nid_of_source;
  std::map<core::u64, std::pair<std::string, std::pair<dev_t, ino_t>>> source_of_nid;
  for (const auto& [path, ino] : walked) {
    auto it = source.find(path);
    if (it == source.end()) {
      cmp.mismatch(path, "in the image, not in the source");
      continue;
    }
    cmp.entry(path, it->second, ino);

    // Hard links: names of one source inode resolve to one nid, and one nid to one source inode.
    std::pair<dev_t, ino_t> key{it->second.st.st_dev, it->second.st.st_ino};
    auto [s, fresh_s] = nid_of_source.emplace(key, std::make_pair(path, ino.nid));
    if (!fresh_s && s->second.second != ino.nid)
      cmp.mismatch(path, "hard link: nid " + std::to_string(ino.nid) + ", but its link " + s->second.first +
                             " has nid " + std::to_string(s->second.second));
    auto [n, fresh_n] = source_of_nid.emplace(ino.nid, std::make_pair(path, key));
    if (!fresh_n && n->second.second != key)
      cmp.mismatch(path, "nid " + std::to_string(ino.nid) + " is shared with " + n->second.first +
                             ", a different source inode");
    if (fresh_n) {
      CompareStats& st = out.stats;
      ++st.inodes;
      ++(ino.extended ? st.extended_inodes : st.compact_inodes);
      if (ino.type == erofs::FileType::file) {
        if (ino.layout == erofs::Layout::flat_plain) ++st.flat_plain_files;
        if (ino.layout == erofs::Layout::flat_inline) ++st.flat_inline_files;
        if (ino.layout == erofs::Layout::chunk_based) {
          ++st.chunk_based_files;
          if (ino.chunk_format & erofs::ondisk::k_chunk_format_indexes) ++st.chunk_index_files;
        }
      }
    }
  }
  return out;
}

}  // namespace test_support
