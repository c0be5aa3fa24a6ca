// run_smoke: a linear list of steps: check the host, get the images, plan, build the
// initramfs, boot, parse, judge.
#include "core/smoke/smoke.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include <fmt/format.h>

#include "core/smoke/cpio.hpp"
#include "core/smoke/generate.hpp"
#include "core/smoke/modules.hpp"
#include "core/smoke/process.hpp"
#include "core/smoke/session.hpp"
#include "core/smoke/status_stage.hpp"
#include "core/util/error.hpp"

namespace core::smoke {

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::vector<u8> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path, "open", errno ? errno : ENOENT);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A scratch directory, removed at the end unless the caller named it.
class WorkDir {
public:
  explicit WorkDir(const std::string& requested) {
    if (!requested.empty()) {
      std::filesystem::create_directories(requested);
      m_path = requested;
      return;
    }
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/erofs-share-smoke.XXXXXX";
    if (!mkdtemp(templ.data())) throw IoError(templ, "mkdtemp", errno);
    m_path = templ;
    m_owned = true;
  }
  ~WorkDir() {
    std::error_code ec;
    if (m_owned) std::filesystem::remove_all(m_path, ec);
  }
  const std::string& path() const { return m_path; }

private:
  std::string m_path;
  bool m_owned = false;
};

// /init: busybox mounts the pseudo filesystems, then the probe runs the plan as PID 1.
constexpr const char* k_init = R"(#!/bin/sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
exec /probe /plan
)";

std::vector<u8> build_initramfs(const SmokeOptions& o, const ModuleSet& modules, const std::string& plan,
                                const std::vector<GuestFile>& extra) {
  CpioWriter cpio;
  std::set<std::string> dirs = {"bin", "dev", "proc", "sys", "mnt", "lib", "lib/modules"};
  for (const char* d : {"bin", "dev", "proc", "sys", "mnt", "lib", "lib/modules"}) cpio.add_directory(d);
  cpio.add_char_device("dev/console", 5, 1);
  cpio.add_file("bin/busybox", read_bytes(o.busybox), 0755);
  cpio.add_symlink("bin/sh", "busybox");
  cpio.add_file("init", std::string(k_init), 0755);
  cpio.add_file("probe", read_bytes(o.probe), 0755);
  cpio.add_file("plan", plan);
  for (const KernelModule& m : modules.modules) cpio.add_file("lib/modules/" + m.name + ".ko", m.image);
  // The status stage's executable and its libraries, at their own paths (parents first).
  for (const GuestFile& f : extra) {
    for (std::size_t slash = f.guest.find('/'); slash != std::string::npos; slash = f.guest.find('/', slash + 1))
      if (dirs.insert(f.guest.substr(0, slash)).second) cpio.add_directory(f.guest.substr(0, slash));
    cpio.add_file(f.guest, read_bytes(f.host), 0755);
  }
  return cpio.finish();
}

// A copy of `exe` without symbols in `dir` (a build with debug info is ten times larger: the
// guest's initramfs lives in its memory), or `exe` itself if objcopy is not there.
std::string strip_copy(const std::string& exe, const std::string& dir) {
  const std::string out = dir + "/erofs-share-guest";
  ProcessResult r = run_process({"objcopy", "--strip-all", exe, out}, dir, 120);
  return r.exit_code == 0 ? out : exe;
}

void say(const SmokeOptions& o, const std::string& msg) {
  if (o.progress) o.progress(msg);
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// The last `lines` non-empty lines of `text`, joined with " | " (for one-line messages).
std::string tail(const std::string& text, size_t lines) {
  std::vector<std::string> all;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string line = trim(text.substr(pos, nl - pos));
    if (!line.empty()) all.push_back(line);
    pos = nl + 1;
  }
  std::string out;
  for (size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i)
    out += (out.empty() ? "" : " | ") + all[i];
  return out.empty() ? "(nothing)" : out;
}

}  // namespace

