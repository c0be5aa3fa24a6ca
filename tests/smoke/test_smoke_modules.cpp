// core::smoke modules: names of module files and the dependencies in .modinfo.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/smoke/modules.hpp"
#include "core/util/error.hpp"

using namespace core::smoke;

TEST(SmokeModules, NamesAndModinfo) {
  EXPECT_EQ(module_name("virtio-rng.ko.xz"), "virtio_rng");
  EXPECT_EQ(module_name("erofs.ko"), "erofs");
  EXPECT_EQ(module_name("loop.ko.zst"), "loop");
  EXPECT_EQ(module_name("modules.dep"), "");
  EXPECT_EQ(module_name(".ko"), "");

  // A minimal ELF64 object: header, .modinfo, .shstrtab, three section headers.
  std::vector<core::u8> elf(64, 0);
  const char ident[] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
  std::copy(ident, ident + 7, elf.begin());
  const char modinfo_text[] = "license=GPL\0depends=virtio,virtio-ring\0vermagic=7.3.4 SMP";
  const std::string modinfo(modinfo_text, sizeof modinfo_text);  // with the final NUL
  const char shstr_text[] = "\0.modinfo\0.shstrtab";
  const std::string shstr(shstr_text, sizeof shstr_text);
  const size_t modinfo_off = elf.size();
  elf.insert(elf.end(), modinfo.begin(), modinfo.end());
  const size_t shstr_off = elf.size();
  elf.insert(elf.end(), shstr.begin(), shstr.end());
  while (elf.size() % 8) elf.push_back(0);
  const size_t shoff = elf.size();
  auto put = [&](size_t off, core::u64 v, int len) {
    for (int i = 0; i < len; ++i) elf[off + i] = static_cast<core::u8>(v >> (8 * i));
  };
  elf.resize(shoff + 3 * 64, 0);
  put(0x28, shoff, 8);
  put(0x3a, 64, 2);
  put(0x3c, 3, 2);
  put(0x3e, 2, 2);
  put(shoff + 64 + 0, 1, 4);  // section 1: name ".modinfo"
  put(shoff + 64 + 0x18, modinfo_off, 8);
  put(shoff + 64 + 0x20, modinfo.size(), 8);
  put(shoff + 128 + 0, 10, 4);  // section 2: ".shstrtab"
  put(shoff + 128 + 0x18, shstr_off, 8);
  put(shoff + 128 + 0x20, shstr.size(), 8);
  EXPECT_EQ(module_depends(elf), (std::vector<std::string>{"virtio", "virtio_ring"}));
  EXPECT_EQ(module_info(elf, "vermagic"), "7.3.4 SMP");
  EXPECT_EQ(module_info(elf, "author"), "");

  put(shoff + 64 + 0x20, 1u << 30, 8);  // .modinfo past the end
  EXPECT_THROW(module_depends(elf), core::UsageError);
  std::vector<core::u8> junk(100, 0);
  try {
    module_depends(junk);
    FAIL();
  } catch (const core::UsageError& e) {
    EXPECT_STREQ(e.what(), "kernel module: not an ELF64 object (magic)");
  }
}
