// Build drift (core/scan/drift.hpp) on hand-built inputs: which paths drift, their contents,
// what they would share if reproducible (kernel rules apart from content), prefixes, order, rows.
#include <gtest/gtest.h>

#include "core/erofs/fingerprint.hpp"
#include "core/scan/render.hpp"
#include "core/scan/report.hpp"
#include "tests/scan/test_records.hpp"

namespace core::scan {
namespace {

constexpr u64 k_page = 4096;

util::Digest digest_of(const std::string& s) { return util::sha256({reinterpret_cast<const u8*>(s.data()), s.size()}); }

// A tagged file of `size` bytes whose content is named `content` (same name = same content);
// an empty name: content not known.
testing::TestFile file(std::vector<std::string> paths, const std::string& content, u64 size) {
  testing::TestFile f;
  f.paths = std::move(paths);
  f.size = size;
  if (!content.empty()) {
    f.content = digest_of(content);
    f.fingerprint = StoredValue{erofs::encode_fingerprint(*f.content), false};
  }
  return f;
}
testing::TestFile file(const std::string& path, const std::string& content, u64 size) {
  return file(std::vector<std::string>{path}, content, size);
}

InputRecord image(const std::string& name, std::vector<testing::TestFile> files) {
  InputRecord in;
  in.name = name;
  in.ishare = true;
  in.domain = "d";
  testing::add_files(in, std::move(files));
  return in;
}

const DriftPath* row(const Report& r, const std::string& path) {
  for (const DriftPath& p : r.drift.rows)
    if (p.path == path) return &p;
  return nullptr;
}

TEST(ScanDrift, ThreeInputsTwoContents) {
  // a and b hold one content (they share once tagged); c's differs: only c's pages are drift savings.
  std::vector<InputRecord> in = {image("a", {file("/x", "X1", 5000)}), image("b", {file("/x", "X1", 5000)}),
                                 image("c", {file("/x", "X2", 5000)})};
  const Report r = build_report(in, {});
  ASSERT_EQ(r.drift.rows.size(), 1u);
  const DriftPath& p = r.drift.rows[0];
  EXPECT_EQ(p.path, "/x");
  EXPECT_EQ(p.inputs, (std::vector<u32>{0, 1, 2}));
  EXPECT_EQ(p.contents, 2u);
  EXPECT_EQ(p.size_min, 5000u);
  EXPECT_EQ(p.size_max, 5000u);
  EXPECT_EQ(p.page_bytes, 3 * 2 * k_page);
  EXPECT_EQ(p.saved_bytes_if_reproducible, 2 * k_page);
  EXPECT_EQ(r.drift.paths, 1u);
  EXPECT_EQ(r.drift.copies, 3u);
  EXPECT_EQ(r.drift.saved_bytes_if_reproducible, 2 * k_page);
}

TEST(ScanDrift, EveryCopyDifferentOneHoldsTheSharedInode) {
  std::vector<InputRecord> in = {image("a", {file("/x", "X1", 100)}), image("b", {file("/x", "X2", 100)}),
                                 image("c", {file("/x", "X3", 100)})};
  const Report r = build_report(in, {});
  ASSERT_EQ(r.drift.rows.size(), 1u);
  EXPECT_EQ(r.drift.rows[0].contents, 3u);
  EXPECT_EQ(r.drift.rows[0].saved_bytes_if_reproducible, 2 * k_page);
}

TEST(ScanDrift, IdenticalAndSingleInputPathsAreNoDrift) {
  std::vector<InputRecord> in = {image("a", {file("/same", "S", 100), file("/only-a", "A", 200)}),
                                 image("b", {file("/same", "S", 100), file("/only-b", "B", 300)})};
  const Report r = build_report(in, {});
  EXPECT_EQ(r.drift.paths, 0u);
  EXPECT_TRUE(r.drift.rows.empty());
  EXPECT_TRUE(r.drift.prefixes.empty());
  EXPECT_EQ(r.drift.undetermined_paths, 0u);
}

TEST(ScanDrift, CopiesThatShareElsewhereSaveNothingMore) {
  // b's /x shares with b's /twin once tagged; a's /x does not: it saves its pages. /y: both copies
  // share already with twins of their own, so /y drifts but saves nothing.
  std::vector<InputRecord> in = {
      image("a", {file("/x", "X1", 5000), file("/y", "Y1", 100), file("/y-twin", "Y1", 100)}),
      image("b",
            {file("/x", "X2", 5000), file("/twin", "X2", 5000), file("/y", "Y2", 100), file("/y-twin", "Y2", 100)})};
  const Report r = build_report(in, {});
  ASSERT_NE(row(r, "/x"), nullptr);
  ASSERT_NE(row(r, "/y"), nullptr);
  EXPECT_EQ(row(r, "/x")->saved_bytes_if_reproducible, 2 * k_page);
  EXPECT_EQ(row(r, "/y")->saved_bytes_if_reproducible, 0u);
  EXPECT_EQ(row(r, "/y-twin")->saved_bytes_if_reproducible, 0u);  // Y1 vs Y2: drift too
  EXPECT_EQ(r.drift.paths, 3u);
}

TEST(ScanDrift, KernelRulesApartFromContent) {
  // c is in another domain; d is mounted without inode_share: only a and b could share.
  std::vector<InputRecord> in = {image("a", {file("/x", "X1", 100)}), image("b", {file("/x", "X2", 100)}),
                                 image("c", {file("/x", "X3", 100)}), image("d", {file("/x", "X4", 100)})};
  in[2].domain = "other";
  in[3].inode_share = false;
  const Report r = build_report(in, {});
  ASSERT_EQ(r.drift.rows.size(), 1u);
  EXPECT_EQ(r.drift.rows[0].contents, 4u);
  EXPECT_EQ(r.drift.rows[0].saved_bytes_if_reproducible, k_page);
}

TEST(ScanDrift, FirstCopyFixesTheClassOrTheBestClass) {
  // a compressed, b and c uncompressed: in command-line order a fixes the class and nothing joins
  // it; with --assume best, b and c share.
  std::vector<InputRecord> in = {image("a", {file("/x", "X1", 100)}), image("b", {file("/x", "X2", 100)}),
                                 image("c", {file("/x", "X3", 100)})};
  in[0].files[0].storage = Storage::compressed;
  EXPECT_EQ(build_report(in, {}).drift.rows.at(0).saved_bytes_if_reproducible, 0u);
  ModelOptions best;
  best.assume = Assume::best;
  EXPECT_EQ(build_report(in, best).drift.rows.at(0).saved_bytes_if_reproducible, k_page);
}

TEST(ScanDrift, UnknownContents) {
  // One size, a content not read: undetermined, not listed. Sizes that differ: drift, the unread
  // copy counts as a content of its own.
  std::vector<InputRecord> in = {image("a", {file("/same-size", "", 100), file("/sizes", "", 100)}),
                                 image("b", {file("/same-size", "S", 100), file("/sizes", "T", 200)})};
  const Report r = build_report(in, {});
  EXPECT_EQ(r.drift.undetermined_paths, 1u);
  ASSERT_EQ(r.drift.rows.size(), 1u);
  EXPECT_EQ(r.drift.rows[0].path, "/sizes");
  EXPECT_EQ(r.drift.rows[0].contents, 2u);
  EXPECT_EQ(r.drift.rows[0].size_min, 100u);
  EXPECT_EQ(r.drift.rows[0].size_max, 200u);
}

TEST(ScanDrift, HardLinksDriftByEachName) {
  std::vector<InputRecord> in = {image("a", {file(std::vector<std::string>{"/l1", "/l2"}, "L1", 100)}),
                                 image("b", {file("/l1", "L1", 100), file("/l2", "L2", 100)})};
  const Report r = build_report(in, {});
  ASSERT_EQ(r.drift.rows.size(), 1u);
  EXPECT_EQ(r.drift.rows[0].path, "/l2");
  // a's inode shares with b's /l1 already; b's /l2 would join it.
  EXPECT_EQ(r.drift.rows[0].saved_bytes_if_reproducible, k_page);
}

TEST(ScanDrift, PrefixesTiesAndRows) {
  std::vector<InputRecord> in = {image("a", {file("/p/b", "B1", 100), file("/p/a", "A1", 100), file("/q/c", "C1", 100),
                                             file("/r", "R1", 100), file("/big/z", "Z1", 9000)}),
                                 image("b", {file("/p/b", "B2", 100), file("/p/a", "A2", 100), file("/q/c", "C2", 100),
                                             file("/r", "R2", 100), file("/big/z", "Z2", 9000)})};
  Report r = build_report(in, {});
  std::vector<std::string> paths;
  for (const DriftPath& p : r.drift.rows) paths.push_back(p.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"/big/z", "/p/a", "/p/b", "/q/c", "/r"}));
  std::vector<std::pair<std::string, u64>> prefixes;
  for (const DriftPrefix& p : r.drift.prefixes) prefixes.emplace_back(p.prefix, p.saved_bytes_if_reproducible);
  EXPECT_EQ(prefixes, (std::vector<std::pair<std::string, u64>>{
                          {"/big", 3 * k_page}, {"/p", 2 * k_page}, {"/", k_page}, {"/q", k_page}}));
  EXPECT_EQ(r.drift.prefixes[1].paths, 2u);
  EXPECT_EQ(r.drift.prefixes[1].copies, 4u);
  EXPECT_EQ(r.drift.prefix_count, 4u);

