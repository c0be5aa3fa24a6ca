// core::smoke plan_session / predict_shared / judge on hand-built image records: which files
// each scenario uses, what scan's model predicts, and how probe events become verdicts and
// agreement. No VM, no image files: contents come from a table keyed by locator.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "core/erofs/fingerprint.hpp"
#include "core/smoke/session.hpp"
#include "core/smoke/status_stage.hpp"

using namespace core;
using namespace core::smoke;

namespace {

util::Digest digest_of(const std::string& s) { return util::sha256({reinterpret_cast<const u8*>(s.data()), s.size()}); }

class TableSource : public scan::Source {
public:
  std::map<u64, util::Digest> contents;
  util::Digest digest(const scan::FileRecord& file, scan::ReadCounters&) const override {
    return contents.at(file.locator);
  }
};

// Adds a file whose content is `content` and whose fingerprint is that of `fp_of`.
void add(scan::LoadedInput& in, const std::string& path, const std::string& content, const std::string& fp_of,
         scan::Storage storage = scan::Storage::uncompressed) {
  scan::FileRecord f;
  in.record.add_path(f, path);
  f.size = content.size();
  f.storage = storage;
  f.fingerprint = scan::StoredValue{erofs::encode_fingerprint(digest_of(fp_of)), false};
  f.locator = in.record.files.size();
  static_cast<TableSource&>(*in.source).contents[f.locator] = digest_of(content);
  in.record.files.push_back(f);
}

scan::LoadedInput image(const std::string& name) {
  scan::LoadedInput in;
  in.record.name = name;
  in.record.ishare = true;
  in.source = std::make_unique<TableSource>();
  return in;
}

// The generated set in miniature: a and b share common; b's forged copies victim's value,
// b's sizediff small's value; c holds a compressed twin of common.
Session generated_like() {
  const std::string common(8192, 'c'), victim(4096, 'v'), forged(4096, 'f'), small(100, 's'), sizediff(200, 'z');
  Session s;
  s.inputs.push_back(image("a"));
  add(s.inputs[0], "/common", common, common);
  add(s.inputs[0], "/small", small, small);
  add(s.inputs[0], "/victim", victim, victim);
  s.inputs.push_back(image("b"));
  add(s.inputs[1], "/common", common, common);
  add(s.inputs[1], "/forged", forged, victim);
  add(s.inputs[1], "/sizediff", sizediff, small);
  s.inputs.push_back(image("c"));
  add(s.inputs[2], "/common", common, common, scan::Storage::compressed);
  s.image_paths = {"/w/a.erofs", "/w/b.erofs", "/w/c.erofs"};
  plan_session(s, 64);
  return s;
}

const PlannedCheck& check_of(const Session& s, const std::string& scenario) {
  for (const PlannedScenario& p : s.scenarios)
    if (p.name == scenario)
      for (const PlannedCheck& c : s.checks)
        if (c.id == p.check_id) return c;
  throw std::runtime_error("no check for " + scenario);
}

std::string event(const PlannedCheck& c, long long resident, long long pages, const std::string& extra = "") {
  return "ESPROBE {\"ev\":\"" + std::string(c.kind == Check::observe ? "observe" : "digest") + "\",\"id\":\"" + c.id +
         "\",\"ok\":true,\"pages\":" + std::to_string(pages) + ",\"resident\":" + std::to_string(resident) + extra +
         "}\n";
}

}  // namespace

