// Internal to smoke: the images as scan's model sees them, the mounts smoke makes in the guest,
// and the checks it plans (each with the model's prediction), shared by smoke.cpp (running)
// and scenarios.cpp (planning and judging).
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/scan/inputs.hpp"
#include "core/smoke/plan.hpp"
#include "core/smoke/probe_log.hpp"
#include "core/smoke/smoke.hpp"

namespace core::smoke {

inline constexpr const char* k_domain = "smoke-a";
inline constexpr const char* k_other_domain = "smoke-b";

struct MountSpec {
  std::string tag;                 // m0, m1, ... (one per image, main domain), other, plain
  u32 image = 0;                   // index into Session::inputs
  u32 drive = 0;                   // virtio disk index
  std::vector<u32> device_drives;  // virtio disks of the image's extra devices, device-table order
  bool inode_share = false;
  std::string domain;  // "" without inode_share
  std::string device;  // "" = the virtio disk `drive`; else this device (the status stage's loop)
  std::string dir() const { return "/mnt/" + tag; }
  std::string dev() const;
  std::string device_options() const;  // "device=/dev/vdX,..." or ""
  std::string options() const;         // mount(2) data string (device= options first)
};

// One file as reached through one mount.
struct FileRef {
  u32 mount = 0;
  u32 record = 0;  // index into the image's InputRecord::files
};

enum class Check { observe, digest };

struct PlannedCheck {
  std::string id;  // o1, o2, ... / d1, ...
  Check kind = Check::observe;
  FileRef read;
  FileRef target;
  bool predicted_shared = false;
};

// A scenario's plan: which check (or mount) decides it.
struct PlannedScenario {
  std::string name;
  std::string expected;
  std::string check_id;  // "" = decided by a mount (domain_id_required) or not applicable
  std::string note;      // why not applicable
};

struct Session {
  std::vector<scan::LoadedInput> inputs;  // one per image, command-line order
  std::vector<std::string> image_paths;
  std::vector<std::vector<std::string>> device_paths;  // per image (may be shorter): its extra devices
  std::vector<std::string> drive_files;                // per virtio disk: the file attached (set by plan_session)
  std::vector<MountSpec> mounts;                       // in mount order; "nodomain" is a separate attempt
  std::vector<MountSpec> status_mounts;                // the status stage's own (status_stage.hpp)
  std::vector<PlannedCheck> checks;
  std::vector<PlannedScenario> scenarios;
  std::map<std::pair<u32, u32>, util::Digest> contents;  // (image, record) -> SHA-256, when read

  const scan::FileRecord& file(const FileRef& f) const { return inputs[mounts[f.mount].image].record.files[f.record]; }
  const scan::InputRecord& input_of(const FileRef& f) const { return inputs[mounts[f.mount].image].record; }
  std::string guest_path(const FileRef& f) const;
  std::string label(const FileRef& f) const;
};

// Sets up mounts (each with its own disks: the image, then its extra devices), predictions, scenario and twin checks
// for the loaded images (model: scan's fingerprint_view + simulate with instantiation order read, target).
void plan_session(Session& session, u32 max_observations);

// The model's answer: after `read` is instantiated and read, is `target` served by the same
// shared inode?
bool predict_shared(const Session& session, const FileRef& read, const FileRef& target);

// Adds the mount and check steps to `plan` (modules and waits are added by the caller).
void add_checks(const Session& session, Plan& plan);

// Judges scenarios and observations from the probe's log.
void judge(const Session& session, const ProbeLog& log, SmokeReport& report);

}  // namespace core::smoke
