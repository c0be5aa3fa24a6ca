// `smoke`: boot a real kernel in QEMU with an initramfs built here (busybox, the erofs and
// virtio_blk modules, our static probe), attach the images as read-only virtio disks, run the
// sharing scenarios in the guest and compare what the kernel did with what scan's model
// predicts (erofs-format.md §6.4-§6.7).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/smoke/qemu.hpp"
#include "core/util/ints.hpp"

namespace core::smoke {

inline constexpr int k_schema_version = 1;

struct SmokeOptions {
  std::string kernel;               // vmlinuz
  std::string modules;              // the kernel's module tree (lib/modules/<release>)
  std::vector<std::string> images;  // empty: build the generated set
  // Per images[i] (may be shorter): the extra devices of a multi-device image, in device-table
  // order. Each is attached as a further virtio disk and named by -o device= in every mount.
  std::vector<std::vector<std::string>> devices;
  std::string probe;  // the static erofs-share-probe executable
  // erofs-share itself: with the generated set, `status` runs in the guest after the scenarios
  // (status_stage.hpp), copied in stripped with its libraries and loader. "" = no status stage.
  std::string status_exe;
  std::string busybox = "/bin/busybox";
  std::string qemu = "qemu-system-x86_64";
  std::string mkfs;                                  // mkfs.erofs >= 1.9 for the generated set ("" = search)
  std::string work_dir;                              // scratch directory ("" = a new one under TMPDIR, removed)
  double timeout_seconds = 300;                      // for the whole VM run
  std::optional<Accel> accel;                        // force an accelerator (default: KVM if usable, else TCG)
  u32 max_observations = 64;                         // cap on the generic twin observations
  std::function<void(const std::string&)> progress;  // one-line status messages (may be empty)
};

// One scenario: what was expected, what the kernel did, and why we think so.
struct Scenario {
  std::string name;        // same_domain_shares, other_domain_does_not, ...
  std::string expected;    // shared, not_shared, refused_einval, matches_fingerprint, serves_other_bytes
  std::string verdict;     // the observed outcome in the same words, or not_applicable, inconclusive, error
  bool pass = false;       // verdict == expected (not_applicable passes: the images offer no case)
  std::string evidence;    // one line for humans
  nlohmann::json details;  // the probe's raw event(s)
};

// One prediction checked against the kernel: read `read` fully, then count resident pages of
// `target` (never read).
struct Observation {
  std::string id;
  std::string read;  // "a.erofs@m0:/shared.txt"
  std::string target;
  bool predicted_shared = false;
  std::string observed;  // shared (all pages resident), not_shared (none), partial, error
  long long pages = 0;
  long long resident = 0;
  bool agrees = false;
};

struct Timings {
  double generate_seconds = 0;  // building the generated image set
  double prepare_seconds = 0;   // reading the images, modules, writing the initramfs
  double vm_seconds = 0;        // QEMU from start to power-off (both runs if KVM fell back)
  double total_seconds = 0;
};

struct SmokeReport {
  std::string kernel_release;  // as the guest's uname reports it
  std::string accelerator;     // kvm or tcg
  bool generated = false;      // the images are the generated set
  std::vector<std::string> images;
  std::vector<std::vector<std::string>> devices;  // per image: its extra devices (empty: none has any)
  Timings timings;
  std::vector<Scenario> scenarios;
  std::vector<Observation> observations;
  u64 observed = 0;  // observations with a definite outcome or a failure
  u64 agreed = 0;
  double percent = 0;
  std::vector<std::string> kernel_log;  // erofs and module messages from the guest
  std::string cannot_run;               // "" if it ran; else no_qemu, no_busybox, no_mkfs, no_erofs,
                                        // no_inode_share, vm_failed, probe_failed
  std::string message;                  // why it could not run, for humans
};

// Runs the whole check. Returns a report with cannot_run set when a host or kernel capability
// is missing; throws UsageError (bad kernel/modules/probe path), IoError, CorruptImage or
// Unsupported (an IMAGE scan cannot read) for bad input.
SmokeReport run_smoke(const SmokeOptions& options);

// 0 every scenario as expected and every observation agrees, 1 otherwise, 2 cannot run.
int exit_status(const SmokeReport& report);

nlohmann::json to_json(const SmokeReport& report);

}  // namespace core::smoke
