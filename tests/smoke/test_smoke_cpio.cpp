// core::smoke::CpioWriter: the newc bytes the kernel's initramfs unpacker reads.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/smoke/cpio.hpp"
#include "core/util/error.hpp"

using core::u32;
using core::u8;

namespace {

struct Entry {
  std::string name;
  u32 mode = 0;
  u32 rmajor = 0;
  u32 rminor = 0;
  std::string data;
};

u32 hex_field(const std::vector<u8>& a, size_t off) {
  return static_cast<u32>(std::stoul(std::string(a.begin() + off, a.begin() + off + 8), nullptr, 16));
}

// A reader written from the format description (init/initramfs.c): 110-byte header, name
// padded so that header + name is a multiple of 4, data padded to 4.
std::vector<Entry> parse(const std::vector<u8>& a) {
  std::vector<Entry> out;
  size_t pos = 0;
  for (;;) {
    EXPECT_EQ(pos % 4, 0u);
    EXPECT_EQ(std::string(a.begin() + pos, a.begin() + pos + 6), "070701");
    Entry e;
    e.mode = hex_field(a, pos + 6 + 8);
    const u32 size = hex_field(a, pos + 6 + 6 * 8);
    e.rmajor = hex_field(a, pos + 6 + 9 * 8);
    e.rminor = hex_field(a, pos + 6 + 10 * 8);
    const u32 namesize = hex_field(a, pos + 6 + 11 * 8);
    EXPECT_EQ(hex_field(a, pos + 6 + 12 * 8), 0u);  // check field is 0 in newc
    size_t name_at = pos + 110;
    e.name = std::string(a.begin() + name_at, a.begin() + name_at + namesize - 1);
    EXPECT_EQ(a[name_at + namesize - 1], 0);
    size_t data_at = (name_at + namesize + 3) / 4 * 4;
    e.data = std::string(a.begin() + data_at, a.begin() + data_at + size);
    pos = (data_at + size + 3) / 4 * 4;
    if (e.name == "TRAILER!!!") break;
    out.push_back(e);
  }
  EXPECT_EQ(pos, a.size());
  return out;
}

}  // namespace

TEST(SmokeCpio, HeaderOfOneFileIsExact) {
  core::smoke::CpioWriter w;
  w.add_file("init", std::string("#!/bin/sh\n"), 0755);
  std::vector<u8> a = w.finish();
  const std::string header(a.begin(), a.begin() + 110);
  // ino 1, mode 0100755, uid 0, gid 0, nlink 1, mtime 0, size 10, dev 0:0, rdev 0:0, namesize 5, check 0
  EXPECT_EQ(header, "070701"
                    "00000001"
                    "000081ED"
                    "00000000"
                    "00000000"
                    "00000001"
                    "00000000"
                    "0000000A"
                    "00000000"
                    "00000000"
                    "00000000"
                    "00000000"
                    "00000005"
                    "00000000");
  EXPECT_EQ(std::string(a.begin() + 110, a.begin() + 115), std::string("init\0", 5));
  EXPECT_EQ(a[115], 0);  // 110 + 5 padded to 116
  EXPECT_EQ(std::string(a.begin() + 116, a.begin() + 126), "#!/bin/sh\n");
}

TEST(SmokeCpio, EveryKindRoundTrips) {
  core::smoke::CpioWriter w;
  w.add_directory("bin");
  w.add_file("bin/busybox", std::string("abc"), 0755);
  w.add_symlink("bin/sh", "busybox");
  w.add_char_device("console", 5, 1);
  std::string big(5001, 'x');
  w.add_file("plan", big);
  std::vector<Entry> e = parse(w.finish());
  ASSERT_EQ(e.size(), 5u);
  EXPECT_EQ(e[0].name, "bin");
  EXPECT_EQ(e[0].mode, 040755u);
  EXPECT_EQ(e[1].data, "abc");
  EXPECT_EQ(e[1].mode, 0100755u);
  EXPECT_EQ(e[2].mode, 0120777u);
  EXPECT_EQ(e[2].data, "busybox");
  EXPECT_EQ(e[3].mode, 020600u);
  EXPECT_EQ(e[3].rmajor, 5u);
  EXPECT_EQ(e[3].rminor, 1u);
  EXPECT_EQ(e[4].data, big);
}

TEST(SmokeCpio, EmptyArchiveIsOnlyTheTrailer) {
  core::smoke::CpioWriter w;
  std::vector<u8> a = w.finish();
  EXPECT_TRUE(parse(a).empty());
  EXPECT_EQ(a.size(), 124u);  // 110 + "TRAILER!!!\0" (11) = 121, padded to 124
}

TEST(SmokeCpio, BadNamesAreRefused) {
  core::smoke::CpioWriter w;
  EXPECT_THROW(w.add_file("/abs", std::string("x")), core::UsageError);
  EXPECT_THROW(w.add_file("", std::string("x")), core::UsageError);
  EXPECT_THROW(w.add_file(std::string("a\0b", 3), std::string("x")), core::UsageError);
  try {
    w.add_directory("/etc");
    FAIL();
  } catch (const core::UsageError& e) {
    EXPECT_STREQ(e.what(), "cpio: bad entry name '/etc'");
  }
}
