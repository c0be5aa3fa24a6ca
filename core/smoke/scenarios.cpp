// Planning and judging the smoke checks. Every "shared or not" check is a prediction of scan's
// model (core/scan: fingerprint_view decides whether the kernel uses a fingerprint, simulate
// applies the kernel's key/class/size rule in instantiation order) that the kernel then
// confirms or refutes through mmap + mincore (erofs-format.md §6.7).
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "core/scan/sharing.hpp"
#include "core/smoke/session.hpp"
#include "core/util/error.hpp"

namespace core::smoke {

namespace {

// Files above this size are not observed: reading them under TCG is slow, and a file larger
// than the guest's memory can never be fully resident.
constexpr u64 k_max_observed_size = u64(64) << 20;

bool usable(const Session& s, const FileRef& f) {
  const MountSpec& m = s.mounts[f.mount];
  return m.inode_share && scan::fingerprint_view(s.inputs[m.image].record, s.file(f)) == scan::Reason::none;
}

std::vector<u8> value_of(const Session& s, const FileRef& f) { return s.file(f).fingerprint->value.to_vector(); }

bool same_inode(const Session& s, const FileRef& a, const FileRef& b) {
  return s.mounts[a.mount].tag == s.mounts[b.mount].tag && a.record == b.record;
}

std::string to_hex(const util::Digest& d) { return util::to_hex(d); }

std::optional<util::Digest> content_of(const Session& s, const FileRef& f) {
  auto it = s.contents.find({s.mounts[f.mount].image, f.record});
  if (it == s.contents.end()) return std::nullopt;
  return it->second;
}

}  // namespace

std::string MountSpec::device_options() const {
  std::string out;
  for (u32 d : device_drives) out += (out.empty() ? "device=" : ",device=") + virtio_disk(d);
  return out;
}

std::string MountSpec::dev() const { return device.empty() ? virtio_disk(drive) : device; }

std::string MountSpec::options() const {
  std::string out = device_options();
  if (inode_share) out += fmt::format("{}inode_share,domain_id={}", out.empty() ? "" : ",", domain);
  return out;
}

std::string Session::guest_path(const FileRef& f) const {
  return mounts[f.mount].dir() + input_of(f).first_path(file(f));
}

std::string Session::label(const FileRef& f) const {
  const MountSpec& m = mounts[f.mount];
  std::string base = image_paths[m.image];
  if (auto slash = base.rfind('/'); slash != std::string::npos) base = base.substr(slash + 1);
  return fmt::format("{}@{}:{}", base, m.tag, input_of(f).first_path(file(f)));
}

bool predict_shared(const Session& s, const FileRef& read, const FileRef& target) {
  scan::KeyTable keys;
  std::vector<scan::SimInode> inodes;
  for (const FileRef& f : {read, target}) {
    const MountSpec& m = s.mounts[f.mount];
    const scan::FileRecord& rec = s.file(f);
    scan::SimInode x;
    x.io = scan::io_class(rec.storage, scan::MountMode::block);  // virtio disks: block devices
    x.size = rec.size;
    if (usable(s, f)) x.key = keys.id(rec.fingerprint->value, m.domain);  // §6.5 step 3
    inodes.push_back(x);
  }
  scan::Simulation sim = scan::simulate(inodes, keys.size(), scan::Assume::order, 4096);
  return sim.joined[0] && sim.joined[1] && sim.inode[0] == sim.inode[1];
}

void plan_session(Session& s, u32 max_observations) {
  const u32 n = static_cast<u32>(s.inputs.size());
  // One mount per image in the main domain; image 0 again in another domain, and again without
  // inode_share (after the refused inode_share-without-domain_id attempt on that same disk).
  for (u32 i = 0; i < n; ++i) s.mounts.push_back({fmt::format("m{}", i), i, i, {}, true, k_domain, ""});
  s.mounts.push_back({"other", 0, n, {}, true, k_other_domain, ""});
  s.mounts.push_back({"plain", 0, n + 1, {}, false, "", ""});
  const u32 other = n, plain = n + 1;
  // Disks in mount order: each mount gets its own copy of the image and of its extra devices.
  s.drive_files.clear();
  for (MountSpec& m : s.mounts) {
    m.drive = static_cast<u32>(s.drive_files.size());
    s.drive_files.push_back(s.image_paths.at(m.image));
    if (m.image < s.device_paths.size())
      for (const std::string& dev : s.device_paths[m.image]) {
        m.device_drives.push_back(static_cast<u32>(s.drive_files.size()));
        s.drive_files.push_back(dev);
      }
  }

  std::vector<FileRef> main_files;
  for (u32 m = 0; m < n; ++m)
    for (u32 r = 0; r < s.inputs[m].record.files.size(); ++r)
      if (s.inputs[m].record.files[r].size <= k_max_observed_size) main_files.push_back({m, r});

  // Content digests of files whose fingerprint value another file shares: needed to tell a
  // forged fingerprint from a true twin.
  std::map<std::vector<u8>, u32> value_count;
  for (const FileRef& f : main_files)
    if (usable(s, f)) ++value_count[value_of(s, f)];
  scan::ReadCounters counters;
  for (const FileRef& f : main_files) {
    if (!usable(s, f) || value_count[value_of(s, f)] < 2) continue;
    const auto& in = s.inputs[s.mounts[f.mount].image];
    if (!in.source) continue;
    try {
      s.contents[{s.mounts[f.mount].image, f.record}] = in.source->digest(s.file(f), counters);
    } catch (const core::Error&) {
      // Data this version cannot read (or a damaged file): the twin and forged checks skip it.
    }
  }

  u32 next_id = 1;
  auto add_check = [&](Check kind, FileRef read, FileRef target) {
    PlannedCheck c;
    c.id = fmt::format("{}{}", kind == Check::observe ? "o" : "d", next_id++);
    c.kind = kind;
    c.read = read;
    c.target = target;
    c.predicted_shared = predict_shared(s, read, target);
    s.checks.push_back(c);
    return c.id;
  };
  auto scenario = [&](const char* name, const char* expected, std::string check_id, std::string note = "") {
    s.scenarios.push_back({name, expected, std::move(check_id), std::move(note)});
  };
  // The first pair (read, target) of distinct main-domain inodes that satisfies `pred`.
  // Usable main-domain files by fingerprint value, each list in main_files order, so that a
  // pair search costs the size of a group, not of the whole image set.
  std::map<std::vector<u8>, std::vector<FileRef>> by_value;
  for (const FileRef& f : main_files)
    if (usable(s, f)) by_value[value_of(s, f)].push_back(f);
  auto find_pair = [&](auto pred) -> std::optional<std::pair<FileRef, FileRef>> {
    for (const FileRef& a : main_files) {
      if (!usable(s, a)) continue;
      for (const FileRef& b : by_value[value_of(s, a)])
        if (!same_inode(s, a, b) && pred(a, b)) return std::make_pair(a, b);
    }
    return std::nullopt;
  };
  auto true_twin = [&](const FileRef& a, const FileRef& b) {
    auto ca = content_of(s, a), cb = content_of(s, b);
    return ca && cb && *ca == *cb && scan::fingerprint_digest(value_of(s, a)) == *ca;
  };

  // same_domain_shares + content_matches_fingerprint: a true twin in two images, same class.
  auto twin = find_pair([&](const FileRef& a, const FileRef& b) {
    return a.mount < b.mount && s.file(a).size == s.file(b).size && s.file(a).storage == s.file(b).storage &&
           true_twin(a, b);
  });
  if (!twin)
    twin = find_pair([&](const FileRef& a, const FileRef& b) {
      return s.file(a).size == s.file(b).size && s.file(a).storage == s.file(b).storage && true_twin(a, b);
    });
  if (twin) {
    scenario("same_domain_shares", "shared", add_check(Check::observe, twin->first, twin->second));
    scenario("content_matches_fingerprint", "matches_fingerprint", add_check(Check::digest, twin->first, twin->second));
  } else {
    scenario("same_domain_shares", "shared", "", "no identical fingerprinted files in two images");
    scenario("content_matches_fingerprint", "matches_fingerprint", "", "no identical fingerprinted files");
  }

  // other_domain_does_not / no_inode_share_does_not: a fingerprinted file of image 0, read in
  // the main domain, its own copy looked at through the other two mounts of image 0.
  std::optional<u32> probe_record;
  for (u32 r = 0; r < (n ? s.inputs[0].record.files.size() : 0); ++r)
    if (usable(s, {0, r}) && s.inputs[0].record.files[r].size <= k_max_observed_size) {
      probe_record = r;
      break;
    }
  if (probe_record) {
    scenario("other_domain_does_not", "not_shared",
             add_check(Check::observe, {0, *probe_record}, {other, *probe_record}));
    scenario("no_inode_share_does_not", "not_shared",
             add_check(Check::observe, {0, *probe_record}, {plain, *probe_record}));
  } else {
    scenario("other_domain_does_not", "not_shared", "", "the first image has no usable fingerprint");
    scenario("no_inode_share_does_not", "not_shared", "", "the first image has no usable fingerprint");
  }

  // compressed_vs_uncompressed_does_not: equal value and size, different storage.
  if (auto p = find_pair([&](const FileRef& a, const FileRef& b) {
        return s.file(a).size == s.file(b).size && s.file(a).storage == scan::Storage::uncompressed &&
               s.file(b).storage == scan::Storage::compressed;
      }))
    scenario("compressed_vs_uncompressed_does_not", "not_shared", add_check(Check::observe, p->first, p->second));
  else
    scenario("compressed_vs_uncompressed_does_not", "not_shared", "", "no compressed and uncompressed twins");

  // size_mismatch_does_not: equal value, different sizes (the kernel warns and keeps them apart).
  if (auto p = find_pair([&](const FileRef& a, const FileRef& b) { return s.file(a).size != s.file(b).size; }))
    scenario("size_mismatch_does_not", "not_shared", add_check(Check::observe, p->first, p->second));
  else
    scenario("size_mismatch_does_not", "not_shared", "", "no equal fingerprints on files of different sizes");

  scenario("domain_id_required", "refused_einval", "");

  // forged_fingerprint_serves_other_bytes: equal value, size and class, different content;
  // read the file whose fingerprint is true first.
  if (auto p = find_pair([&](const FileRef& a, const FileRef& b) {
        auto ca = content_of(s, a), cb = content_of(s, b);
        return s.file(a).size == s.file(b).size && s.file(a).storage == s.file(b).storage && ca && cb && *ca != *cb &&
               scan::fingerprint_digest(value_of(s, a)) == *ca;
      }))
    scenario("forged_fingerprint_serves_other_bytes", "serves_other_bytes",
             add_check(Check::digest, p->first, p->second));
  else
    scenario("forged_fingerprint_serves_other_bytes", "serves_other_bytes", "", "no forged fingerprint in the images");

  // Twin observations: every group of files with one fingerprint value (over all mounts), the
  // first member read, each other member looked at.
  std::map<std::vector<u8>, std::vector<FileRef>> groups;
  std::vector<std::vector<u8>> order;
  for (u32 m = 0; m < s.mounts.size(); ++m)
    for (u32 r = 0; r < s.inputs[s.mounts[m].image].record.files.size(); ++r) {
      FileRef f{m, r};
      const scan::FileRecord& rec = s.file(f);
      if (!rec.fingerprint || rec.fingerprint->value.empty() || rec.size > k_max_observed_size) continue;
      auto& g = groups[rec.fingerprint->value.to_vector()];
      if (g.empty()) order.push_back(rec.fingerprint->value.to_vector());
      g.push_back(f);
    }
  // Within a group, the first member is read and every other member looked at; members of
  // another (storage, size) also get their own first member read, so that compressed twins or
  // twins of another size are seen sharing among themselves. Pairs already checked are skipped.
  std::set<std::pair<std::string, std::string>> seen;
  for (const PlannedCheck& c : s.checks)
    if (c.kind == Check::observe) seen.insert({s.label(c.read), s.label(c.target)});
  u32 added = 0;
  auto twin_check = [&](const FileRef& read, const FileRef& target) {
    if (added >= max_observations || !seen.insert({s.label(read), s.label(target)}).second) return;
    add_check(Check::observe, read, target);
    ++added;
  };
  // Small groups first: more observations fit in the cap and the time limit.
  std::stable_sort(order.begin(), order.end(), [&](const auto& x, const auto& y) {
    return s.file(groups[x].front()).size < s.file(groups[y].front()).size;
  });
  for (const auto& v : order) {
    const auto& g = groups[v];
    std::map<std::pair<scan::Storage, u64>, FileRef> bucket_first;
    for (size_t i = 0; i < g.size(); ++i) {
      if (i > 0) twin_check(g[0], g[i]);
      auto [it, fresh] = bucket_first.try_emplace({s.file(g[i]).storage, s.file(g[i]).size}, g[i]);
      const bool first_is_g0 = it->second.mount == g[0].mount && it->second.record == g[0].record;
      if (!fresh && !first_is_g0) twin_check(it->second, g[i]);
    }
  }
}

void add_checks(const Session& s, Plan& plan) {
  const MountSpec& plain = s.mounts.back();
  // inode_share without domain_id must be refused (EINVAL) before anything is mounted there.
  const std::string devices = plain.device_options();
  plan.mount("nodomain", virtio_disk(plain.drive), "/mnt/nodomain",
             devices.empty() ? "inode_share" : devices + ",inode_share");
  for (const MountSpec& m : s.mounts) plan.mount(m.tag, virtio_disk(m.drive), m.dir(), m.options());
  for (const PlannedCheck& c : s.checks) {
    if (c.kind == Check::observe)
      plan.observe(c.id, s.guest_path(c.read), s.guest_path(c.target));
    else
      plan.digest(c.id, s.guest_path(c.read), s.guest_path(c.target));
  }
}

namespace {

std::string outcome(const nlohmann::json& ev) {
  if (!get_bool(ev, "ok")) return "error";
  long long pages = get_int(ev, "pages"), resident = get_int(ev, "resident");
  if (pages <= 0 || resident < 0 || resident > pages) return "error";
  if (resident == pages) return "shared";
  if (resident == 0) return "not_shared";
  return "partial";
}

std::string describe_event(const nlohmann::json& ev) {
  if (!get_bool(ev, "ok")) return fmt::format("failed at {}: {}", get_string(ev, "stage"), get_string(ev, "error"));
  return fmt::format("{}/{} pages resident", get_int(ev, "resident"), get_int(ev, "pages"));
}

}  // namespace

void judge(const Session& s, const ProbeLog& log, SmokeReport& report) {
  std::map<std::string, const nlohmann::json*> events;
  for (const nlohmann::json& ev : log.events) {
    std::string kind = get_string(ev, "ev");
    if (kind == "observe" || kind == "digest") events[get_string(ev, "id")] = &ev;
  }
  std::map<std::string, const PlannedCheck*> checks;
  for (const PlannedCheck& c : s.checks) {
    checks[c.id] = &c;
    auto it = events.find(c.id);
    Observation o;
    o.id = c.id;
    o.read = s.label(c.read);
    o.target = s.label(c.target);
    o.predicted_shared = c.predicted_shared;
    if (it == events.end()) {
      o.observed = "error";
    } else {
      o.observed = outcome(*it->second);
      o.pages = std::max(0LL, get_int(*it->second, "pages", 0));
      o.resident = std::max(0LL, get_int(*it->second, "resident", 0));
    }
    o.agrees = (o.observed == "shared" && o.predicted_shared) || (o.observed == "not_shared" && !o.predicted_shared);
    ++report.observed;
    report.agreed += o.agrees;
    report.observations.push_back(o);
  }
  report.percent =
      report.observed ? 100.0 * static_cast<double>(report.agreed) / static_cast<double>(report.observed) : 0;

  for (const PlannedScenario& ps : s.scenarios) {
    Scenario sc;
    sc.name = ps.name;
    sc.expected = ps.expected;
    if (ps.name == "domain_id_required") {
      auto mounts = find_events(log, "mount", "tag", "nodomain");
      if (mounts.empty()) {
        sc.verdict = "error";
        sc.evidence = "the probe did not report the mount attempt";
      } else {
        const nlohmann::json& ev = *mounts.front();
        sc.details = ev;
        if (get_bool(ev, "ok"))
          sc.verdict = "mounted";
        else if (get_int(ev, "errno") == 22)
          sc.verdict = "refused_einval";
        else
          sc.verdict = "refused_other";
        std::string msg;
        for (const std::string& k : get_strings(ev, "kmsg"))
          if (k.find("domain_id") != std::string::npos) msg = k;
        sc.evidence = fmt::format("mount -o inode_share (no domain_id): {}{}",
                                  get_bool(ev, "ok") ? "succeeded" : get_string(ev, "error"),
                                  msg.empty() ? "" : "; kernel: " + msg);
      }
    } else if (ps.check_id.empty()) {
      sc.verdict = "not_applicable";
      sc.evidence = ps.note;
    } else {
      const PlannedCheck& c = *checks.at(ps.check_id);
      auto it = events.find(c.id);
      if (it == events.end()) {
        sc.verdict = "error";
        sc.evidence = "the probe did not report check " + c.id;
      } else {
        const nlohmann::json& ev = *it->second;
        sc.details = ev;
        const std::string pair = fmt::format("read {}, then {}", s.label(c.read), s.label(c.target));
        if (c.kind == Check::observe) {
          sc.verdict = outcome(ev);
          std::string warn;
          for (const std::string& k : get_strings(ev, "kmsg"))
            if (k.find("mismatch") != std::string::npos) warn = "; kernel: " + k;
          sc.evidence = fmt::format("{}: {} (model predicted {}){}", pair, describe_event(ev),
                                    c.predicted_shared ? "shared" : "not shared", warn);
        } else if (!get_bool(ev, "ok")) {
          sc.verdict = "error";
          sc.evidence = pair + ": " + describe_event(ev);
        } else {
          const std::string by_read = get_string(ev, "read_sha256"), by_mmap = get_string(ev, "mmap_sha256");
          const std::string residency = describe_event(ev);
          if (ps.expected == "matches_fingerprint") {
            auto fp = scan::fingerprint_digest(value_of(s, c.target));
            const std::string want = fp ? to_hex(*fp) : "";
            sc.verdict = !want.empty() && by_read == want && by_mmap == want ? "matches_fingerprint"
                                                                             : "differs_from_fingerprint";
            sc.evidence = fmt::format("{}: {} before reading; read() sha256 {}, mmap sha256 {}, fingerprint {}", pair,
                                      residency, by_read, by_mmap, want.empty() ? "(not sha256:)" : want);
          } else {
            auto served = content_of(s, c.read), own = content_of(s, c.target);
            const std::string other_hex = served ? to_hex(*served) : "", own_hex = own ? to_hex(*own) : "";
            if (by_read == other_hex && by_mmap == other_hex)
              sc.verdict = "serves_other_bytes";
            else if (by_read == own_hex && by_mmap == own_hex)
              sc.verdict = "serves_own_bytes";
            else
              sc.verdict = "inconclusive";
            sc.evidence =
                fmt::format("{}: {} before reading; the target's read() sha256 {} (mmap {}); its own content {}, "
                            "the other file's {}",
                            pair, residency, by_read, by_mmap, own_hex, other_hex);
          }
        }
      }
    }
    sc.pass = sc.verdict == sc.expected || sc.verdict == "not_applicable";
    report.scenarios.push_back(std::move(sc));
  }
}

}  // namespace core::smoke
