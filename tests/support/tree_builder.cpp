#include "tests/support/tree_builder.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/source_tree.hpp"

namespace fs = std::filesystem;

namespace test_support {

namespace {

using Bytes = std::string;

[[noreturn]] void fail(const std::string& what, const fs::path& p) {
  throw std::runtime_error("tree_builder: " + what + " " + p.string() + ": " + std::strerror(errno));
}

// A 20-byte VFS_CAP_REVISION_2 security.capability value (cap_net_bind_service, effective).
Bytes capability_value() {
  const unsigned char v[20] = {0x01, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00,
                               0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  return Bytes(reinterpret_cast<const char*>(v), sizeof v);
}

std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

// The mtime a path gets. Covers compact-eligible (0, 0) stamps, pre-1970 stamps with
// nanoseconds, stamps past 2106 (not 32-bit), whole seconds and ordinary stamps. Never
// (0, nsec != 0): mkfs 1.9.4 stores a file whose seconds equal the build time as a compact
// inode and drops its nanoseconds (see the mtime rule in tree_compare.cpp).
timespec mtime_for(const std::string& rel) {
  if (rel.rfind("compact", 0) == 0) return {0, 0};
  std::uint64_t h = fnv1a(rel);
  long nsec = static_cast<long>(h % 1000000000);
  switch (h % 8) {
    case 0: return {0, 0};
    case 1: return {-static_cast<time_t>(h % 1000000000) - 1, nsec};
    case 2: return {static_cast<time_t>(5000000000 + h % 1000), 999999999};
    case 3: return {static_cast<time_t>(1700000000 + h % 100000000), 0};
    default: return {static_cast<time_t>(1500000000 + h % 300000000), nsec | 1};
  }
}

class Builder {
public:
  Builder(fs::path root, std::uint64_t seed) : m_root(std::move(root)), m_rng(seed) {}

  fs::path at(const std::string& rel) const { return m_root / rel; }

  Bytes random(std::size_t n) {
    Bytes b(n, '\0');
    for (std::size_t i = 0; i < n; i += 8) {
      std::uint64_t r = m_rng();
      std::memcpy(b.data() + i, &r, std::min<std::size_t>(8, n - i));
    }
    return b;
  }

  void dir(const std::string& rel, mode_t mode = 0755) {
    if (::mkdir(at(rel).c_str(), 0700) != 0) fail("mkdir", at(rel));
    chmod(rel, mode);
  }

  void file(const std::string& rel, const Bytes& data, mode_t mode = 0644) {
    int fd = ::open(at(rel).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) fail("open", at(rel));
    write_at(fd, rel, 0, data);
    ::close(fd);
    chmod(rel, mode);
  }

  // A sparse file of `size` bytes with random data only at the given (offset, length) extents.
  void sparse(const std::string& rel, std::uint64_t size,
              const std::vector<std::pair<std::uint64_t, std::size_t>>& extents) {
    int fd = ::open(at(rel).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) fail("open", at(rel));
    for (auto [off, len] : extents) write_at(fd, rel, off, random(len));
    if (::ftruncate(fd, static_cast<off_t>(size)) != 0) fail("ftruncate", at(rel));
    ::close(fd);
  }

  void symlink(const std::string& target, const std::string& rel) {
    if (::symlink(target.c_str(), at(rel).c_str()) != 0) fail("symlink", at(rel));
  }
  void hardlink(const std::string& existing, const std::string& rel) {
    if (::linkat(AT_FDCWD, at(existing).c_str(), AT_FDCWD, at(rel).c_str(), 0) != 0) fail("link", at(rel));
  }
  void node(const std::string& rel, mode_t mode, dev_t dev) {
    if (::mknod(at(rel).c_str(), mode, dev) != 0) fail("mknod", at(rel));
    chmod(rel, mode & 07777);
  }
  void fifo(const std::string& rel, mode_t mode) {
    if (::mkfifo(at(rel).c_str(), mode) != 0) fail("mkfifo", at(rel));
    chmod(rel, mode);
  }
  // A unix socket node: bind an AF_UNIX socket to the path, then close it (the node stays).
  // The address goes through /proc/self/fd/N/NAME so a long $TMPDIR cannot overflow sun_path.
  void socket(const std::string& rel) {
    fs::path p = at(rel);
    int dir = ::open(p.parent_path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) fail("open", p.parent_path());
    std::string addr_path = "/proc/self/fd/" + std::to_string(dir) + "/" + p.filename().string();
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (addr_path.size() >= sizeof addr.sun_path) {
      errno = ENAMETOOLONG;
      fail("socket name too long for sun_path", p);
    }
    std::memcpy(addr.sun_path, addr_path.c_str(), addr_path.size() + 1);
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) fail("socket", p);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) fail("bind", p);
    ::close(fd);
    ::close(dir);
    chmod(rel, 0755);
  }

