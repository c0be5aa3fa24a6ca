#include "core/smoke/cpio.hpp"

#include <sys/stat.h>

#include <fmt/format.h>

#include "core/util/error.hpp"

namespace core::smoke {

namespace {

void pad4(std::vector<u8>& out) {
  while (out.size() % 4 != 0) out.push_back(0);
}

std::span<const u8> as_bytes(const std::string& s) { return {reinterpret_cast<const u8*>(s.data()), s.size()}; }

}  // namespace

// newc header: magic "070701" and 13 eight-digit hex fields, then the name with its NUL,
// padded to 4 bytes, then the data, padded to 4 bytes (the kernel's init/initramfs.c reads
// exactly this; checksums are zero in newc).
void CpioWriter::entry(const std::string& name, u32 mode, std::span<const u8> data, u32 rmajor, u32 rminor) {
  if (name != "TRAILER!!!" && (name.empty() || name.front() == '/' || name.find('\0') != std::string::npos))
    throw UsageError(fmt::format("cpio: bad entry name '{}'", name));
  if (data.size() > 0xffffffffu) throw UsageError(fmt::format("cpio: {} is larger than 4 GiB", name));
  const u32 ino = name == "TRAILER!!!" ? 0 : m_ino++;
  const u32 nlink = S_ISDIR(mode) ? 2 : 1;
  std::string header =
      fmt::format("070701{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}", ino, mode, 0,
                  0, nlink, 0, data.size(), 0, 0, rmajor, rminor, name.size() + 1, 0);
  m_out.insert(m_out.end(), header.begin(), header.end());
  m_out.insert(m_out.end(), name.begin(), name.end());
  m_out.push_back(0);
  pad4(m_out);
  m_out.insert(m_out.end(), data.begin(), data.end());
  pad4(m_out);
}

void CpioWriter::add_directory(const std::string& name, u32 mode) { entry(name, S_IFDIR | (mode & 07777), {}, 0, 0); }

void CpioWriter::add_file(const std::string& name, std::span<const u8> data, u32 mode) {
  entry(name, S_IFREG | (mode & 07777), data, 0, 0);
}

void CpioWriter::add_file(const std::string& name, const std::string& data, u32 mode) {
  add_file(name, as_bytes(data), mode);
}

void CpioWriter::add_symlink(const std::string& name, const std::string& target) {
  entry(name, S_IFLNK | 0777, as_bytes(target), 0, 0);
}

void CpioWriter::add_char_device(const std::string& name, u32 major, u32 minor, u32 mode) {
  entry(name, S_IFCHR | (mode & 07777), {}, major, minor);
}

std::vector<u8> CpioWriter::finish() {
  entry("TRAILER!!!", 0, {}, 0, 0);
  std::vector<u8> out;
  out.swap(m_out);
  m_ino = 1;
  return out;
}

}  // namespace core::smoke
