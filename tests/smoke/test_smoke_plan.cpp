// core::smoke::Plan: the text the probe executes.
#include <gtest/gtest.h>

#include "core/smoke/plan.hpp"

using namespace core::smoke;

TEST(SmokePlan, FieldsArePercentEncoded) {
  EXPECT_EQ(encode_field("/mnt/m0/a b%c\n\xff"), "/mnt/m0/a%20b%25c%0A%FF");
  Plan p;
  p.insmod("erofs", "/lib/modules/erofs.ko");
  p.mount("m0", "/dev/vda", "/mnt/m0", "inode_share,domain_id=smoke-a");
  p.mount("plain", "/dev/vdb", "/mnt/plain", "");
  p.observe("o1", "/mnt/m0/x y", "/mnt/plain/x y");
  EXPECT_EQ(p.render(), "# erofs-share smoke plan\n"
                        "insmod erofs /lib/modules/erofs.ko\n"
                        "mount m0 /dev/vda /mnt/m0 inode_share,domain_id=smoke-a\n"
                        "mount plain /dev/vdb /mnt/plain -\n"
                        "observe o1 /mnt/m0/x%20y /mnt/plain/x%20y\n"
                        "end\n");
}

TEST(SmokePlan, StatusStageSteps) {
  Plan p;
  p.umount("m0", "/mnt/m0");
  p.measure("with", {"/mnt/m0", "/mnt/plain"});
  p.residency("before", {"/mnt/m0"});
  p.run("status", {"/bin/erofs-share", "status", "--domain", "/mnt/m0=smoke a"});
  EXPECT_EQ(p.render(), "# erofs-share smoke plan\n"
                        "umount m0 /mnt/m0\n"
                        "measure with /mnt/m0 /mnt/plain\n"
                        "residency before /mnt/m0\n"
                        "run status /bin/erofs-share status --domain /mnt/m0=smoke%20a\n"
                        "end\n");
}
