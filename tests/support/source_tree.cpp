#include "tests/support/source_tree.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

namespace fs = std::filesystem;

namespace test_support {

namespace {

[[noreturn]] void fail(const std::string& what, const fs::path& p) {
  throw std::runtime_error("source scan: " + what + " " + p.string() + ": " + std::strerror(errno));
}

std::map<std::string, std::string> read_xattrs(const fs::path& p) {
  std::map<std::string, std::string> out;
  ssize_t n = ::llistxattr(p.c_str(), nullptr, 0);
  if (n < 0) fail("llistxattr", p);
  std::vector<char> names(static_cast<std::size_t>(n) + 1);
  n = ::llistxattr(p.c_str(), names.data(), names.size());
  if (n < 0) fail("llistxattr", p);
  for (ssize_t at = 0; at < n;) {
    std::string name(names.data() + at);
    at += static_cast<ssize_t>(name.size()) + 1;
    ssize_t len = ::lgetxattr(p.c_str(), name.c_str(), nullptr, 0);
    if (len < 0) fail("lgetxattr " + name, p);
    std::string value(static_cast<std::size_t>(len), '\0');
    len = ::lgetxattr(p.c_str(), name.c_str(), value.data(), value.size());
    if (len < 0) fail("lgetxattr " + name, p);
    value.resize(static_cast<std::size_t>(len));
    out.emplace(std::move(name), std::move(value));
  }
  return out;
}

SourceEntry scan_one(const fs::path& p) {
  SourceEntry e;
  e.full = p;
  if (::lstat(p.c_str(), &e.st) != 0) fail("lstat", p);
  if (S_ISLNK(e.st.st_mode)) {
    std::vector<char> buf(static_cast<std::size_t>(e.st.st_size) + 1);
    ssize_t n = ::readlink(p.c_str(), buf.data(), buf.size());
    if (n < 0) fail("readlink", p);
    e.link_target.assign(buf.data(), static_cast<std::size_t>(n));
  }
  e.xattrs = read_xattrs(p);
  return e;
}

}  // namespace

void walk_source(const fs::path& root, const std::function<void(const std::string&, const struct stat&)>& fn) {
  std::vector<std::string> pending{""};
  while (!pending.empty()) {
    std::string rel = std::move(pending.back());
    pending.pop_back();
    fs::path dir = rel.empty() ? root : root / rel;
    std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
    if (!d) fail("opendir", dir);
    while (dirent* de = ::readdir(d.get())) {
      std::string name = de->d_name;
      if (name == "." || name == "..") continue;
      std::string child = rel.empty() ? name : rel + "/" + name;
      struct stat st {};
      if (::lstat((root / child).c_str(), &st) != 0) fail("lstat", root / child);
      fn(child, st);
      if (S_ISDIR(st.st_mode)) pending.push_back(child);
    }
  }
}

SourceTree scan_source(const fs::path& root) {
  SourceTree tree;
  tree.emplace("/", scan_one(root));
  walk_source(root, [&](const std::string& rel, const struct stat&) { tree.emplace("/" + rel, scan_one(root / rel)); });
  return tree;
}

SourceReader::SourceReader(const fs::path& path) : m_path(path) {
  m_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (m_fd < 0) fail("open", path);
  struct stat st {};
  if (::fstat(m_fd, &st) != 0) fail("fstat", path);
  m_size = static_cast<std::uint64_t>(st.st_size);
}

SourceReader::~SourceReader() {
  if (m_fd >= 0) ::close(m_fd);
}

void SourceReader::locate(std::uint64_t off) {
  if (off >= m_seg_start && off < m_seg_end) return;
  off_t data = ::lseek(m_fd, static_cast<off_t>(off), SEEK_DATA);
  if (data < 0 && errno != ENXIO) fail("lseek SEEK_DATA", m_path);
  std::uint64_t next_data = data < 0 ? m_size : static_cast<std::uint64_t>(data);
  m_seg_start = off;
  if (next_data > off) {  // [off, next_data) is a hole
    m_seg_end = next_data;
    m_seg_hole = true;
    return;
  }
  off_t hole = ::lseek(m_fd, static_cast<off_t>(off), SEEK_HOLE);
  if (hole < 0) fail("lseek SEEK_HOLE", m_path);
  m_seg_end = static_cast<std::uint64_t>(hole);
  m_seg_hole = false;
}

std::optional<SourceReader::Difference> SourceReader::compare(std::uint64_t off, std::span<const std::uint8_t> bytes) {
  static const std::uint8_t k_zeros[1 << 16] = {};
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    const std::uint64_t at = off + pos;
    if (at >= m_size) return Difference{pos, -1};
    locate(at);
    std::size_t n = static_cast<std::size_t>(
        std::min<std::uint64_t>({bytes.size() - pos, m_seg_end - at, sizeof k_zeros}));
    const std::uint8_t* want = k_zeros;
    if (!m_seg_hole) {
      m_buf.resize(n);
      std::size_t done = 0;
      while (done < n) {
        ssize_t r = ::pread(m_fd, m_buf.data() + done, n - done, static_cast<off_t>(at + done));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) fail("pread", m_path);
        if (r == 0) break;
        done += static_cast<std::size_t>(r);
      }
      if (done < n) return Difference{pos + done, -1};
      want = m_buf.data();
    }
    if (std::memcmp(want, bytes.data() + pos, n) != 0) {
      std::size_t i = 0;
      while (want[i] == bytes[pos + i]) ++i;
      return Difference{pos + i, want[i]};
    }
    pos += n;
  }
  return std::nullopt;
}

std::array<std::uint8_t, 32> sha256_of_file(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("open", path);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::vector<char> buf(1 << 16);
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      fail("read", path);
    }
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<std::size_t>(n));
  }
  ::close(fd);
  std::array<std::uint8_t, 32> d{};
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx.get(), d.data(), &len);
  return d;
}

std::string hex(const std::uint8_t* data, std::size_t size) {
  static const char* k_digits = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < size; ++i) {
    s += k_digits[data[i] >> 4];
    s += k_digits[data[i] & 15];
  }
  return s;
}

std::string printable(const std::string& bytes, std::size_t max) {
  std::string s = "\"";
  for (std::size_t i = 0; i < bytes.size() && i < max; ++i) {
    unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (c == '"' || c == '\\') {
      s += '\\';
      s += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      s += static_cast<char>(c);
    } else {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\x%02x", c);
      s += esc;
    }
  }
  s += "\"";
  if (bytes.size() > max) s += "...(" + std::to_string(bytes.size()) + " bytes)";
  return s;
}

}  // namespace test_support
