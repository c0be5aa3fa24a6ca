// core::smoke::qemu_command and virtio_disk: the VM's command line, without a VM.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/smoke/qemu.hpp"

using namespace core::smoke;

TEST(SmokeQemu, CommandLineForTcgAndKvm) {
  QemuConfig c;
  c.kernel = "/k/vmlinuz";
  c.initrd = "/w/initramfs.cpio";
  c.drives = {"/w/a.erofs", "/w/odd,name.erofs"};
  std::vector<std::string> argv = qemu_command(c);
  auto has_pair = [&](const std::string& a, const std::string& b) {
    for (size_t i = 0; i + 1 < argv.size(); ++i)
      if (argv[i] == a && argv[i + 1] == b) return true;
    return false;
  };
  EXPECT_EQ(argv.front(), "qemu-system-x86_64");
  EXPECT_TRUE(has_pair("-accel", "tcg"));
  EXPECT_TRUE(has_pair("-cpu", "max"));
  EXPECT_TRUE(has_pair("-kernel", "/k/vmlinuz"));
  EXPECT_TRUE(has_pair("-initrd", "/w/initramfs.cpio"));
  EXPECT_TRUE(has_pair("-append", kernel_command_line()));
  EXPECT_TRUE(has_pair("-drive", "file=/w/a.erofs,if=virtio,format=raw,readonly=on"));
  EXPECT_TRUE(has_pair("-drive", "file=/w/odd,,name.erofs,if=virtio,format=raw,readonly=on"));
  EXPECT_NE(std::find(argv.begin(), argv.end(), "-no-reboot"), argv.end());
  EXPECT_NE(kernel_command_line().find("console=ttyS0"), std::string::npos);
  EXPECT_NE(kernel_command_line().find("panic=-1"), std::string::npos);
  c.accel = Accel::kvm;
  argv = qemu_command(c);
  EXPECT_TRUE(has_pair("-accel", "kvm"));
  EXPECT_TRUE(has_pair("-cpu", "host"));
}

TEST(SmokeQemu, VirtioDiskNames) {
  EXPECT_EQ(virtio_disk(0), "/dev/vda");
  EXPECT_EQ(virtio_disk(1), "/dev/vdb");
  EXPECT_EQ(virtio_disk(25), "/dev/vdz");
  EXPECT_EQ(virtio_disk(26), "/dev/vdaa");
  EXPECT_EQ(virtio_disk(27), "/dev/vdab");
  EXPECT_EQ(virtio_disk(52), "/dev/vdba");
}
