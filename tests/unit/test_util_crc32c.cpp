#include <string_view>

#include <gtest/gtest.h>

#include "core/erofs/superblock.hpp"
#include "core/util/crc32c.hpp"

namespace {

using core::u32;
using core::u8;

std::span<const u8> bytes_of(std::string_view s) { return {reinterpret_cast<const u8*>(s.data()), s.size()}; }

TEST(Crc32c, StandardCheckValue) {
  // CRC-32C("123456789") = 0xE3069283 in the usual convention (init ~0, final ~); the raw
  // register EROFS stores is its complement.
  u32 reg = core::util::crc32c_update(~0u, bytes_of("123456789"));
  EXPECT_EQ(~reg, 0xE3069283u);
  EXPECT_EQ(reg, 0x1CF96D7Cu);
}

TEST(Crc32c, EmptyInputLeavesRegister) {
  EXPECT_EQ(core::util::crc32c_update(0x12345678u, {}), 0x12345678u);
}

TEST(Crc32c, IncrementalEqualsOneShot) {
  u32 a = core::util::crc32c_update(~0u, bytes_of("1234"));
  a = core::util::crc32c_update(a, bytes_of("56789"));
  EXPECT_EQ(a, core::util::crc32c_update(~0u, bytes_of("123456789")));
}

TEST(Crc32c, KernelSuperblockSeed) {
  // §1.4: the kernel starts from 0x5045B54A, the register after the magic and a zero checksum.
  const u8 head[8] = {0xE2, 0xE1, 0xF5, 0xE0, 0, 0, 0, 0};
  EXPECT_EQ(core::util::crc32c_update(~0u, head), 0x5045B54Au);
}

TEST(Crc32c, SuperblockChecksumIgnoresStoredField) {
  std::vector<u8> img(4096);
  const u8 magic[4] = {0xE2, 0xE1, 0xF5, 0xE0};
  std::copy(magic, magic + 4, img.begin() + 1024);
  img[1024 + 0x0C] = 12;
  core::util::ByteView v(img.data(), img.size());
  u32 a = core::erofs::superblock_checksum(v, 12);
  img[1028] = 0xAB;  // the checksum field itself is read as zero
  EXPECT_EQ(core::erofs::superblock_checksum(v, 12), a);
  img[4095] = 1;  // the rest of block 0 is covered
  EXPECT_NE(core::erofs::superblock_checksum(v, 12), a);
  std::vector<u8> tail(img.begin() + 1032, img.end());
  EXPECT_EQ(core::erofs::superblock_checksum(v, 12), core::util::crc32c_update(0x5045B54Au, tail));
}

}  // namespace