  void xattr(const std::string& rel, const std::string& name, const Bytes& value) {
    if (::lsetxattr(at(rel).c_str(), name.c_str(), value.data(), value.size(), 0) != 0)
      fail("lsetxattr " + name, at(rel));
  }
  // chown clears set-id bits, so the caller sets ownership before modes (see own_then_mode).
  void own(const std::string& rel, uid_t uid, gid_t gid) {
    if (::lchown(at(rel).c_str(), uid, gid) != 0) fail("lchown", at(rel));
  }
  void chmod(const std::string& rel, mode_t mode) {
    if (::chmod(at(rel).c_str(), mode) != 0) fail("chmod", at(rel));
  }

  // Sets every mtime (and atime) last, children before parents, root at the very end.
  void stamp_all() {
    std::vector<std::string> rels;
    walk_source(m_root, [&](const std::string& rel, const struct stat&) { rels.push_back(rel); });
    auto depth = [](const std::string& s) { return std::count(s.begin(), s.end(), '/'); };
    std::stable_sort(rels.begin(), rels.end(), [&](const auto& a, const auto& b) { return depth(a) > depth(b); });
    for (const auto& rel : rels) stamp(at(rel), mtime_for(rel));
    stamp(m_root, timespec{1234567890, 987654321});
  }

private:
  void write_at(int fd, const std::string& rel, std::uint64_t off, const Bytes& data) {
    std::size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(off + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        fail("pwrite", at(rel));
      }
      done += static_cast<std::size_t>(n);
    }
  }
  static void stamp(const fs::path& p, timespec t) {
    timespec times[2] = {t, t};
    if (::utimensat(AT_FDCWD, p.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) fail("utimensat", p);
  }

  fs::path m_root;
  std::mt19937_64 m_rng;
};

void regular_files(Builder& b, const TreeOptions& o) {
  b.dir("files");
  b.file("files/empty", "");
  b.file("files/one", "x");
  // bs-1, bs, bs+1 for every block size the matrix uses, plus multi-block files with tails.
  for (unsigned n : {511u, 512u, 513u, 1023u, 1024u, 1025u, 4095u, 4096u, 4097u, 8191u, 8193u, 12289u, 70001u})
    b.file("files/size_" + std::to_string(n), b.random(n));
  b.file("files/big", b.random(o.big_file_size));
  b.file("files/zeros_written", Bytes(65536 + 7, '\0'));
  b.file("files/text", "hello, erofs\n");
}

void sparse_files(Builder& b, std::uint64_t huge_size) {
  constexpr std::uint64_t MiB = 1 << 20;
  b.dir("sparse");
  b.sparse("sparse/hole_middle_and_end", 3 * MiB + 77, {{0, 10000}, {2 * MiB + 100, 5000}});
  b.sparse("sparse/all_hole", MiB + 1, {});
  b.sparse("sparse/hole_start", MiB + 5 + 3000, {{MiB + 5, 3000}});
  b.sparse("sparse/hole_end", 2 * MiB, {{0, 12288}});
  // Data in some 64 KiB chunks and not others, unaligned at the edges.
  if (huge_size) b.sparse("sparse/huge", huge_size, {{0, 100}, {(std::uint64_t(4) << 30) - 10, 5000}});
  b.sparse("sparse/patchy", 1536 * 1024 + 333, {{70000, 100}, {262144, 65536}, {1048576 - 10, 20}, {1536 * 1024, 333}});
}

void links(Builder& b) {
  b.dir("links");
  b.file("links/target", b.random(5000), 0640);
  b.hardlink("links/target", "links/hard_a");
  b.hardlink("links/target", "links/hard_b");
  b.hardlink("links/target", "files/hard_elsewhere");
  b.file("links/empty_a", "");
  b.hardlink("links/empty_a", "links/empty_b");
  b.symlink("t", "links/sym_short");
  b.symlink("../files/one", "links/sym_relative");
  b.symlink("/nonexistent/dangling/target", "links/sym_dangling");
  b.symlink(std::string(600, 'm'), "links/sym_600");
  std::string longest;
  while (longest.size() < 4095) longest += "long-target-component/";
  longest.resize(4095);
  b.symlink(longest, "links/sym_4095");
  b.symlink("\xff\xfe\x80 raw bytes", "links/sym_raw_bytes");
  b.hardlink("links/sym_short", "links/sym_hardlinked");  // a hard link to the symlink itself
}

void specials(Builder& b) {
  b.dir("special");
  b.node("special/chr_null", S_IFCHR | 0666, makedev(1, 3));
  b.node("special/chr_whiteout", S_IFCHR | 0000, makedev(0, 0));
  b.node("special/chr_big", S_IFCHR | 0620, makedev(4095, 1048575));
  b.node("special/blk_disk", S_IFBLK | 0660, makedev(8, 1));
  b.node("special/blk_big", S_IFBLK | 0600, makedev(259, 262144));
  b.fifo("special/fifo", 0640);
  b.socket("special/socket");
  b.own("special/chr_big", 1000, 1000);
  b.own("special/fifo", 12345, 54321);
  b.chmod("special/fifo", 0640);
}

void names(Builder& b, unsigned max_len) {
  b.dir("names");
  b.file("names/" + std::string(max_len, 'n'), "longest name");
  std::string d = "names/" + std::string(max_len, 'd');
  b.dir(d);
  b.file(d + "/" + std::string(max_len, 'f'), "longest inside longest");
  for (const char* n : {"a", "A", "a.b", "a-b", "aa", "~", "-dash", "sp ace", "new\nline", "\xc3\xbc-utf8",
                        "\xff\xfe-raw", "\x01"})
    b.file(std::string("names/") + n, n);
}

void xattrs(Builder& b) {
  const Bytes caps = capability_value();
  const std::string lp = k_user_long_prefix, ov = k_overlay_prefix;
  b.dir("xattrs");
  b.file("xattrs/plain", "plain");
  b.xattr("xattrs/plain", "user.plain", "value");
  b.xattr("xattrs/plain", "user.empty", "");
  Bytes all_bytes;
  for (int i = 0; i < 256; ++i) all_bytes += static_cast<char>(i);
  b.xattr("xattrs/plain", "user.binary", all_bytes);
  b.xattr("xattrs/plain", "trusted.t", "trusted-value");
  b.xattr("xattrs/plain", "security.sec", "s");
  b.hardlink("xattrs/plain", "xattrs/plain_hardlink");

  b.file("xattrs/caps", b.random(100), 0755);
  b.xattr("xattrs/caps", "security.capability", caps);
  b.file("xattrs/big_value", "");
  b.xattr("xattrs/big_value", "user.big", b.random(1500));
  b.file("xattrs/long_name", "x");
  b.xattr("xattrs/long_name", "user." + std::string(250, 'L'), "long-name");

  b.file("xattrs/prefixed", b.random(3000));
  b.xattr("xattrs/prefixed", lp + "alpha", "1");
  b.xattr("xattrs/prefixed", lp + "beta", "22");
  b.xattr("xattrs/prefixed", lp, "suffix is empty");
  b.xattr("xattrs/prefixed", ov + "opaque", "y");
  b.xattr("xattrs/prefixed", ov + "redirect", "/some/where/else");
  b.xattr("xattrs/prefixed", "user.long.prefix.fo", "almost the prefix");

  for (unsigned i = 0; i < k_shared_xattr_files; ++i) {
    std::string p = "xattrs/shared_" + std::to_string(i);
    b.file(p, i % 2 ? b.random(100 + i) : Bytes());
    b.xattr(p, "user.shared", "shared-value");
    b.xattr(p, "security.capability", caps);
    b.xattr(p, ov + "origin", Bytes("\x00\xfb\x21\x00", 4));
    b.xattr(p, lp + "shared", "shared long-prefix value");
    b.xattr(p, "user.index", std::to_string(i));
  }

  b.dir("xattrs/dir");
  b.xattr("xattrs/dir", "user.dir", "d");
  b.xattr("xattrs/dir", ov + "opaque", "y");
  b.symlink("target", "xattrs/symlink");  // user.* is not allowed on symlinks
  b.xattr("xattrs/symlink", "trusted.sym", "s");
  b.fifo("xattrs/fifo", 0600);
  b.xattr("xattrs/fifo", "trusted.fifo", "f");
}

void owners_and_modes(Builder& b) {
  b.dir("owners");
  struct Owner { const char* name; uid_t uid; gid_t gid; };
  for (Owner o : {Owner{"u100000", 100000, 200000}, Owner{"u65535", 65535, 65535}, Owner{"u65536", 65536, 0},
                  Owner{"umax", 4294967294u, 4294967294u}, Owner{"u1000", 1000, 100}}) {
    std::string p = std::string("owners/") + o.name;
    b.file(p, o.name);
    b.own(p, o.uid, o.gid);
  }
  b.dir("owners/dir70000", 0750);
  b.own("owners/dir70000", 70000, 70001);
  b.file("owners/dir70000/inner", "inner");
  b.own("owners/dir70000/inner", 70000, 70001);
  b.symlink("u100000", "owners/sym");
  b.own("owners/sym", 100001, 100002);

  // Modes are set after ownership: chown clears the set-id bits.
  b.dir("modes");
  for (mode_t m : {00000, 00400, 00777, 04755, 02755, 06711, 01755, 07777, 04000}) {
    char name[32];
    std::snprintf(name, sizeof name, "modes/f%04o", static_cast<unsigned>(m));
    b.file(name, name);
    b.own(name, 100, 100);
    b.chmod(name, m);
  }
  b.dir("modes/d_sticky", 01777);
  b.dir("modes/d_0700", 0700);
  b.dir("modes/d_setgid", 02775);
  b.dir("modes/d_0000", 0000);
}

void nested_and_compact(Builder& b) {
  std::string p = "deep";
  b.dir(p);
  for (int i = 1; i <= 12; ++i) b.dir(p += "/level" + std::to_string(i));
  b.file(p + "/leaf", "leaf");
  // mtime (0, 0) and small ids: compact inodes when mkfs builds with a build time of 0.
  b.dir("compact");
  b.file("compact/file", "compact");
  b.file("compact/empty", "");
  b.dir("compact/dir");
  b.symlink("file", "compact/symlink");
}

void big_directory(Builder& b, unsigned entries) {
  b.dir("bigdir");
  for (unsigned i = 0; i < entries; ++i) {
    // Names of varying length so dirents fill blocks unevenly.
    std::string name = "entry-" + std::to_string(100000 + i) + std::string(i % 37, 'x');
    std::string p = "bigdir/" + name;
    if (i % 500 == 7)
      b.dir(p);
    else if (i % 250 == 3)
      b.symlink(i % 500 == 3 ? name : "../files/one", p);  // some point at themselves
    else
      b.file(p, i % 100 == 1 ? Bytes(1, static_cast<char>(i)) : Bytes());
  }
}

}  // namespace

void build_tree(const fs::path& root, const TreeOptions& options) {
  Builder b(root, options.seed);
  regular_files(b, options);
  sparse_files(b, options.huge_sparse_size);
  links(b);
  specials(b);
  names(b, options.max_name_len);
  xattrs(b);
  owners_and_modes(b);
  nested_and_compact(b);
  if (options.big_dir_entries) big_directory(b, options.big_dir_entries);
  if (::chmod(root.c_str(), 0755) != 0) fail("chmod", root);
  b.stamp_all();
}

}  // namespace test_support
