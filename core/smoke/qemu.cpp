#include "core/smoke/qemu.hpp"

#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace core::smoke {

namespace {

// QEMU option values use ',' as separator; a literal comma is written twice.
std::string option_value(const std::string& s) {
  std::string out;
  for (char c : s) {
    out += c;
    if (c == ',') out += ',';
  }
  return out;
}

}  // namespace

const char* accel_name(Accel accel) { return accel == Accel::kvm ? "kvm" : "tcg"; }

std::string kernel_command_line() {
  // loglevel=1 keeps kernel messages off the console (the probe reads /dev/kmsg itself);
  // panic=-1 with -no-reboot makes a panic end QEMU at once.
  return "console=ttyS0 rdinit=/init panic=-1 loglevel=1 mitigations=off";
}

std::vector<std::string> qemu_command(const QemuConfig& c) {
  std::vector<std::string> argv = {c.qemu,
                                   "-nodefaults",
                                   "-no-user-config",
                                   "-no-reboot",
                                   "-display",
                                   "none",
                                   "-monitor",
                                   "none",
                                   "-serial",
                                   "stdio",
                                   "-m",
                                   std::to_string(c.memory_mib),
                                   "-smp",
                                   std::to_string(c.cpus)};
  if (c.accel == Accel::kvm) {
    argv.insert(argv.end(), {"-accel", "kvm", "-cpu", "host"});
  } else {
    argv.insert(argv.end(), {"-accel", "tcg", "-cpu", "max"});
  }
  argv.insert(argv.end(), {"-kernel", c.kernel, "-initrd", c.initrd, "-append", kernel_command_line()});
  for (const std::string& d : c.drives)
    argv.insert(argv.end(), {"-drive", "file=" + option_value(d) + ",if=virtio,format=raw,readonly=on"});
  return argv;
}

bool kvm_usable() {
  int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  int version = ioctl(fd, KVM_GET_API_VERSION, 0);
  close(fd);
  return version == KVM_API_VERSION;
}

std::string virtio_disk(u32 index) {
  std::string suffix;
  u32 n = index;
  do {
    suffix.insert(suffix.begin(), static_cast<char>('a' + n % 26));
    n = n / 26;
  } while (n-- > 0);
  return "/dev/vd" + suffix;
}

}  // namespace core::smoke
