// The QEMU side of smoke: choosing the accelerator and building the command line (a pure
// function, unit-testable without a VM).
#pragma once

#include <string>
#include <vector>

#include "core/util/ints.hpp"

namespace core::smoke {

enum class Accel { kvm, tcg };
const char* accel_name(Accel accel);  // "kvm", "tcg"

struct QemuConfig {
  std::string qemu = "qemu-system-x86_64";
  std::string kernel;               // vmlinuz
  std::string initrd;               // the cpio archive
  std::vector<std::string> drives;  // image files, attached read-only as virtio disks vda, vdb, ...
  Accel accel = Accel::tcg;
  u32 memory_mib = 512;
  u32 cpus = 1;
};

// argv for qemu-system-x86_64: no defaults, no display, no network, console on ttyS0 to
// stdout, no reboot (the guest powers off; a panic ends QEMU), KVM with the host CPU or TCG
// with "-cpu max" (the Debian kernel needs a CPU newer than qemu64).
std::vector<std::string> qemu_command(const QemuConfig& config);

// The kernel command line qemu_command() passes.
std::string kernel_command_line();

// True if /dev/kvm can be opened read-write and answers KVM_GET_API_VERSION. (KVM may still
// fail later, e.g. nested virtualisation: smoke then retries with TCG.)
bool kvm_usable();

// "/dev/vda" for index 0, "/dev/vdb" for 1, ... "/dev/vdaa" after "/dev/vdz".
std::string virtio_disk(u32 index);

}  // namespace core::smoke
