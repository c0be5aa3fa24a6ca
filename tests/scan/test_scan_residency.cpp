// scan --resident: residency files parsed (status and fincore JSON, hostile input) and the
// working-set saving of hand-built inputs with chosen resident bytes, exact figures.
#include <gtest/gtest.h>

#include <string>

#include "core/erofs/fingerprint.hpp"
#include "core/scan/report.hpp"
#include "core/scan/residency.hpp"
#include "core/util/error.hpp"
#include "tests/scan/test_records.hpp"

namespace core::scan {
namespace {

std::string usage_error(const std::string& text, u32 page_size = 4096) {
  try {
    parse_residency(text, "r.json", page_size);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ScanResidency, FincoreBytesAndPages) {
  const Residency r = parse_residency(
      R"({"fincore":[{"res":8192,"pages":2,"size":5000,"file":"/m/a"},
                     {"res":"12K","pages":3,"size":"19.5K","file":"/m/b"}]})",
      "r.json", 8192);
  EXPECT_EQ(r.format, ResidencyFormat::fincore);
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[0].path, "/m/a");
  EXPECT_EQ(r.records[0].resident_bytes, 8192u);  // -b: res in bytes
  EXPECT_EQ(r.records[1].resident_bytes, 3u * 8192);  // without -b: pages x --page-size
  EXPECT_TRUE(r.records[1].image.empty());
}

TEST(ScanResidency, StatusFilesOnly) {
  const Residency r = parse_residency(
      R"({"schema_version":1,"mounts_file":"/proc/self/mountinfo","groups":[{"junk":true}],
          "files":[{"image":"/i/a.erofs","mount":"/mnt/a","path":"/bin/x","size":3,"resident_bytes":4096}]})",
      "r.json", 4096);
  EXPECT_EQ(r.format, ResidencyFormat::status);
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].image, "/i/a.erofs");
  EXPECT_EQ(r.records[0].mount, "/mnt/a");
  EXPECT_EQ(r.records[0].path, "/bin/x");
  EXPECT_EQ(r.records[0].resident_bytes, 4096u);
}

TEST(ScanResidency, HostileInputNamesTheFileAndPointer) {
  EXPECT_EQ(usage_error("{"), "--resident r.json: not valid JSON");
  EXPECT_EQ(usage_error(""), "--resident r.json: not valid JSON");
  EXPECT_EQ(usage_error("[1]"), "--resident r.json: : not a JSON object");
  EXPECT_NE(usage_error(R"({"x":1})").find("neither"), std::string::npos);
  EXPECT_EQ(usage_error(R"({"fincore":3})"), "--resident r.json: /fincore: not an array");
  EXPECT_EQ(usage_error(R"({"fincore":[7]})"), "--resident r.json: /fincore/0: not an object");
  EXPECT_EQ(usage_error(R"({"fincore":[{"res":1}]})"), "--resident r.json: /fincore/0/file: missing");
  EXPECT_EQ(usage_error(R"({"fincore":[{"res":1,"file":""}]})"), "--resident r.json: /fincore/0/file: empty");
  EXPECT_EQ(usage_error(R"({"fincore":[{"res":1.5,"pages":null,"file":"/a"}]})"),
            "--resident r.json: /fincore/0/res: not a byte count and no whole \"pages\" count (run fincore --json -b)");
  EXPECT_EQ(usage_error(R"({"fincore":[{"res":"x","pages":18446744073709551615,"file":"/a"}]})"),
            "--resident r.json: /fincore/0/pages: too large");
  const std::string head = R"({"schema_version":1,"mounts_file":"m","files":[)";
  EXPECT_EQ(usage_error(R"({"schema_version":2,"mounts_file":"m","files":[]})"),
            "--resident r.json: /schema_version: not 1");
  EXPECT_EQ(usage_error(R"({"schema_version":1,"mounts_file":"m","files":{}})"), "--resident r.json: /files: not an array");
  EXPECT_EQ(usage_error(head + R"({"image":"i","mount":"/m","path":"/p","resident_bytes":-1}]})"),
            "--resident r.json: /files/0/resident_bytes: not a whole number of at least 0");
  EXPECT_EQ(usage_error(head + R"({"image":"i","mount":"/m","path":"/p","resident_bytes":1},{"image":"i","mount":"/m","path":"p","resident_bytes":1}]})"),
            "--resident r.json: /files/1/path: does not start with /");
  EXPECT_EQ(usage_error(head + R"({"image":1,"mount":"/m","path":"/p","resident_bytes":1}]})"),
            "--resident r.json: /files/0/image: not a string");
}

TEST(ScanResidency, ResidentRoots) {
  const ResidentRoot r = parse_resident_root("/mnt/a//=x=y.erofs");
  EXPECT_EQ(r.mount, "/mnt/a");
  EXPECT_EQ(r.input, "x=y.erofs");
  EXPECT_EQ(parse_resident_root("/=a").mount, "/");
  EXPECT_THROW(parse_resident_root("/mnt/a"), UsageError);
  EXPECT_THROW(parse_resident_root("=a"), UsageError);
  EXPECT_THROW(parse_resident_root("/m="), UsageError);
}

// ---- the working-set saving on hand-built inputs --------------------------------------------

testing::TestFile file(const std::string& path, const std::string& content, u64 size, bool tagged) {
  testing::TestFile f;
  f.paths = {path};
  f.size = size;
  f.content = util::sha256({reinterpret_cast<const u8*>(content.data()), content.size()});
  if (tagged) f.fingerprint = StoredValue{erofs::encode_fingerprint(*f.content), false};
  return f;
}

