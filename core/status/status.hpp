// `status`: what a running host shares now. Every EROFS mount (mountinfo) with its options and
// source; each filesystem read natively, as scan reads an image (fingerprints, sizes, I/O
// classes, contents of files whose size repeats); the kernel's sharing decision applied to the
// mounts in mount order (scan's model: the same statuses and reasons); and what is resident
// now, measured per file through the mounted paths (residency.hpp), never reading or faulting
// file data.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/scan/report.hpp"
#include "core/status/mountinfo.hpp"
#include "core/status/source.hpp"

namespace core::status {

inline constexpr int k_schema_version = 1;

struct StatusOptions {
  std::string mounts_file;  // a mountinfo-format file; "" = /proc/self/mountinfo (the live host)
  std::vector<std::pair<std::string, std::string>> domains;  // MOUNTPOINT=NAME (--domain)
  std::string sys_dir = "/sys";
  bool require_root = true;  // refuse to run without root (the residency of others' files)
  unsigned jobs = 0;         // hashing threads (0 = every core)
  std::string tool_version;
  std::function<void(const std::string& phase, u64 done, u64 total)> progress;
};

// Whether the running kernel can share (erofs-format.md 6.4).
struct KernelSupport {
  std::string release;      // uname -r
  std::string inode_share;  // "yes", "no" or "unknown"
  std::string evidence;     // why we think so, one line
};

// One mount point of an EROFS filesystem.
struct MountRow {
  std::string mount_point;
  std::string root;    // the directory of the filesystem mounted there ("/" unless a bind mount)
  u32 filesystem = 0;  // index into StatusReport::filesystems
};

// One EROFS superblock (device number), mounted at one or more mount points.
struct FilesystemRow {
  u32 major = 0, minor = 0;
  std::string source;                   // as mountinfo shows it
  MountSource backing;                  // what it is
  std::string options;                  // the super options
  bool inode_share = false;             // mountinfo shows it
  bool inode_share_turned_off = false;  // asked for (--domain) but dropped: the image lacks ishare_xattrs
  std::string domain;                   // "" without inode_share
  std::string domain_from;              // "mountinfo", "option" (--domain) or "assumed" (neither: one domain for all)
  std::vector<std::string> devices;     // extra devices (device= options shown)
  std::vector<u32> mounts;              // indices into StatusReport::mounts
  std::optional<u32> input;             // its input in the scan report, if it could be read
  std::string error;                    // why it could not be read natively
  u64 files = 0, measured = 0, resident_bytes = 0;
};

// One inode of a non-empty regular file as measured through one mount.
struct FileResidency {
  u32 input = 0;
  u32 file = 0;      // index into the input record's files
  u32 mount = 0;     // the mount point it was measured through
  std::string path;  // its first name inside the image
  u64 size = 0;
  u64 resident_bytes = 0;  // resident pages x page size (whole pages, as fincore's RES)
  bool saved_now = false;  // served by a shared inode another member created (the model, now)
  std::string error;       // could not be measured ("" if it was); then resident_bytes is 0
};

// One copy of a content group, measured.
struct CopyResidency {
  u32 file_row = 0;  // index into StatusReport::files
  scan::Status status = scan::Status::blocked;
  scan::Reason reason = scan::Reason::none;
};

struct GroupResidency {
  const scan::GroupRow* group = nullptr;  // into StatusReport::scan
  u64 cached_bytes = 0;                   // resident now: copies that do not share each, a shared inode's pages once
  u64 saved_bytes = 0;                    // resident pages a shared inode serves to a member that did not fill them
  u64 separate_bytes = 0;                 // resident bytes of copies that hold their own pages although they have twins
  std::vector<CopyResidency> copies;
};

struct Totals {
  u64 files = 0;           // inodes measured (non-empty regular files, every filesystem)
  u64 unmeasured = 0;      // that could not be
  u64 resident_bytes = 0;  // what every file shows through mincore, summed (a shared page once per member)
  u64 cached_bytes = 0;    // resident now with sharing: a shared inode's pages once
  u64 saved_bytes = 0;     // resident_bytes - cached_bytes: what sharing saves right now
  u64 separate_bytes = 0;  // resident bytes of twins that do not share (each with its reason)
};

struct StatusReport {
  std::string tool_version;
  std::string mounts_file;  // what was parsed
  KernelSupport kernel;
  u32 page_size = 4096;
  std::vector<MountRow> mounts;
  std::vector<FilesystemRow> filesystems;  // in mount order of their first mount
  std::vector<FileResidency> files;        // by filesystem, then first path
  std::vector<GroupResidency> groups;      // content groups (scan's order: most saved once tagged first)
  Totals totals;
  std::shared_ptr<const scan::Report> scan;  // the model over the filesystems that could be read
};

// Runs status. Throws UsageError (bad --domain, a --mounts file that is not mountinfo), and
// core::Error with one line for a host where it cannot run: not root, a kernel without
// inode_share (live mountinfo only), no EROFS mount. A filesystem that cannot be read and a
// file that cannot be measured are rows with an error, not exceptions.
StatusReport run_status(const StatusOptions& options);

// What run_status would read, found without reading it: for every EROFS mount, its device or
// image file, a loop device's backing file and the extra devices. The CLI registers them with
// the output guard, so `-o` naming one is refused before any work. Sources that cannot be
// resolved are left out (run_status reports them). Throws UsageError for a bad --mounts file.
std::vector<std::string> source_paths(const StatusOptions& options);

// Exit status: 0 every filesystem read and every file measured, 1 otherwise.
int exit_status(const StatusReport& report);

// Whether the running kernel can share: release >= 7.0, and a mount with inode_share or the
// ishare code in /proc/kallsyms. `mounts_show_inode_share`: some EROFS mount shows the option.
KernelSupport kernel_support(bool mounts_show_inode_share);

// The JSON report (share/schema/status.schema.json) and the text report.
std::string render_json(const StatusReport& report);
std::string render_text(const StatusReport& report);

}  // namespace core::status