  Report all = r;
  trim_drift(all.drift, 0);  // 0 = all
  EXPECT_EQ(all.drift.rows.size(), 5u);
  EXPECT_EQ(all.drift.prefixes.size(), 4u);
  trim_drift(r.drift, 2);
  EXPECT_EQ(r.drift.rows.size(), 2u);
  EXPECT_EQ(r.drift.prefixes.size(), 2u);
  EXPECT_EQ(r.drift.paths, 5u);  // the totals stay
  EXPECT_EQ(r.drift.prefix_count, 4u);
  EXPECT_EQ(r.drift.saved_bytes_if_reproducible, 7 * k_page);
  EXPECT_NE(render_text(r, 10).find("Paths (top 2 of 5)"), std::string::npos);
  EXPECT_NE(render_csv(r).find("sha256,"), std::string::npos);
}

TEST(ScanDrift, PrefixOfAPath) {
  EXPECT_EQ(drift_prefix("/a/b/c"), "/a/b");
  EXPECT_EQ(drift_prefix("/a"), "/");
  EXPECT_EQ(drift_prefix("/"), "/");
}

TEST(ScanDrift, OneInputHasNoDrift) {
  std::vector<InputRecord> in = {image("a", {file("/x", "X1", 100), file("/y", "X2", 100)})};
  EXPECT_EQ(build_report(in, {}).drift.paths, 0u);
}

}  // namespace
}  // namespace core::scan