TEST(SmokeScenarios, PlanPicksTheRightFilesAndPredictions) {
  Session s = generated_like();
  ASSERT_EQ(s.mounts.size(), 5u);
  EXPECT_EQ(s.mounts[3].tag, "other");
  EXPECT_EQ(s.mounts[3].options(), "inode_share,domain_id=smoke-b");
  EXPECT_EQ(s.mounts[4].options(), "");
  const PlannedCheck& same = check_of(s, "same_domain_shares");
  EXPECT_EQ(s.label(same.read), "a.erofs@m0:/common");
  EXPECT_EQ(s.label(same.target), "b.erofs@m1:/common");
  EXPECT_TRUE(same.predicted_shared);
  EXPECT_FALSE(check_of(s, "other_domain_does_not").predicted_shared);
  EXPECT_EQ(s.label(check_of(s, "no_inode_share_does_not").target), "a.erofs@plain:/common");
  EXPECT_FALSE(check_of(s, "no_inode_share_does_not").predicted_shared);
  EXPECT_EQ(s.label(check_of(s, "compressed_vs_uncompressed_does_not").target), "c.erofs@m2:/common");
  EXPECT_FALSE(check_of(s, "compressed_vs_uncompressed_does_not").predicted_shared);
  EXPECT_EQ(s.label(check_of(s, "size_mismatch_does_not").target), "b.erofs@m1:/sizediff");
  EXPECT_FALSE(check_of(s, "size_mismatch_does_not").predicted_shared);
  const PlannedCheck& forged = check_of(s, "forged_fingerprint_serves_other_bytes");
  EXPECT_EQ(s.label(forged.read), "a.erofs@m0:/victim");
  EXPECT_EQ(s.label(forged.target), "b.erofs@m1:/forged");
  EXPECT_TRUE(forged.predicted_shared);  // the model trusts values, as the kernel does
  EXPECT_EQ(forged.kind, Check::digest);
}

TEST(SmokeScenarios, JudgeTurnsEventsIntoVerdictsAndAgreement) {
  Session s = generated_like();
  std::string console = "ESPROBE {\"ev\":\"start\",\"kernel\":\"7.3.4\"}\n";
  console += "ESPROBE {\"ev\":\"mount\",\"tag\":\"nodomain\",\"ok\":false,\"errno\":22,\"error\":\"Invalid argument\","
             "\"kmsg\":[\"erofs: domain_id is needed when inode_share is on\"]}\n";
  const std::string victim_hex = util::to_hex(digest_of(std::string(4096, 'v')));
  const std::string common_hex = util::to_hex(digest_of(std::string(8192, 'c')));
  for (const PlannedCheck& c : s.checks) {
    const bool shared = c.predicted_shared;
    const long long pages = static_cast<long long>((s.file(c.target).size + 4095) / 4096);
    std::string extra;
    if (c.kind == Check::digest) {
      const std::string hex = s.label(c.read).find("victim") != std::string::npos ? victim_hex : common_hex;
      extra = ",\"read_sha256\":\"" + hex + "\",\"mmap_sha256\":\"" + hex + "\"";
    }
    console += event(c, shared ? pages : 0, pages, extra);
  }
  console += "ESPROBE {\"ev\":\"end\"}\n";
  ProbeLog log = parse_probe_log(console);
  SmokeReport report;
  judge(s, log, report);
  EXPECT_EQ(report.observed, s.checks.size());
  EXPECT_EQ(report.agreed, report.observed);
  EXPECT_EQ(report.percent, 100.0);
  ASSERT_EQ(report.scenarios.size(), 8u);
  for (const Scenario& sc : report.scenarios) {
    EXPECT_EQ(sc.verdict, sc.expected) << sc.name << ": " << sc.evidence;
    EXPECT_TRUE(sc.pass) << sc.name;
  }
  EXPECT_EQ(exit_status(report), 0);
}

TEST(SmokeScenarios, MissingOrPartialEventsAreFailuresNotGuesses) {
  Session s = generated_like();
  const PlannedCheck& same = check_of(s, "same_domain_shares");
  // Only one event, and it says half the pages are resident.
  ProbeLog log = parse_probe_log("ESPROBE {\"ev\":\"start\"}\n" + event(same, 1, 2) + "ESPROBE {\"ev\":\"end\"}\n");
  SmokeReport report;
  judge(s, log, report);
  EXPECT_EQ(report.agreed, 0u);
  EXPECT_EQ(report.observed, s.checks.size());
  for (const Scenario& sc : report.scenarios) {
    if (sc.name == "same_domain_shares")
      EXPECT_EQ(sc.verdict, "partial");
    else
      EXPECT_EQ(sc.verdict, "error") << sc.name;
    EXPECT_FALSE(sc.pass);
  }
  EXPECT_EQ(exit_status(report), 1);
}

