#include "core/smoke/status_stage.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "core/smoke/process.hpp"
#include "core/smoke/qemu.hpp"
#include "core/util/error.hpp"

namespace core::smoke {

namespace {

constexpr const char* k_guest_exe = "/bin/erofs-share";

constexpr const char* k_loop_file = "/images/loop.erofs";
constexpr const char* k_loop_device = "/dev/loop0";

std::vector<MountSpec> all_mounts(const Session& s) {
  std::vector<MountSpec> all = s.mounts;
  all.insert(all.end(), s.status_mounts.begin(), s.status_mounts.end());
  return all;
}

std::vector<std::string> mount_dirs(const Session& s) {
  std::vector<std::string> dirs;
  for (const MountSpec& m : all_mounts(s)) dirs.push_back(m.dir());
  return dirs;
}

// The "output" events of run `id`, joined (the probe escapes bytes >= 0x7f as U+00XX).
std::string run_output(const ProbeLog& log, const std::string& id) {
  std::map<long long, std::string> parts;
  for (const nlohmann::json& ev : log.events)
    if (get_string(ev, "ev") == "output" && get_string(ev, "id") == id)
      parts[get_int(ev, "seq")] = get_string(ev, "data");
  std::string out;
  for (const auto& [seq, data] : parts) {
    // UTF-8 of code points below 0x100 back to bytes.
    for (std::size_t i = 0; i < data.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(data[i]);
      if ((c == 0xC2 || c == 0xC3) && i + 1 < data.size()) {
        out += static_cast<char>(((c & 0x03) << 6) | (static_cast<unsigned char>(data[++i]) & 0x3F));
      } else {
        out += static_cast<char>(c);
      }
    }
  }
  return out;
}

const nlohmann::json* event(const ProbeLog& log, const char* ev, const std::string& id) {
  auto found = find_events(log, ev, "id", id);
  return found.empty() ? nullptr : found.back();
}

}  // namespace

u64 meminfo_tolerance(u64 without_bytes) { return std::max<u64>(u64(512) << 10, without_bytes / 100); }

std::vector<GuestFile> guest_executable(const std::string& exe, const std::string& work_dir) {
  std::vector<GuestFile> out = {{"bin/erofs-share", exe}};
  ProcessResult r = run_process({"ldd", exe}, work_dir, 60);
  if (r.exit_code != 0) {
    // A static executable: "not a dynamic executable" (ldd exits 1), nothing more to copy.
    if ((r.out + r.err).find("not a dynamic executable") != std::string::npos) return out;
    throw UsageError(fmt::format("ldd {} failed (exit {}): {}", exe, r.exit_code, r.err));
  }
  std::size_t pos = 0;
  while (pos < r.out.size()) {
    std::size_t nl = r.out.find('\n', pos);
    if (nl == std::string::npos) nl = r.out.size();
    const std::string line = r.out.substr(pos, nl - pos);
    pos = nl + 1;
    // "\tlibz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x...)" or "\t/lib64/ld-linux-x86-64.so.2 (0x...)"
    std::string path;
    if (auto arrow = line.find("=> "); arrow != std::string::npos) {
      path = line.substr(arrow + 3);
    } else {
      const std::size_t slash = line.find('/');
      if (slash == std::string::npos) continue;  // linux-vdso.so.1
      path = line.substr(slash);
    }
    path = path.substr(0, path.find(' '));
    if (path.empty() || path[0] != '/') continue;
    out.push_back({path.substr(1), path});
  }
  return out;
}

std::vector<GuestFile> plan_status_stage(Session& s, const std::string& no_ishare_image) {
  MountSpec nofeature{"nofeature", 0, static_cast<u32>(s.drive_files.size()), {}, true, k_domain, ""};
  s.drive_files.push_back(no_ishare_image);
  MountSpec loop{"loop", 0, 0, {}, true, k_domain, k_loop_device};
  s.status_mounts = {nofeature, loop};
  return {{std::string(k_loop_file).substr(1), s.image_paths.at(0)}};
}

std::vector<std::string> status_command(const Session& s) {
  std::vector<std::string> argv = {k_guest_exe, "status", "--format", "json", "-q"};
  for (const MountSpec& m : all_mounts(s))
    if (m.inode_share) {
      argv.push_back("--domain");
      argv.push_back(m.dir() + "=" + m.domain);
    }
  return argv;
}

void add_status_steps(const Session& s, Plan& plan) {
  const std::vector<std::string> dirs = mount_dirs(s);
  const std::vector<MountSpec> all = all_mounts(s);
  // 0. The loop device of the first image's copy.
  plan.wait(k_loop_device);
  plan.run("losetup", {"/bin/busybox", "losetup", "-r", k_loop_device, k_loop_file});
  // 1. The set read without inode_share (the same disks, mounted again).
  for (const MountSpec& m : s.mounts) plan.umount(m.tag, m.dir());
  for (const MountSpec& m : all) plan.mount(m.tag + "-plain", m.dev(), m.dir(), m.device_options());
  plan.measure("without", dirs);
  // 2. The set read with the scenarios' options: this is what status then sees.
  for (const MountSpec& m : all) plan.umount(m.tag + "-plain", m.dir());
  for (const MountSpec& m : all) plan.mount(m.tag + "-status", m.dev(), m.dir(), m.options());
  plan.measure("with", dirs);
  // 3. status between two residency snapshots.
  plan.residency("before", dirs);
  plan.run("status", status_command(s));
  plan.residency("after", dirs);
}

void judge_status(const Session& s, const ProbeLog& log, SmokeReport& report) {
  Scenario mounts{"status_reports_mounts", "options_and_sources", "error", false, "", {}};
  Scenario saved{"status_saved_matches_meminfo", "within_tolerance", "error", false, "", {}};
  Scenario reasons{"status_reasons_right", "right_reasons", "error", false, "", {}};
  Scenario residency{"status_keeps_residency", "unchanged", "error", false, "", {}};
  auto finish = [&] {
    for (Scenario* sc : {&mounts, &saved, &reasons, &residency}) {
      sc->pass = sc->verdict == sc->expected;
      report.scenarios.push_back(*sc);
    }
  };
  const nlohmann::json* run = event(log, "run", "status");
  nlohmann::json j;
  try {
    if (!run) throw std::runtime_error("the probe did not run status");
    j = nlohmann::json::parse(run_output(log, "status"));
  } catch (const std::exception& e) {
    const std::string why =
        fmt::format("status in the guest: {} (exit {})", e.what(), run ? get_int(*run, "exit") : -1);
    for (Scenario* sc : {&mounts, &saved, &reasons, &residency}) sc->evidence = why;
    finish();
    return;
  }
  const long long exit = get_int(*run, "exit");

  // Per mount: the options and source the plan gave it.
  std::map<std::string, const nlohmann::json*> by_point;
  if (j.contains("mounts") && j["mounts"].is_array())
    for (const nlohmann::json& m : j["mounts"]) by_point[m.value("mount_point", "")] = &m;
  std::string wrong;
  const std::vector<MountSpec> all = all_mounts(s);
  for (const MountSpec& m : all) {
    auto it = by_point.find(m.dir());
    if (it == by_point.end()) {
      wrong += fmt::format("{} missing; ", m.dir());
      continue;
    }
    const nlohmann::json& r = *it->second;
    const bool share = r.value("inode_share", !m.inode_share);
    const std::string domain = r["domain"].is_string() ? r["domain"].get<std::string>() : "";
    const bool loop = !m.device.empty();
    // The kernel turns inode_share off for the image without the feature (mountinfo shows so).
    const bool shown = m.inode_share && m.tag != "nofeature";
    if (share != shown || domain != m.domain || r.value("source", "") != m.dev() ||
        r.value("source_kind", "") != (loop ? "loop" : "block") || (loop && r.value("image", "") != k_loop_file))
      wrong += fmt::format("{}: inode_share {} domain '{}' source {} ({}); ", m.dir(), share, domain,
                           r.value("source", ""), r.value("source_kind", ""));
  }
  mounts.verdict = wrong.empty() && exit == 0 ? "options_and_sources" : "wrong";
  mounts.evidence = wrong.empty() ? fmt::format("{} mounts: inode_share, domain and source (virtio block devices, a "
                                                "loop device of {}) as mounted (exit {})",
                                                all.size(), k_loop_file, exit)
                                  : wrong;

  // "saved now" against the meminfo difference.
  const nlohmann::json* with = event(log, "measure", "with");
  const nlohmann::json* without = event(log, "measure", "without");
  const long long saved_now = j["totals"].value("saved_bytes_now", -1LL);
  if (with && without) {
    const long long d_with = (get_int(*with, "cached_after_kib") - get_int(*with, "cached_before_kib")) * 1024;
    const long long d_without = (get_int(*without, "cached_after_kib") - get_int(*without, "cached_before_kib")) * 1024;
    const long long meminfo_saved = d_without - d_with;
    const u64 tol = meminfo_tolerance(d_without > 0 ? static_cast<u64>(d_without) : 0);
    const long long off = saved_now > meminfo_saved ? saved_now - meminfo_saved : meminfo_saved - saved_now;
    saved.verdict = saved_now >= 0 && static_cast<u64>(off) <= tol ? "within_tolerance" : "outside_tolerance";
    saved.evidence =
        fmt::format("status saved now {} KiB; meminfo Cached +{} KiB without inode_share, +{} KiB with: {} KiB saved; "
                    "off by {} KiB "
                    "(tolerance {} KiB)",
                    saved_now / 1024, d_without / 1024, d_with / 1024, meminfo_saved / 1024, off / 1024, tol / 1024);
    saved.details = {{"status_saved_bytes", saved_now},
                     {"meminfo_saved_bytes", meminfo_saved},
                     {"cached_delta_without", d_without},
                     {"cached_delta_with", d_with}};
  } else {
    saved.evidence = "the probe did not report both meminfo measurements";
  }

  // Every twin that does not share, with the reason the plan implies: the mount without
  // inode_share, alone in its domain, or beside an anchor of the other class.
  std::map<std::string, const MountSpec*> spec_of;
  for (const MountSpec& m : all) spec_of[m.dir()] = &m;
  u64 copies = 0, not_sharing = 0;
  std::string bad;
  for (const nlohmann::json& g : j.value("groups", nlohmann::json::array())) {
    // The kernel's rule per copy, from the plan alone: the first copy of the group in its domain
    // (mount order) fixes the class; a copy of that class shares if another one is there.
    std::vector<const MountSpec*> mount;
    std::vector<std::string> io;
    for (const nlohmann::json& c : g["copies"]) {
      auto it = spec_of.find(c.value("mount", ""));
      mount.push_back(it == spec_of.end() ? nullptr : it->second);
      io.push_back(c.value("io_class", ""));
    }
    for (std::size_t i = 0; i < mount.size(); ++i) {
      const nlohmann::json& c = g["copies"][i];
      ++copies;
      std::string want;
      // A copy the kernel uses: a mount with inode_share of an image with the feature.
      auto usable = [&](std::size_t k) { return mount[k] && mount[k]->inode_share && mount[k]->tag != "nofeature"; };
      auto same_domain = [&](std::size_t k) {
        return mount[k] && mount[k]->inode_share && mount[k]->domain == mount[i]->domain;
      };
      if (!mount[i]) {
        want = "?";
      } else if (!mount[i]->inode_share) {
        want = "mount_without_inode_share";
      } else if (!usable(i)) {
        want = "no_ishare_feature";
      } else {
        std::vector<std::size_t> domain;  // copies the kernel uses in its domain, in order
        for (std::size_t k = 0; k < mount.size(); ++k)
          if (usable(k) && same_domain(k)) domain.push_back(k);
        const std::string& anchor = io[domain.front()];
        const auto same_class =
            std::count_if(domain.begin(), domain.end(), [&](std::size_t k) { return io[k] == anchor; });
        const bool other_class =
            std::any_of(domain.begin(), domain.end(), [&](std::size_t k) { return io[k] != io[i]; });
        bool untagged_peer = false;  // a copy of its class in its domain that only lacks the feature
        for (std::size_t k = 0; k < mount.size(); ++k)
          untagged_peer |= k != i && same_domain(k) && !usable(k) && io[k] == io[i];
        const char* class_reason =
            io[i] == "compressed" || anchor == "compressed" ? "compressed_vs_uncompressed" : "fileio_vs_block";
        if (io[i] != anchor)
          want = class_reason;
        else if (same_class >= 2)
          want = "";
        else if (untagged_peer)
          want = "peer_not_tagged";
        else if (other_class)
          want = class_reason;
        else
          want = "other_domain";
      }
      const std::string got = c["reason"].is_string() ? c["reason"].get<std::string>() : "";
      const std::string status = c.value("status", "");
      if (!got.empty()) ++not_sharing;
      if (got != want || (want.empty() != (status == "shares_now")))
        bad += fmt::format("{}{}: {} {} (expected {}); ", c.value("mount", ""), c.value("path", ""), status, got,
                           want.empty() ? "shares_now" : want);
    }
  }
  reasons.verdict = bad.empty() && copies > 0 ? "right_reasons" : "wrong";
  reasons.evidence = bad.empty() ? fmt::format("{} copies in content groups, {} not sharing, each with its reason",
                                               copies, not_sharing)
                                 : bad;

  // mincore of every file before and after status.
  const nlohmann::json* before = event(log, "residency", "before");
  const nlohmann::json* after = event(log, "residency", "after");
  if (before && after) {
    const bool same = get_string(*before, "sha256") == get_string(*after, "sha256") &&
                      get_int(*before, "resident_pages") == get_int(*after, "resident_pages");
    residency.verdict = same ? "unchanged" : "changed";
    residency.evidence =
        fmt::format("{} files: {} resident pages before status, {} after (bitmaps {})", get_int(*before, "files"),
                    get_int(*before, "resident_pages"), get_int(*after, "resident_pages"), same ? "equal" : "differ");
  } else {
    residency.evidence = "the probe did not report both residency snapshots";
  }
  finish();
}

}  // namespace core::smoke
