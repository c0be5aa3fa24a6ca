// The sharing model on hand-built inputs: exact figures, statuses and every reason code.
#include <gtest/gtest.h>

#include "core/erofs/fingerprint.hpp"
#include "core/scan/render.hpp"
#include "core/scan/report.hpp"
#include "core/scan/sharing.hpp"
#include "core/scan/size_counts.hpp"
#include "tests/scan/test_records.hpp"

namespace core::scan {
namespace {

util::Digest digest_of(const std::string& s) {
  return util::sha256({reinterpret_cast<const u8*>(s.data()), s.size()});
}

// A file of `size` bytes whose content is named `content` (same name = same content).
testing::TestFile file(const std::string& path, const std::string& content, u64 size, bool tagged = true) {
  testing::TestFile f;
  f.paths = {path};
  f.size = size;
  f.content = digest_of(content);
  if (tagged) f.fingerprint = StoredValue{erofs::encode_fingerprint(*f.content), false};
  return f;
}

InputRecord image(const std::string& name, std::vector<testing::TestFile> files, bool ishare = true) {
  InputRecord in;
  in.name = name;
  in.kind = InputKind::erofs;
  in.ishare = ishare;
  in.domain = "d";
  if (!ishare)
    for (auto& f : files) f.fingerprint.reset();
  testing::add_files(in, std::move(files));
  return in;
}

const CopyRow& copy(const Report& r, const std::string& path) {
  for (const auto& g : r.groups)
    for (const auto& c : g.copies)
      for (const auto& p : r.paths(c))
        if (p == path) return c;
  throw std::runtime_error("no copy " + path);
}

constexpr u64 k_page = 4096;

TEST(ScanModel, TwoTaggedImagesShareAndPagesRoundUp) {
  std::vector<InputRecord> in = {image("a", {file("/x", "X", 5000), file("/u", "U1", 10)}),
                                 image("b", {file("/x", "X", 5000), file("/v", "V", 100)})};
  Report r = build_report(in, {});
  EXPECT_EQ(r.totals.cache_bytes_without_sharing, 2 * 8192 + 4096 + 4096);
  EXPECT_EQ(r.totals.saved_bytes_now, 8192u);
  EXPECT_EQ(r.totals.cache_bytes_now, 8192u + 8192u);
  EXPECT_EQ(r.totals.saved_bytes_if_tagged, 8192u);
  ASSERT_EQ(r.groups.size(), 1u);
  EXPECT_EQ(r.groups[0].copies[0].status, Status::shares_now);
  EXPECT_EQ(r.groups[0].copies[1].status, Status::shares_now);
  // The first image pays: the saving is charged to b.
  EXPECT_EQ(r.inputs[0].figures.saved_bytes_now, 0u);
  EXPECT_EQ(r.inputs[1].figures.saved_bytes_now, 8192u);
  ASSERT_EQ(r.pairs.size(), 1u);
  EXPECT_EQ(r.pairs[0].common_bytes, 8192u);
  EXPECT_EQ(r.pairs[0].shared_bytes_now, 8192u);
}

TEST(ScanModel, PageSizeOption) {
  std::vector<InputRecord> in = {image("a", {file("/x", "X", 5000)}), image("b", {file("/x", "X", 5000)})};
  ModelOptions o;
  o.page_size = 65536;
  Report r = build_report(in, o);
  EXPECT_EQ(r.totals.cache_bytes_without_sharing, 2 * 65536u);
  EXPECT_EQ(r.totals.saved_bytes_now, 65536u);
}

TEST(ScanModel, HardLinksAreOneInodeAndDuplicatesInOneImageShare) {
  testing::TestFile linked = file("/h1", "H", 4096);
  linked.paths = {"/h1", "/h2"};
  std::vector<InputRecord> in = {image("a", {linked, file("/d1", "D", 9000), file("/d2", "D", 9000)})};
  Report r = build_report(in, {});
  EXPECT_EQ(r.totals.cache_bytes_without_sharing, 4096u + 2 * 12288u);
  EXPECT_EQ(r.totals.saved_bytes_now, 12288u);
  ASSERT_EQ(r.groups.size(), 1u);
  EXPECT_EQ(r.groups[0].inputs, 1u);
  EXPECT_EQ(r.inputs[0].paths, 4u);
  EXPECT_EQ(r.inputs[0].files, 3u);
}

TEST(ScanModel, UntaggedImageWouldShareOnceTagged) {
  std::vector<InputRecord> in = {image("a", {file("/x", "X", 100)}), image("b", {file("/x", "X", 100)}, false),
                                 image("c", {file("/x", "X", 100, false)})};
  Report r = build_report(in, {});
  EXPECT_EQ(r.totals.saved_bytes_now, 0u);
  EXPECT_EQ(r.totals.saved_bytes_if_tagged, 8192u);
  const auto& g = r.groups.at(0);
  EXPECT_EQ(g.copies[0].status, Status::would_share_once_tagged);
  EXPECT_EQ(g.copies[0].reason, Reason::peer_not_tagged);
  EXPECT_EQ(g.copies[1].reason, Reason::no_ishare_feature);
  EXPECT_EQ(g.copies[2].reason, Reason::fingerprint_missing);
  ASSERT_EQ(r.reasons.size(), 3u);
}

TEST(ScanModel, DirectoryInputsAreUncompressedAndUntagged) {
  InputRecord d = image("tree", {file("/x", "X", 100, false)});
  d.kind = InputKind::directory;
  std::vector<InputRecord> in = {image("a", {file("/x", "X", 100)}), d};
  Report r = build_report(in, {});
  EXPECT_EQ(copy(r, "/x").status, Status::would_share_once_tagged);
  EXPECT_EQ(r.groups[0].copies[1].reason, Reason::fingerprint_missing);
}

TEST(ScanModel, FingerprintProblems) {
  testing::TestFile hidden = file("/x", "X", 100);
  hidden.fingerprint->hidden_by_filter = true;
  testing::TestFile empty = file("/x", "X", 100);
  empty.fingerprint->value.clear();
  testing::TestFile too_long = file("/x", "X", 100);
  too_long.fingerprint->value.assign(600, 'y');
  testing::TestFile wrong = file("/x", "X", 100);
  wrong.fingerprint->value[10] ^= 1;
  testing::TestFile other_scheme = file("/x", "X", 100);
  other_scheme.fingerprint->value[0] = 'S';
  std::vector<InputRecord> in = {image("a", {file("/x", "X", 100)}), image("b", {hidden}), image("c", {empty}),
                                 image("d", {too_long}), image("e", {wrong}), image("f", {other_scheme})};
  in[3].block_size = 512;
  Report r = build_report(in, {});
  const auto& g = r.groups.at(0);
  ASSERT_EQ(g.copies.size(), 6u);
  EXPECT_EQ(g.copies[0].reason, Reason::fingerprint_values_differ);
  EXPECT_EQ(g.copies[1].reason, Reason::fingerprint_hidden_by_filter);
  EXPECT_EQ(g.copies[2].reason, Reason::fingerprint_empty);
  EXPECT_EQ(g.copies[3].reason, Reason::fingerprint_too_long);
  EXPECT_EQ(g.copies[4].reason, Reason::fingerprint_mismatch);
  EXPECT_EQ(g.copies[5].reason, Reason::fingerprint_values_differ);
  for (const auto& c : g.copies) EXPECT_EQ(c.status, Status::would_share_once_tagged);
  EXPECT_EQ(r.inputs[4].fingerprints.mismatched, 1u);
  EXPECT_EQ(r.inputs[0].fingerprints.verified, 1u);
  EXPECT_EQ(r.inputs[5].fingerprints.not_sha256, 1u);
  EXPECT_EQ(r.totals.saved_bytes_now, 0u);
  EXPECT_EQ(r.totals.saved_bytes_if_tagged, 5 * k_page);
}

TEST(ScanModel, CollisionOfAWrongFingerprint) {
  // b/y carries X's fingerprint but other content of another size: it claims the key first.
  testing::TestFile y = file("/y", "Y", 200);
  y.fingerprint->value = erofs::encode_fingerprint(digest_of("X"));
  std::vector<InputRecord> in = {image("a", {y}), image("b", {file("/x", "X", 100)}), image("c", {file("/x", "X", 100)})};
  Report r = build_report(in, {});
  EXPECT_EQ(copy(r, "/x").reason, Reason::fingerprint_collision);
  EXPECT_EQ(r.totals.saved_bytes_now, 0u);
  EXPECT_EQ(r.totals.saved_bytes_if_tagged, k_page);
}

TEST(ScanModel, CompressedAndUncompressedFirstCopyFixesTheClass) {
  testing::TestFile z = file("/x", "X", 100000);
  z.storage = Storage::compressed;
  std::vector<InputRecord> in = {image("z", {z}), image("a", {file("/x", "X", 100000)}),
                                 image("b", {file("/x", "X", 100000)})};
  const u64 pages = 102400;  // 25 pages
  Report r = build_report(in, {});
  EXPECT_EQ(r.totals.saved_bytes_now, 0u);
  for (const auto& c : r.groups.at(0).copies) {
    EXPECT_EQ(c.status, Status::blocked);
    EXPECT_EQ(c.reason, Reason::compressed_vs_uncompressed);
  }
  ModelOptions best;
  best.assume = Assume::best;
  Report rb = build_report(in, best);
  EXPECT_EQ(rb.totals.saved_bytes_now, pages);
  EXPECT_EQ(rb.groups.at(0).copies[0].status, Status::blocked);
  EXPECT_EQ(rb.groups.at(0).copies[1].status, Status::shares_now);
  EXPECT_EQ(rb.inputs[2].figures.saved_bytes_now, pages);
}

TEST(ScanModel, MountModesAndDomains) {
  std::vector<InputRecord> in = {image("a", {file("/x", "X", 100), file("/y", "Y", 100)}),
                                 image("b", {file("/x", "X", 100)}), image("c", {file("/y", "Y", 100)})};
  in[1].mount_mode = MountMode::fileio;
  in[2].domain = "other";
  Report r = build_report(in, {});
  ASSERT_EQ(r.groups.size(), 2u);
  for (const auto& g : r.groups)
    for (const auto& c : g.copies) EXPECT_EQ(c.status, Status::blocked);
  EXPECT_EQ(copy(r, "/x").reason, Reason::fileio_vs_block);
  EXPECT_EQ(copy(r, "/y").reason, Reason::other_domain);
  EXPECT_EQ(r.domains, (std::vector<std::string>{"d", "other"}));
  EXPECT_EQ(r.totals.saved_bytes_if_tagged, 0u);
  EXPECT_EQ(r.pairs.size(), 3u);
  EXPECT_EQ(r.pairs[0].common_bytes, k_page);  // a-b: X
  EXPECT_EQ(r.pairs[1].common_bytes, k_page);  // a-c: Y
  EXPECT_EQ(r.pairs[2].common_bytes, 0u);
}

TEST(ScanModel, DomainKeyHasNoSeparator) {
  // The kernel's key is value + domain, so value "AB" in domain "C" meets "A" in "BC".
  testing::TestFile a = file("/x", "X", 100);
  a.fingerprint->value = {'A', 'B'};
  testing::TestFile b = file("/x", "X", 100);
  b.fingerprint->value = {'A'};
  std::vector<InputRecord> in = {image("a", {a}), image("b", {b})};
  in[0].domain = "C";
  in[1].domain = "BC";
  Report r = build_report(in, {});
  EXPECT_EQ(r.totals.saved_bytes_now, k_page);
  EXPECT_EQ(r.totals.saved_bytes_if_tagged, 0u);
}

TEST(ScanModel, UniqueSizesAreNotCompared) {
  // The fingerprint of a file with a unique size is not checked unless verify_all.
  testing::TestFile wrong = file("/x", "X", 100);
  wrong.fingerprint->value[10] ^= 1;
  std::vector<InputRecord> in = {image("a", {wrong})};
  EXPECT_EQ(build_report(in, {}).inputs[0].fingerprints.mismatched, 0u);
  ModelOptions all;
  all.verify_all = true;
  EXPECT_EQ(build_report(in, all).inputs[0].fingerprints.mismatched, 1u);
}

TEST(ScanModel, TrustedFingerprintsStandForContent) {
  testing::TestFile a = file("/x", "X", 100);
  a.content.reset();
  testing::TestFile b = file("/x", "X", 100);
  b.content.reset();
  std::vector<InputRecord> in = {image("a", {a}), image("b", {b})};
  ModelOptions trust;
  trust.trust_fingerprints = true;
  Report r = build_report(in, trust);
  ASSERT_EQ(r.groups.size(), 1u);
  EXPECT_FALSE(r.groups[0].verified);
  EXPECT_EQ(r.totals.saved_bytes_now, k_page);
}

TEST(ScanModel, ThreadsGiveTheSameReport) {
  // With --jobs > 1 the decision runs, content groups, pair matrix and group rows are built
  // side by side in parts; the report must not depend on it. Many groups of every status.
  std::vector<InputRecord> in;
  for (int k = 0; k < 4; ++k) {
    std::vector<testing::TestFile> files;
    for (int i = 0; i < 300; ++i) {
      const int c = (i * 7 + k) % 97;  // 97 contents spread over the inputs
      testing::TestFile f = file("/f" + std::to_string(i), "C" + std::to_string(c), 100 + 37 * static_cast<u64>(c), (i + k) % 5 != 0);
      if (k == 3 && i % 4 == 0) f.storage = Storage::compressed;
      files.push_back(std::move(f));
    }
    in.push_back(image("img" + std::to_string(k), std::move(files)));
  }
  in[2].domain = "other";
  in[1].mount_mode = MountMode::fileio;
  const Report one = build_report(in, {}, 1);
  ASSERT_GT(one.groups.size(), 50u);
  ASSERT_GT(one.reasons.size(), 2u);
  for (unsigned jobs : {2u, 3u, 8u}) EXPECT_EQ(render_json(build_report(in, {}, jobs)), render_json(one)) << jobs;
  // Keeping the rows of the top groups only: the same top rows, every count and figure.
  for (unsigned jobs : {1u, 2u}) {
    for (std::size_t keep : {1u, 7u, 40u, 100000u}) {
      const Report kept = build_report(in, {}, jobs, keep);
      EXPECT_EQ(kept.groups.size(), std::min<std::size_t>(keep, one.groups.size()));
      EXPECT_EQ(kept.group_count, one.groups.size());
      EXPECT_EQ(render_json(kept, keep), render_json(one, keep)) << jobs << " " << keep;
    }
  }
}

TEST(ScanModel, KeyTableComparesTheConcatenation) {
  // §6.5 step 3: value bytes then domain, no separator; the table keeps views of both parts.
  const std::vector<u8> ab = {'a', 'b'}, a = {'a'}, abc = {'a', 'b', 'c'};
  const std::string c = "c", bc = "bc", none;
  KeyTable keys;
  const u32 first = keys.id(ab, c);
  EXPECT_EQ(keys.id(a, bc), first);
  EXPECT_EQ(keys.id(abc, none), first);
  EXPECT_NE(keys.id(ab, bc), first);
  EXPECT_NE(keys.id(a, c), first);
  EXPECT_EQ(keys.size(), 3u);
  // Long keys (beyond the stack buffer of the hash) compare the same way.
  std::vector<u8> long_value(300, 'x');
  std::string long_domain(200, 'x');
  const u32 long_id = keys.id(long_value, long_domain);
  std::vector<u8> longer_value(500, 'x');
  EXPECT_EQ(keys.id(longer_value, none), long_id);
}

TEST(ScanModel, KeyTableKeepsIdsAcrossGrowth) {
  // Sized for one key, given 5,000: ids stay 1, 2, ... in order of first appearance.
  std::vector<std::vector<u8>> values;
  for (u32 i = 0; i < 5000; ++i) values.push_back({u8(i), u8(i >> 8), 'v'});
  const std::string domain = "d";
  KeyTable keys(1);
  for (u32 i = 0; i < values.size(); ++i) ASSERT_EQ(keys.id(values[i], domain), i + 1);
  for (u32 i = 0; i < values.size(); ++i) ASSERT_EQ(keys.id(values[i], domain), i + 1);
  EXPECT_EQ(keys.size(), 5000u);
}

TEST(ScanModel, KeyTableIdsInOneGoMatchOneByOne) {
  // ids() looks ahead; it must give what id() gives in the same order, none -> 0.
  std::vector<std::vector<u8>> values;
  for (u32 i = 0; i < 3000; ++i) values.push_back({u8(i % 700), u8((i % 700) >> 8)});
  const std::string domain = "d";
  KeyTable one(3), all(3);
  std::vector<u32> expect;
  for (u32 i = 0; i < values.size(); ++i) expect.push_back(i % 5 == 3 ? 0 : one.id(values[i], domain));
  const std::vector<u32> got = all.ids(values.size(), [&](std::size_t i) -> std::optional<KeyTable::Key> {
    if (i % 5 == 3) return std::nullopt;
    return KeyTable::Key{values[i], domain};
  });
  EXPECT_EQ(got, expect);
  EXPECT_EQ(all.size(), one.size());
  EXPECT_EQ(all.ids(0, [](std::size_t) { return std::optional<KeyTable::Key>(); }).size(), 0u);
}

TEST(ScanModel, SizeCountsCountEverySize) {
  SizeCounts counts(2);  // grows many times
  for (u64 size = 1; size <= 3000; ++size)
    for (u64 k = 0; k < size % 3; ++k) counts.add(size * 4096);  // block multiples cluster
  counts.add(u64(1) << 62);
  counts.add(u64(1) << 62);
  for (u64 size = 1; size <= 3000; ++size) ASSERT_EQ(counts.count(size * 4096), size % 3) << size;
  EXPECT_EQ(counts.count(u64(1) << 62), 2u);
  EXPECT_EQ(counts.count(0), 0u);
  EXPECT_EQ(counts.count(4097), 0u);
}

}  // namespace
}  // namespace core::scan
