// Fingerprints (erofs-utils >= 1.9 --xattr-inode-digest): the stored value of every regular
// file with data is valid and equals both core's content digest and SHA-256 of the source file;
// empty files and non-regular inodes have none. The same images pass
// `fsck.erofs --xattr-inode-digest` and `erofs-share inspect --digest --format json`.
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/erofs/dir.hpp"
#include "core/erofs/fingerprint.hpp"
#include "core/erofs/xattr.hpp"
#include "core/util/error.hpp"
#include "tests/e2e/e2e_case.hpp"
#include "tests/support/tree_builder.hpp"

#ifndef EROFS_SHARE_CLI
#error "EROFS_SHARE_CLI (path of the erofs-share executable) must be defined by CMake"
#endif

namespace e2e {
namespace {

using test_support::hex;
using test_support::sha256_of_file;

struct FingerprintCase {
  MkfsCase mkfs;
  std::string xattr_name;  // the name the image must declare
  unsigned prefix_id = 0;  // its index in the long-prefix table (sb ishare_xattr_prefix_id)
};

void PrintTo(const FingerprintCase& c, std::ostream* os) { *os << c.mkfs.name; }

std::string cli_path() {
  const char* env = std::getenv("EROFS_SHARE_CLI");
  return env && *env ? env : EROFS_SHARE_CLI;
}

std::vector<FingerprintCase> cases() {
  const ToolSet v = ToolSet::v19;
  const std::string lp = std::string("--xattr-prefix=") + test_support::k_user_long_prefix;
  const std::string ov = std::string("--xattr-prefix=") + test_support::k_overlay_prefix;
  const std::string def = "erofs.fingerprint.v1", trusted = "trusted.erofs.fingerprint";
  return {
      {{"fp_default_bs4096", v, 4096, {"--xattr-inode-digest"}, false, false, {}}, def},
      {{"fp_trusted_bs1024", v, 1024, {"--xattr-inode-digest=" + trusted}, false, false, {}}, trusted},
      // Prefixes given first: the fingerprint prefix gets index 2, and -x1 shares other xattrs.
      {{"fp_trusted_after_prefixes_bs512_x1", v, 512, {lp, ov, "-x1", "--xattr-inode-digest=" + trusted}, false,
        false, Expect{.shared_xattrs = true, .long_prefixes = true}},
       trusted, 2},
      {{"fp_default_chunk65536_bs4096", v, 4096, {"--chunksize=65536", "--xattr-inode-digest"}, false, false,
        Expect{.chunks = true}},
       def},
      {{"fp_default_noinline_bs512", v, 512, {"-Enoinline_data", "--xattr-inode-digest"}, false, false,
        Expect{.no_inline_files = true}},
       def},
  };
}

class Fingerprint : public ::testing::TestWithParam<FingerprintCase> {};

// Walks the image and checks every stored fingerprint against core's digest and the source.
void check_stored_fingerprints(const CaseRun& run) {
  const core::erofs::Image& img = *run.img;
  unsigned fingerprinted = 0;
  core::erofs::walk_tree(img, [&](const std::string& path, const core::erofs::Inode& ino) {
    const std::string where = run.context() + ": " + path;
    core::erofs::XattrSet xs = core::erofs::read_xattrs(img, ino);
    core::erofs::StoredFingerprint fp = core::erofs::stored_fingerprint(img, xs);
    if (ino.type != core::erofs::FileType::file || ino.size == 0) {
      EXPECT_EQ(fp.state, core::erofs::FingerprintState::none)
          << where << ": only regular files with data carry a fingerprint (type "
          << core::erofs::file_type_name(ino.type) << ", size " << ino.size << ")";
      return;
    }
    ++fingerprinted;
    ASSERT_EQ(fp.state, core::erofs::FingerprintState::valid)
        << where << ": fingerprint state " << core::erofs::fingerprint_state_name(fp.state) << ", raw "
        << hex(fp.raw.data(), fp.raw.size());
    EXPECT_FALSE(fp.hidden_by_filter) << where << ": the xattr name filter hides the fingerprint from the kernel";
    core::util::Digest computed = core::erofs::content_digest(img, ino);
    auto source = sha256_of_file(run.tree.at(path).full);
    EXPECT_EQ(hex(fp.digest.data(), 32), hex(computed.data(), 32)) << where << ": stored vs content_digest()";
    EXPECT_EQ(hex(fp.digest.data(), 32), hex(source.data(), 32)) << where << ": stored vs SHA-256 of the source";
  });
  EXPECT_GT(fingerprinted, 10u) << run.context();
}

// The CLI renders JSON with invalid UTF-8 replaced by U+FFFD (nlohmann error_handler replace),
// so a path in its output is the source path after the same lossy conversion.
std::string as_cli_json_path(const std::string& path) {
  return nlohmann::json::parse(nlohmann::json(path).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
      .get<std::string>();
}

void check_cli_json(const CaseRun& run, const std::string& name) {
  std::map<std::string, std::vector<const test_support::SourceEntry*>> by_json_path;
  for (const auto& [path, e] : run.tree) by_json_path[as_cli_json_path(path)].push_back(&e);
  test_support::ProcessResult r =
      test_support::run_process({cli_path(), "inspect", run.image.string(), "--digest", "--format", "json"});
  ASSERT_TRUE(r.ok()) << r.describe();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(r.out);
  } catch (const nlohmann::json::exception& e) {
    FAIL() << "`" << r.command << "` printed invalid JSON: " << e.what();
  }
  EXPECT_EQ(j["superblock"]["fingerprint_xattr"], name) << r.command;
  std::set<std::string> seen;
  static const std::regex k_hex64("[0-9a-f]{64}");
  for (const auto& f : j.at("files")) {
    const std::string path = f.at("path");
    if (f.at("type") != "file") continue;
    const std::string where = "`" + r.command + "`: " + path;
    seen.insert(path);
    auto src = by_json_path.find(path);
    ASSERT_NE(src, by_json_path.end()) << where << ": not in the source tree";
    ASSERT_EQ(src->second.size(), 1u) << where << ": ambiguous after UTF-8 replacement";
    if (f.at("size") == 0) {
      EXPECT_TRUE(f.at("fingerprint").is_null()) << where << ": empty file with a fingerprint";
      continue;
    }
    ASSERT_TRUE(f.at("fingerprint").is_string()) << where << ": no fingerprint: " << f.dump();
    ASSERT_TRUE(f.contains("digest")) << where << ": no digest: " << f.dump();
    const std::string fp = f.at("fingerprint"), digest = f.at("digest");
    EXPECT_TRUE(std::regex_match(fp, k_hex64)) << where << ": fingerprint is not 64 lowercase hex: " << fp;
    EXPECT_EQ(fp, digest) << where << ": fingerprint vs digest";
    auto sha = sha256_of_file(src->second.front()->full);
    EXPECT_EQ(fp, hex(sha.data(), 32)) << where << ": fingerprint vs SHA-256 of the source";
  }
  for (const auto& [path, e] : run.tree) {
    if (S_ISREG(e.st.st_mode)) {
      EXPECT_TRUE(seen.count(as_cli_json_path(path))) << "`" << r.command << "` has no row for " << path;
    }
  }
}

TEST_P(Fingerprint, StoredDigestsMatchContentAndSource) {
  const FingerprintCase& c = GetParam();
  CaseRun run;
  ASSERT_NO_FATAL_FAILURE(run_case(c.mkfs, run, c.xattr_name));
  EXPECT_EQ(run.img->fingerprint_xattr_name().value_or("<none>"), c.xattr_name) << run.context();
  EXPECT_EQ(run.img->sb().ishare_xattr_prefix_id, c.prefix_id) << run.context();
  try {
    check_stored_fingerprints(run);
  } catch (const core::Error& e) {
    ADD_FAILURE() << run.context() << ": reader threw: " << e.what();
  }

  test_support::ProcessResult fsck = run.tools->run_fsck({"--xattr-inode-digest"}, run.image.string());
  EXPECT_TRUE(fsck.ok()) << run.context() << ":\n" << fsck.describe();
  EXPECT_EQ((fsck.out + fsck.err).find("no digest xattr"), std::string::npos) << fsck.describe();

  check_cli_json(run, c.xattr_name);
}

// The checks have teeth: one flipped data byte makes the stored fingerprint disagree with
// core's content digest and makes fsck.erofs --xattr-inode-digest fail.
TEST(FingerprintCorruption, FlippedDataByteIsDetected) {
  const FingerprintCase c = cases().front();
  CaseRun run;
  ASSERT_NO_FATAL_FAILURE(run_case(c.mkfs, run, c.xattr_name));
  std::optional<core::erofs::Inode> big;
  core::erofs::walk_tree(*run.img, [&](const std::string& path, const core::erofs::Inode& ino) {
    if (path == "/files/big") big = ino;
  });
  ASSERT_TRUE(big && big->layout != core::erofs::Layout::chunk_based && !big->startblk_null) << run.context();
  const core::u64 off = big->startblk * run.img->block_size() + 12345;
  run.img.reset();
  {
    std::fstream f(run.image, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(off));
    char b = 0;
    f.read(&b, 1);
    b = static_cast<char>(b ^ 0x5a);
    f.seekp(static_cast<std::streamoff>(off));
    f.write(&b, 1);
    ASSERT_TRUE(f.good()) << "cannot patch " << run.image << " at byte " << off;
  }
  core::erofs::Image img(run.image.string());
  core::erofs::Inode ino = core::erofs::read_inode(img, big->nid);
  core::erofs::StoredFingerprint fp = core::erofs::stored_fingerprint(img, core::erofs::read_xattrs(img, ino));
  ASSERT_EQ(fp.state, core::erofs::FingerprintState::valid);
  core::util::Digest now = core::erofs::content_digest(img, ino);
  EXPECT_NE(hex(fp.digest.data(), 32), hex(now.data(), 32)) << "byte " << off << " of " << run.image;

  test_support::ProcessResult fsck = run.tools->run_fsck({"--xattr-inode-digest"}, run.image.string());
  EXPECT_FALSE(fsck.ok()) << fsck.describe();
  EXPECT_NE((fsck.out + fsck.err).find("MISMATCH"), std::string::npos) << fsck.describe();
}

std::string case_name(const ::testing::TestParamInfo<FingerprintCase>& info) { return info.param.mkfs.name; }

INSTANTIATE_TEST_SUITE_P(Erofs19, Fingerprint, ::testing::ValuesIn(cases()), case_name);

}  // namespace
}  // namespace e2e
