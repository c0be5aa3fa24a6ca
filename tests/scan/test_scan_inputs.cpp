// Inputs, manifests, size grouping and the parallel loop of `scan`, without images.
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

#include "core/erofs/fingerprint.hpp"
#include "core/scan/manifest.hpp"
#include "core/scan/parallel.hpp"
#include "core/scan/scan.hpp"
#include "core/util/error.hpp"
#include "tests/scan/test_records.hpp"

namespace core::scan {
namespace {

namespace fs = std::filesystem;

class TempDir {
public:
  TempDir() {
    m_path = fs::temp_directory_path() / ("erofs-share-scan-unit-" + std::to_string(::getpid()) + "-" +
                                          ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(m_path);
    fs::create_directories(m_path);
  }
  ~TempDir() { fs::remove_all(m_path); }
  const fs::path& path() const { return m_path; }

private:
  fs::path m_path;
};

void write(const fs::path& p, const std::string& data) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << data;
}

TEST(ScanInputs, NormalizePath) {
  EXPECT_EQ(normalize_path("./a/b/"), "/a/b");
  EXPECT_EQ(normalize_path("a//b"), "/a/b");
  EXPECT_EQ(normalize_path("/a/./b"), "/a/b");
  EXPECT_EQ(normalize_path("./"), "/");
  EXPECT_EQ(normalize_path(""), "/");
}

TEST(ScanInputs, DirectoryHardLinksAreOneRecord) {
  TempDir t;
  write(t.path() / "a", "hello");
  write(t.path() / "sub/b", "world!");
  write(t.path() / "empty", "");
  fs::create_hard_link(t.path() / "a", t.path() / "sub/a-link");
  fs::create_symlink("a", t.path() / "sym");
  LoadedInput in = load_directory({t.path().string(), {}}, Storage::uncompressed);
  const InputRecord& r = in.record;
  ASSERT_EQ(r.files.size(), 2u);
  EXPECT_EQ(r.paths(r.files[0]), (std::vector<std::string>{"/a", "/sub/a-link"}));
  EXPECT_EQ(r.paths(r.files[1]), (std::vector<std::string>{"/sub/b"}));
  EXPECT_EQ(r.files[1].size, 6u);
  EXPECT_EQ(r.directories, 2u);
  EXPECT_EQ(r.symlinks, 1u);
  EXPECT_EQ(r.empty_files, 1u);
  ReadCounters counters;
  EXPECT_EQ(in.source->digest(r.files[0], counters), util::sha256({reinterpret_cast<const u8*>("hello"), 5}));
  EXPECT_EQ(counters.bytes, 5u);
}

TEST(ScanInputs, DetectKinds) {
  TempDir t;
  write(t.path() / "m.ndjson", "{\"erofs_share_manifest\":1}\n");
  write(t.path() / "x.tar", std::string(2048, '\0'));
  EXPECT_EQ(detect_kind(t.path().string()), DetectedKind::directory);
  EXPECT_EQ(detect_kind((t.path() / "m.ndjson").string()), DetectedKind::manifest);
  EXPECT_EQ(detect_kind((t.path() / "x.tar").string()), DetectedKind::tar);
  EXPECT_THROW(detect_kind((t.path() / "missing").string()), IoError);
}

TEST(ScanInputs, NotAnArchiveIsAUsageError) {
  TempDir t;
  write(t.path() / "junk", "just some text, neither image nor archive\n");
  ReadCounters c;
  try {
    load_tar({(t.path() / "junk").string(), {}}, Storage::uncompressed, c);
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("not an EROFS image, directory, tar archive or manifest"), std::string::npos)
        << e.what();
  }
}

TEST(ScanInputs, ManifestRoundTrip) {
  TempDir t;
  InputRecord r;
  r.name = "img.erofs";
  r.kind = InputKind::erofs;
  r.block_size = 4096;
  r.ishare = true;
  r.fingerprint_xattr = "erofs.fingerprint.v1";
  r.directories = 3;
  r.symlinks = 1;
  r.empty_files = 2;
  testing::TestFile a;
  a.paths = {"/a", "/b"};
  a.size = 10;
  a.content = util::sha256({reinterpret_cast<const u8*>("0123456789"), 10});
  a.fingerprint = StoredValue{erofs::encode_fingerprint(*a.content), true};
  testing::TestFile odd;
  odd.paths = {std::string("/bad\xff\xfe", 6)};
  odd.size = 7;
  odd.storage = Storage::compressed;
  odd.content_error = "compressed data is not readable yet";
  testing::add_files(r, {a, odd});
  const std::string path = (t.path() / "m.ndjson").string();
  write_manifest(r, path);
  InputRecord back = read_manifest(path);
  EXPECT_EQ(manifest_text(back), manifest_text(r));
  EXPECT_EQ(back.first_path(back.files[1]), odd.paths[0]);  // not UTF-8: kept exactly (as hex)
  EXPECT_TRUE(back.files[0].fingerprint->hidden_by_filter);
  ASSERT_NE(back.content(back.files[0]), nullptr);
  EXPECT_EQ(*back.content(back.files[0]), *a.content);
  EXPECT_EQ(back.files[0].content_slot, FileRecord::k_content_in_fingerprint);  // no copy of the digest
  EXPECT_EQ(back.empty_files, 2u);
}

TEST(ScanInputs, TruncatedManifestIsRejected) {
  TempDir t;
  InputRecord r;
  r.name = "x";
  testing::TestFile f;
  f.paths = {"/f"};
  f.size = 1;
  testing::add_files(r, {f, f});
  std::string text = manifest_text(r);
  write(t.path() / "m.ndjson", text.substr(0, text.rfind('{')));
  EXPECT_THROW(read_manifest((t.path() / "m.ndjson").string()), UsageError);
}

TEST(ScanInputs, SizeGrouping) {
  FileRecord f;
  f.size = 100;
  EXPECT_FALSE(needs_hash(f, 1, false, false));
  EXPECT_TRUE(needs_hash(f, 2, false, false));
  EXPECT_TRUE(needs_hash(f, 1, true, false));
  f.fingerprint = StoredValue{erofs::encode_fingerprint(util::Digest{}), false};
  EXPECT_FALSE(needs_hash(f, 2, false, true));  // trusted
  f.fingerprint->value[0] = 'S';
  EXPECT_TRUE(needs_hash(f, 2, false, true));  // not a "sha256:" value: read it
  InputRecord holder;
  holder.set_content(f, util::Digest{});
  EXPECT_FALSE(needs_hash(f, 2, true, false));  // known already (tar, manifest)
}

TEST(ScanInputs, SmallBytesInlineAndHeap) {
  for (std::size_t n : {0u, 1u, 38u, 39u, 40u, 41u, 4096u}) {
    std::vector<u8> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<u8>(i * 7 + 1);
    SmallBytes a(v);
    EXPECT_EQ(a.size(), n);
    EXPECT_EQ(a.to_vector(), v);
    SmallBytes b = a;  // copy
    EXPECT_EQ(b.to_vector(), v);
    EXPECT_NE(b.data(), a.data());
    SmallBytes c = std::move(a);  // move leaves the source empty
    EXPECT_EQ(c.to_vector(), v);
    EXPECT_TRUE(a.empty());
    SmallBytes& same = c;
    c = same;  // self-assignment keeps the bytes
    EXPECT_EQ(c.to_vector(), v);
    b.assign(b.begin() + n / 2, b.end());  // from its own bytes
    EXPECT_EQ(b.to_vector(), std::vector<u8>(v.begin() + static_cast<std::ptrdiff_t>(n / 2), v.end()));
  }
}

TEST(ScanInputs, ContentHeldByTheFingerprintWhenEqual) {
  InputRecord in;
  const util::Digest d = util::sha256({reinterpret_cast<const u8*>("abc"), 3});
  util::Digest other = d;
  other[0] ^= 1;
  FileRecord tagged, forged, untagged;
  tagged.fingerprint = StoredValue{erofs::encode_fingerprint(d), false};
  forged.fingerprint = StoredValue{erofs::encode_fingerprint(other), false};
  EXPECT_EQ(in.content(tagged), nullptr);
  in.set_content(tagged, d);
  in.set_content(forged, d);
  in.set_content(untagged, d);
  EXPECT_EQ(tagged.content_slot, FileRecord::k_content_in_fingerprint);
  EXPECT_EQ(in.contents.size(), 2u);
  EXPECT_EQ(*in.content(tagged), d);
  EXPECT_EQ(*in.content(forged), d);  // the digest read, not the value's
  EXPECT_EQ(*in.content(untagged), d);
  in.set_content(untagged, other);  // replaced in place
  EXPECT_EQ(in.contents.size(), 2u);
  EXPECT_EQ(*in.content(untagged), other);
}

TEST(ScanInputs, ManifestNames) {
  EXPECT_EQ(manifest_names({"/x/a.erofs", "/y/a.erofs", "dir/", "b.tar"}),
            (std::vector<std::string>{"a.erofs.ndjson", "a.erofs-2.ndjson", "input.ndjson", "b.tar.ndjson"}));
}

TEST(ScanInputs, ParallelForRethrowsAndCoversEveryIndex) {
  std::vector<int> hit(1000, 0);
  parallel_for(hit.size(), 4, [&](std::size_t i) { hit[i] += 1; });
  for (int h : hit) EXPECT_EQ(h, 1);
  EXPECT_THROW(parallel_for(100, 3, [](std::size_t i) {
                 if (i == 42) throw std::runtime_error("boom");
               }),
               std::runtime_error);
}

TEST(ScanInputs, SideBySideRunsBothAndRethrows) {
  std::atomic<int> ran{0};
  side_by_side([&] { ++ran; }, [&] { ++ran; });
  EXPECT_EQ(ran, 2);
  // b's error wins (it ran on the other thread), a's if b succeeded; both ran to the end.
  ran = 0;
  EXPECT_THROW(side_by_side([&] { ++ran; throw std::logic_error("a"); }, [&] { ++ran; throw std::runtime_error("b"); }),
               std::runtime_error);
  EXPECT_EQ(ran, 2);
  EXPECT_THROW(side_by_side([] { throw std::logic_error("a"); }, [] {}), std::logic_error);
  // The other thread is running when start_thread returns.
  std::atomic<bool> running{false};
  std::thread t = start_thread([&] { running = true; });
  t.join();
  EXPECT_TRUE(running);
}

TEST(ScanInputs, ScanOfDirectoriesEndToEnd) {
  TempDir t;
  write(t.path() / "one/x", std::string(5000, 'x'));
  write(t.path() / "one/u", "unique size");
  write(t.path() / "two/x", std::string(5000, 'x'));
  ScanOptions o;
  o.inputs = {{(t.path() / "one").string(), {}}, {(t.path() / "two").string(), {}}};
  o.jobs = 2;
  Report r = scan(o);
  EXPECT_EQ(r.totals.cache_bytes_without_sharing, 2 * 8192u + 4096u);
  EXPECT_EQ(r.totals.saved_bytes_if_tagged, 8192u);
  EXPECT_EQ(r.totals.saved_bytes_now, 0u);
  ASSERT_EQ(r.groups.size(), 1u);
  o.domains = {{"nowhere", "x"}};
  EXPECT_THROW(scan(o), UsageError);
  o.domains.clear();
  o.model.trust_fingerprints = o.model.verify_all = true;
  EXPECT_THROW(scan(o), UsageError);
}

}  // namespace
}  // namespace core::scan
