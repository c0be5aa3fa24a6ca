// A writer for the "newc" cpio format (the format the kernel unpacks as an initramfs).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/util/ints.hpp"

namespace core::smoke {

// Builds a newc archive in memory: entries in call order, then the TRAILER!!! entry.
// Names are relative ("bin/busybox"); parents must be added before their children.
class CpioWriter {
public:
  void add_directory(const std::string& name, u32 mode = 0755);
  void add_file(const std::string& name, std::span<const u8> data, u32 mode = 0644);
  void add_file(const std::string& name, const std::string& data, u32 mode = 0644);
  void add_symlink(const std::string& name, const std::string& target);
  void add_char_device(const std::string& name, u32 major, u32 minor, u32 mode = 0600);
  // Appends the trailer and returns the archive; the writer is empty afterwards.
  // Throws UsageError if a name is empty, absolute or contains a NUL byte.
  std::vector<u8> finish();

private:
  void entry(const std::string& name, u32 mode, std::span<const u8> data, u32 rmajor, u32 rminor);
  std::vector<u8> m_out;
  u32 m_ino = 1;
};

}  // namespace core::smoke