InputRecord image(const std::string& name, std::vector<testing::TestFile> files, bool tagged) {
  InputRecord in;
  in.name = name;
  in.ishare = tagged;
  in.domain = "d";
  testing::add_files(in, std::move(files));
  return in;
}

std::vector<InputRecord> three_images() {
  std::vector<InputRecord> v;
  v.push_back(image("a", {file("/lib", "L", 40000, true), file("/bin", "B", 9000, true)}, true));
  v.push_back(image("b", {file("/lib", "L", 40000, true), file("/usr/bin", "B", 9000, true)}, true));
  v.push_back(image("c", {file("/lib", "L", 40000, false)}, false));
  return v;
}

Residency fincore(std::vector<std::pair<std::string, u64>> records) {
  Residency r;
  r.file = "r.json";
  r.format = ResidencyFormat::fincore;
  for (auto& [path, bytes] : records) r.records.push_back({"", "", path, bytes});
  r.roots = {{"/mnt/a", "a"}, {"/mnt/b", "b"}, {"/mnt/c", "c"}, {"/mnt/b/usr", "a"}};
  return r;
}

TEST(ScanResidency, SavingPerSharedInodeNowAndOnceTagged) {
  // /lib: a 20480, b 8192, c 32768 (40000 bytes: 40960 of pages); /bin: a 4096, b 12288 (of 12288).
  const Residency r = fincore({{"/mnt/a/lib", 20480}, {"/mnt/b/lib", 8192}, {"/mnt/c/lib", 32768},
                               {"/mnt/a/bin", 4096}, {"/mnt/b/usr/../usr/bin", 12288}, {"/mnt/a/bin", 2048}});
  auto roots = r;
  roots.roots.pop_back();  // the longest prefix wins: without it /mnt/b/usr/bin is b's
  const Report rep = build_report(three_images(), {}, 1, 0, {}, &roots);
  ASSERT_TRUE(rep.resident);
  const ResidentFigures& x = *rep.resident;
  EXPECT_EQ(x.records, 6u);
  EXPECT_EQ(x.matched, 6u);
  EXPECT_EQ(x.files, 5u);  // /mnt/a/bin twice: one inode, the larger record
  EXPECT_EQ(x.resident_bytes, 20480u + 8192 + 32768 + 4096 + 12288);
  // Now: lib a+b (c untagged): 28672 - 20480; bin a+b: 16384 - 12288.
  EXPECT_EQ(x.saved_bytes_now, 8192u + 4096);
  // Once tagged: lib a+b+c: 61440 - 32768; bin as now.
  EXPECT_EQ(x.saved_bytes_if_tagged, 28672u + 4096);
  // At least (disjoint pages): lib now 28672 - 28672 = 0, tagged 61440 - 40960; bin 16384 - 12288.
  EXPECT_EQ(x.saved_bytes_now_at_least, 4096u);
  EXPECT_EQ(x.saved_bytes_if_tagged_at_least, 20480u + 4096);
  EXPECT_EQ(x.clamped, 0u);

  // With /mnt/b/usr mapped to a (the longest prefix), /mnt/b/usr/bin is a's /bin (the larger
  // of its records): b's copy of B is not resident, and B saves nothing.
  const Report rep2 = build_report(three_images(), {}, 1, 0, {}, &r);
  EXPECT_EQ(rep2.resident->matched, 6u);
  EXPECT_EQ(rep2.resident->files, 4u);
  EXPECT_EQ(rep2.resident->saved_bytes_now, 8192u);
  EXPECT_EQ(rep2.resident->resident_bytes, 20480u + 8192 + 32768 + 12288);
}

TEST(ScanResidency, UnmatchedClampedAndUnknownRoot) {
  const Residency r = fincore({{"/elsewhere/lib", 4096}, {"/mnt/a", 4096}, {"/mnt/a/nope", 1}, {"/mnt/c/lib", 1 << 20}});
  const Report rep = build_report(three_images(), {}, 1, 0, {}, &r);
  const ResidentFigures& x = *rep.resident;
  EXPECT_EQ(x.unmatched_input, 2u);  // outside every root; the mount point itself
  EXPECT_EQ(x.unmatched_path, 1u);
  EXPECT_EQ(x.matched, 1u);
  EXPECT_EQ(x.clamped, 1u);
  EXPECT_EQ(x.resident_bytes, 40960u);  // counted as the file's pages
  EXPECT_EQ(x.saved_bytes_if_tagged, 0u);  // only c's copy read
  EXPECT_EQ(x.unmatched_examples, (std::vector<std::string>{"/elsewhere/lib", "/mnt/a", "/mnt/a/nope"}));

  Residency bad = r;
  bad.roots.push_back({"/mnt/x", "nope"});
  try {
    build_report(three_images(), {}, 1, 0, {}, &bad);
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "--resident-root /mnt/x=nope: no input is named nope");
  }
}

TEST(ScanResidency, StatusRecordsByRootThenImage) {
  Residency r;
  r.file = "s.json";
  r.format = ResidencyFormat::status;
  r.records = {{"/nowhere/a.erofs", "/run/a", "/lib", 8192}, {"/nowhere/b.erofs", "/run/b", "/lib", 4096},
               {"/nowhere/z.erofs", "/run/z", "/lib", 4096}};
  r.roots = {{"/run/a", "a"}, {"/run/b", "b"}};
  const Report rep = build_report(three_images(), {}, 1, 0, {}, &r);
  EXPECT_EQ(rep.resident->matched, 2u);
  EXPECT_EQ(rep.resident->unmatched_input, 1u);
  EXPECT_EQ(rep.resident->saved_bytes_now, 4096u);
  EXPECT_EQ(rep.resident->unmatched_examples, std::vector<std::string>{"/run/z/lib"});
}

}  // namespace
}  // namespace core::scan