SmokeReport run_smoke(const SmokeOptions& o) {
  const auto t_start = Clock::now();
  SmokeReport report;
  auto cannot = [&](const char* code, std::string message) {
    report.cannot_run = code;
    report.message = std::move(message);
    report.timings.total_seconds = since(t_start);
    return report;
  };

  // 1. The host: QEMU, busybox, the probe, the kernel.
  const std::string qemu = find_program(o.qemu);
  if (qemu.empty()) return cannot("no_qemu", fmt::format("{} not found (Debian package qemu-system-x86)", o.qemu));
  if (access(o.busybox.c_str(), R_OK) != 0)
    return cannot("no_busybox", fmt::format("{} not found (Debian package busybox-static)", o.busybox));
  if (access(o.probe.c_str(), R_OK) != 0) throw UsageError(fmt::format("{}: probe executable not found", o.probe));
  if (access(o.kernel.c_str(), R_OK) != 0) throw UsageError(fmt::format("{}: kernel image not readable", o.kernel));
  WorkDir work(o.work_dir);

  // 2. The images: the user's, or the generated set.
  Session session;
  std::string no_ishare_image;
  if (o.images.empty()) {
    const std::string mkfs = find_mkfs(o.mkfs, work.path());
    if (mkfs.empty())
      return cannot("no_mkfs", "the generated set needs mkfs.erofs >= 1.9 with --xattr-inode-digest: set MKFS_EROFS_19 "
                               "(eval \"$(bash scripts/erofs-utils.sh)\") or pass --mkfs, or give IMAGE arguments");
    say(o, "building the generated image set with " + mkfs);
    GeneratedSet set = generate_images(mkfs, work.path());
    session.image_paths = set.images;
    no_ishare_image = set.no_ishare_image;
    report.generated = true;
    report.timings.generate_seconds = set.seconds;
  } else {
    session.image_paths = o.images;
    session.device_paths = o.devices;
  }
  if (session.device_paths.size() > session.image_paths.size())
    throw UsageError("extra devices given for more images than there are");
  report.images = session.image_paths;
  for (const auto& d : session.device_paths)
    if (!d.empty()) report.devices = session.device_paths;
  if (!report.devices.empty()) report.devices.resize(report.images.size());
  const auto t_prepare = Clock::now();
  for (size_t i = 0; i < session.image_paths.size(); ++i)
    session.inputs.push_back(
        scan::load_erofs({session.image_paths[i],
                          i < session.device_paths.size() ? session.device_paths[i] : std::vector<std::string>{}}));

  // 3. The plan: modules, disks, mounts, checks.
  plan_session(session, o.max_observations);
  // The status stage: the generated set only (its twins' reasons are known; see status_stage.hpp).
  const bool status_stage = report.generated && !o.status_exe.empty();
  std::vector<GuestFile> extra;
  if (status_stage) {
    extra = plan_status_stage(session, no_ishare_image);
    for (GuestFile& f : guest_executable(strip_copy(o.status_exe, work.path()), work.path())) extra.push_back(f);
  }
  ModuleSet modules = resolve_modules(o.modules, {"erofs", "virtio_blk"},
                                      status_stage ? std::vector<std::string>{"virtio_pci", "loop"}
                                                   : std::vector<std::string>{"virtio_pci"});
  Plan plan;
  for (const KernelModule& m : modules.modules) plan.insmod(m.name, "/lib/modules/" + m.name + ".ko");
  plan.filesystems();
  const u32 drives = static_cast<u32>(session.drive_files.size());
  for (u32 d = 0; d < drives; ++d) plan.wait(virtio_disk(d));
  add_checks(session, plan);
  if (status_stage) add_status_steps(session, plan);

  // 4. The initramfs.
  const std::string initrd = work.path() + "/initramfs.cpio";
  {
    std::vector<u8> archive = build_initramfs(o, modules, plan.render(), extra);
    std::ofstream out(initrd, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(archive.data()), static_cast<std::streamsize>(archive.size()));
    if (!out) throw IoError(initrd, "write", errno ? errno : EIO);
  }
  report.timings.prepare_seconds = since(t_prepare);

  // 5. Boot. KVM if it works here, else (or if the KVM run never reaches the probe) TCG.
  QemuConfig qc;
  qc.qemu = qemu;
  qc.kernel = o.kernel;
  qc.initrd = initrd;
  qc.drives = session.drive_files;
  std::vector<Accel> attempts;
  if (o.accel)
    attempts = {*o.accel};
  else if (kvm_usable())
    attempts = {Accel::kvm, Accel::tcg};
  else
    attempts = {Accel::tcg};
  ProcessResult run;
  ProbeLog log;
  for (Accel a : attempts) {
    qc.accel = a;
    say(o, fmt::format("booting {} under {} with {} disk(s)", o.kernel, accel_name(a), drives));
    // A host whose /dev/kvm opens but cannot run this guest: QEMU reports it and then waits
    // until it is killed, so the TCG retry starts at once instead of after the time limit.
    static const std::vector<std::string> k_kvm_failed = {"KVM internal error", "kvm run failed",
                                                          "KVM: entry failed"};
    run = run_process(qemu_command(qc), work.path(), o.timeout_seconds,
                      a == Accel::kvm ? k_kvm_failed : std::vector<std::string>{});
    report.timings.vm_seconds += run.seconds;
    report.accelerator = accel_name(a);
    log = parse_probe_log(run.out);
    if (log.started) break;
    if (a == Accel::kvm && attempts.size() > 1)
      say(o, run.gave_up ? fmt::format("KVM cannot run the guest here (QEMU: {}); retrying with TCG",
                                       run.err.substr(0, run.err.find('\n')))
                         : fmt::format("the KVM run never reached the probe (QEMU exit {}: {}); retrying with TCG",
                                       run.exit_code, tail(run.err, 1)));
  }
  report.kernel_release = log.kernel;
  for (const nlohmann::json& ev : log.events)
    for (const std::string& k : get_strings(ev, "kmsg"))
      if (report.kernel_log.size() < 200) report.kernel_log.push_back(k);

  // 6. Could it run at all?
  if (!log.started) {
    std::string why = run.timed_out ? fmt::format("no probe output within {} s", o.timeout_seconds)
                                    : fmt::format("QEMU exited with status {} before the probe started", run.exit_code);
    // A guest kernel panic names its cause on one line: the most useful thing to show.
    std::string console = tail(run.out, 3);
    if (size_t at = run.out.find("Kernel panic"); at != std::string::npos)
      console = trim(run.out.substr(at, run.out.find('\n', at) - at));
    return cannot("vm_failed", fmt::format("{}; QEMU stderr: {}; console: {}", why, tail(run.err, 3), console));
  }
  if (!log.rejected.empty()) return cannot("probe_failed", "malformed probe output: " + log.rejected.front());
  for (const nlohmann::json& ev : log.events)
    if (get_string(ev, "ev") == "filesystems" && !get_bool(ev, "erofs")) {
      std::string detail = modules.absent.empty()
                               ? ""
                               : " (no module file for: " + fmt::format("{}", fmt::join(modules.absent, ", ")) + ")";
      for (const nlohmann::json& e : log.events)
        if (get_string(e, "ev") == "insmod" && !get_bool(e, "ok"))
          detail += fmt::format(" (insmod {}: {})", get_string(e, "name"), get_string(e, "error"));
      return cannot("no_erofs", fmt::format("kernel {} has no erofs support{}", log.kernel, detail));
    }
  // inode_share support: a main mount of an image with fingerprints that kept "inode_share" in
  // /proc/mounts proves it; a refused or dropped option, with the kernel saying so, disproves it.
  // A kernel that dropped the option silently (mounted, image with fingerprints, no
  // "inode_share" in /proc/mounts) lacks it too.
  bool proven = false, refused = false;
  std::string refusal;
  for (const MountSpec& m : session.mounts) {
    if (!m.inode_share) continue;
    const bool ishare_image = session.inputs[m.image].record.ishare;
    for (const nlohmann::json* ev : find_events(log, "mount", "tag", m.tag)) {
      const bool ok = get_bool(*ev, "ok");
      const std::string options = get_string(*ev, "options");
      if (ok && options.find("inode_share") != std::string::npos) proven = true;
      for (const std::string& k : get_strings(*ev, "kmsg"))
        if (k.find("inode_share") != std::string::npos &&
            (k.find("not supported") != std::string::npos || k.find("Unknown parameter") != std::string::npos)) {
          refused = true;
          refusal = "the kernel said \"" + k + "\"";
        }
      if (ok && ishare_image && options.find("inode_share") == std::string::npos && refusal.empty()) {
        refused = true;
        refusal = fmt::format("it mounted an image with fingerprints with -o {} but /proc/mounts shows \"{}\"",
                              m.options(), options);
      }
    }
  }
  if (!proven && refused)
    return cannot("no_inode_share",
                  fmt::format("kernel {} lacks inode_share (EROFS page cache sharing, Linux >= 7.0 with "
                              "CONFIG_EROFS_FS_PAGE_CACHE_SHARE): {}",
                              log.kernel, refusal));
  if (!log.ended)
    return cannot("probe_failed", fmt::format("the probe stopped before the end of its plan{}; console tail: {}",
                                              run.timed_out ? " (time limit reached)" : "", tail(run.out, 10)));

  // 7. Judge.
  judge(session, log, report);
  if (status_stage) judge_status(session, log, report);
  report.timings.total_seconds = since(t_start);
  return report;
}