TEST(SmokeScenarios, ImagesWithoutCasesAreNotApplicable) {
  Session s;
  s.inputs.push_back(image("x"));
  add(s.inputs[0], "/only", std::string(10, 'o'), std::string(10, 'o'));
  s.inputs[0].record.ishare = false;  // e.g. built without --xattr-inode-digest
  s.image_paths = {"x.erofs"};
  plan_session(s, 64);
  ProbeLog log =
      parse_probe_log("ESPROBE {\"ev\":\"start\"}\nESPROBE {\"ev\":\"mount\",\"tag\":\"nodomain\",\"ok\":false,"
                      "\"errno\":22}\nESPROBE {\"ev\":\"end\"}\n");
  SmokeReport report;
  judge(s, log, report);
  for (const Scenario& sc : report.scenarios) {
    if (sc.name == "domain_id_required")
      EXPECT_EQ(sc.verdict, "refused_einval");
    else
      EXPECT_EQ(sc.verdict, "not_applicable") << sc.name;
    EXPECT_TRUE(sc.pass);
  }
}

// A multi-device image (a sidecar and its original): every mount of it gets its own disks, the
// image then its devices, and names them with device= before its other options.
TEST(SmokeScenarios, ExtraDevicesGetTheirOwnDisksInEveryMount) {
  Session s;
  s.inputs.push_back(image("meta"));
  add(s.inputs[0], "/f", std::string(5000, 'f'), std::string(5000, 'f'));
  s.inputs.push_back(image("t"));
  add(s.inputs[1], "/f", std::string(5000, 'f'), std::string(5000, 'f'));
  s.image_paths = {"meta.erofs", "t.erofs"};
  s.device_paths = {{"orig.erofs", "blob.erofs"}};
  plan_session(s, 64);
  EXPECT_EQ(s.drive_files,
            (std::vector<std::string>{"meta.erofs", "orig.erofs", "blob.erofs", "t.erofs", "meta.erofs", "orig.erofs",
                                      "blob.erofs", "meta.erofs", "orig.erofs", "blob.erofs"}));
  ASSERT_EQ(s.mounts.size(), 4u);
  EXPECT_EQ(s.mounts[0].drive, 0u);
  EXPECT_EQ(s.mounts[0].options(), "device=/dev/vdb,device=/dev/vdc,inode_share,domain_id=smoke-a");
  EXPECT_EQ(s.mounts[1].drive, 3u);
  EXPECT_EQ(s.mounts[1].options(), "inode_share,domain_id=smoke-a");
  EXPECT_EQ(s.mounts[2].options(), "device=/dev/vdf,device=/dev/vdg,inode_share,domain_id=smoke-b");
  EXPECT_EQ(s.mounts[3].drive, 7u);
  EXPECT_EQ(s.mounts[3].options(), "device=/dev/vdi,device=/dev/vdj");
  Plan plan;
  add_checks(s, plan);
  ASSERT_FALSE(plan.steps().empty());
  EXPECT_EQ(plan.steps()[0].fields, (std::vector<std::string>{"nodomain", "/dev/vdh", "/mnt/nodomain",
                                                              "device=/dev/vdi,device=/dev/vdj,inode_share"}));
  EXPECT_EQ(s.label(check_of(s, "same_domain_shares").read), "meta.erofs@m0:/f");
  EXPECT_TRUE(check_of(s, "same_domain_shares").predicted_shared);
}

TEST(SmokeStatusStage, MeminfoToleranceAndGuestExecutable) {
  EXPECT_EQ(core::smoke::meminfo_tolerance(0), 512u << 10);
  EXPECT_EQ(core::smoke::meminfo_tolerance(u64(100) << 20), (u64(100) << 20) / 100);
  // A dynamic executable comes with its loader and libraries, at their own paths.
  const auto files = core::smoke::guest_executable("/bin/sh", "/tmp");
  ASSERT_GE(files.size(), 2u);
  EXPECT_EQ(files[0].guest, "bin/erofs-share");
  bool loader = false;
  for (const auto& f : files) {
    EXPECT_FALSE(f.guest.starts_with("/")) << f.guest;
    loader = loader || f.guest.find("ld-linux") != std::string::npos;
  }
  EXPECT_TRUE(loader);
}
