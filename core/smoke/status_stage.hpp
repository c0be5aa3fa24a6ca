// The status stage of smoke (issue 16 item 3): after the scenarios, `erofs-share status` runs in
// the guest against the smoke mounts, and the kernel checks what it says: the options and
// source of every mount, "saved now" against /proc/meminfo Cached (reading the set without and
// with inode_share, caches dropped before each), the reason of every twin that does not share,
// and that status changed no page's residency (mincore of every file before and after).
#pragma once

#include <string>
#include <vector>

#include "core/smoke/session.hpp"

namespace core::smoke {

// Guest path and host path of each file an executable needs in the initramfs: itself (as
// /bin/erofs-share) and every shared library and loader ldd(1) lists, at their own paths.
// Throws UsageError if ldd fails.
struct GuestFile {
  std::string guest;  // relative to the initramfs root ("bin/erofs-share", "lib64/ld-linux-x86-64.so.2")
  std::string host;
};
std::vector<GuestFile> guest_executable(const std::string& exe, const std::string& work_dir);

// Adds the stage's own mounts to `session`: `no_ishare_image` (tree a without fingerprints) as a
// further virtio disk in the main domain, and the first image again through a loop device of a
// copy in the initramfs (returned: the file to put there), in the main domain too.
std::vector<GuestFile> plan_status_stage(Session& session, const std::string& no_ishare_image);

// The guest's status command for the session's mounts (each --domain from the plan).
std::vector<std::string> status_command(const Session& session);

// Adds the stage's steps (umount, mount, measure, residency, run) after the scenarios.
void add_status_steps(const Session& session, Plan& plan);

// Judges the stage into four scenarios: status_reports_mounts, status_saved_matches_meminfo,
// status_reasons_right, status_keeps_residency.
void judge_status(const Session& session, const ProbeLog& log, SmokeReport& report);

// max(512 KiB, 1% of `without`): how far "saved now" may be from the meminfo difference.
u64 meminfo_tolerance(u64 without_bytes);

}  // namespace core::smoke
