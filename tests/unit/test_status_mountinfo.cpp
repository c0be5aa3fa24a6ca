// core/status/mountinfo: lines as the kernel writes them (proc(5)), escapes, EROFS options.
#include <gtest/gtest.h>

#include "core/status/mountinfo.hpp"
#include "core/util/error.hpp"

namespace core::status {
namespace {

TEST(StatusMountinfo, ParsesFieldsOptionalFieldsAndEscapes) {
  const std::string text = "36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n"
                           "45 27 7:0 / /srv/a\\040b ro,relatime shared:7 master:2 - erofs /dev/loop0 "
                           "ro,user_xattr,acl,cache_strategy=readaround,inode_share\n";
  const std::vector<MountEntry> m = parse_mountinfo(text, "mi");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].root, "/mnt1");
  EXPECT_EQ(m[0].fstype, "ext3");
  EXPECT_EQ(m[1].id, 45u);
  EXPECT_EQ(m[1].major, 7u);
  EXPECT_EQ(m[1].minor, 0u);
  EXPECT_EQ(m[1].mount_point, "/srv/a b");
  EXPECT_EQ(m[1].source, "/dev/loop0");
  EXPECT_EQ(m[1].super_options, "ro,user_xattr,acl,cache_strategy=readaround,inode_share");
}

TEST(StatusMountinfo, RejectsLinesNotInTheFormat) {
  try {
    parse_mountinfo("1 0 8:1 / / rw - ext4 /dev/sda1 rw\nnot a line\n", "FILE");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "FILE: line 2: not a mountinfo line (no \" - \" separator after six fields)");
  }
  EXPECT_THROW(parse_mountinfo("x 0 8:1 / / rw - ext4 /dev/sda1 rw\n", "F"), UsageError);
  EXPECT_THROW(parse_mountinfo("1 0 81 / / rw - ext4 /dev/sda1 rw\n", "F"), UsageError);
  EXPECT_THROW(parse_mountinfo("1 0 8:1 / / rw -\n", "F"), UsageError);
}

TEST(StatusMountinfo, ErofsOptions) {
  ErofsOptions o = parse_erofs_options("ro,user_xattr,inode_share,domain_id=web,device=/dev/vdb,device=/dev/vdc");
  EXPECT_TRUE(o.inode_share);
  ASSERT_TRUE(o.domain_id);
  EXPECT_EQ(*o.domain_id, "web");
  EXPECT_EQ(o.devices, (std::vector<std::string>{"/dev/vdb", "/dev/vdc"}));
  o = parse_erofs_options("ro,user_xattr,acl");
  EXPECT_FALSE(o.inode_share);
  EXPECT_FALSE(o.domain_id);
  EXPECT_EQ(unescape("a\\011b\\134"), "a\tb\\");
  EXPECT_EQ(unescape("trailing\\04"), "trailing\\04");
}

}  // namespace
}  // namespace core::status