int exit_status(const SmokeReport& r) {
  if (!r.cannot_run.empty()) return 2;
  for (const Scenario& s : r.scenarios)
    if (!s.pass) return 1;
  return r.agreed == r.observed ? 0 : 1;
}

nlohmann::json to_json(const SmokeReport& r) {
  nlohmann::json j;
  j["schema_version"] = k_schema_version;
  j["kernel_release"] = r.kernel_release;
  j["accelerator"] = r.accelerator;
  j["generated_images"] = r.generated;
  j["images"] = r.images;
  if (!r.devices.empty()) j["devices"] = r.devices;
  j["status"] = r.cannot_run.empty() ? (exit_status(r) == 0 ? "pass" : "fail") : "cannot_run";
  if (!r.cannot_run.empty()) j["cannot_run"] = {{"reason", r.cannot_run}, {"message", r.message}};
  j["timings"] = {{"generate_seconds", r.timings.generate_seconds},
                  {"prepare_seconds", r.timings.prepare_seconds},
                  {"vm_seconds", r.timings.vm_seconds},
                  {"total_seconds", r.timings.total_seconds}};
  j["scenarios"] = nlohmann::json::array();
  for (const Scenario& s : r.scenarios) {
    nlohmann::json e = {
        {"name", s.name}, {"expected", s.expected}, {"verdict", s.verdict}, {"pass", s.pass}, {"evidence", s.evidence}};
    if (!s.details.is_null()) e["probe"] = s.details;
    j["scenarios"].push_back(e);
  }
  j["observations"] = nlohmann::json::array();
  for (const Observation& o : r.observations)
    j["observations"].push_back({{"id", o.id},
                                 {"read", o.read},
                                 {"target", o.target},
                                 {"predicted", o.predicted_shared ? "shared" : "not_shared"},
                                 {"observed", o.observed},
                                 {"pages", o.pages},
                                 {"resident", o.resident},
                                 {"agrees", o.agrees}});
  j["agreement"] = {{"observed", r.observed}, {"agreed", r.agreed}, {"percent", r.percent}};
  j["kernel_log"] = r.kernel_log;
  return j;
}

}  // namespace core::smoke
