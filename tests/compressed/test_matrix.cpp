// The compressed-layout matrix: every algorithm mkfs.erofs offers, combined with every
// compression option (pcluster sizes, full/compact indexes, ztailpacking, fragments,
// all-fragments, dedupe, 48-bit encoded extents, compressed directories, metabox, inode
// digests), built at test time from a generated tree by the real mkfs.erofs >= 1.9
// (MKFS_EROFS_19) and 1.5 (MKFS_EROFS_15), then read back through core::erofs byte for byte.
// Each configuration also asserts that the image really used the layout it is meant to cover.
#include <chrono>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/erofs/image.hpp"
#include "tests/compressed/zcheck.hpp"
#include "tests/compressed/ztree.hpp"
#include "tests/support/erofs_tools.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using test_support::ToolSet;
using ztest::TreeSize;

// What a configuration must exercise (checked against ztest::Coverage).
enum Expect : unsigned {
  e_lz4 = 1u << 0,
  e_lzma = 1u << 1,
  e_deflate = 1u << 2,
  e_zstd = 1u << 3,
  e_full = 1u << 4,        // full (legacy) lcluster indexes
  e_compact = 1u << 5,     // compact indexes
  e_2b = 1u << 6,          // ... with 2-byte packs
  e_extents = 1u << 7,     // 48-bit encoded extents
  e_big = 1u << 8,         // pclusters larger than one block
  e_inline = 1u << 9,      // ztailpacking
  e_tail_frag = 1u << 10,  // tail fragments in the packed inode
  e_whole_frag = 1u << 11, // whole-file fragments
  e_dedupe = 1u << 12,     // partial references or pclusters shared by several extents
  e_metabox = 1u << 13,    // inodes inside the metabox
  e_zdir = 1u << 14,       // compressed directories
  e_digest = 1u << 15,     // fingerprints checked against computed digests
  e_plain = 1u << 16,      // uncompressed (shifted or interlaced) pclusters
};

struct Config {
  std::string name;
  ToolSet tools;
  std::vector<std::string> flags;
  TreeSize tree;
  unsigned expect;
};

void PrintTo(const Config& c, std::ostream* os) { *os << c.name; }

std::vector<Config> configs_19() {
  struct Alg {
    const char* name;
    const char* flag;
    unsigned bit;
  };
  const Alg algs[] = {{"lz4", "-zlz4", e_lz4},
                      {"lz4hc", "-zlz4hc,12", e_lz4},
                      {"lzma", "-zlzma", e_lzma},
                      {"deflate", "-zdeflate", e_deflate},
                      {"zstd", "-zzstd", e_zstd}};
  std::vector<Config> out;
  for (const Alg& a : algs) {
    auto add = [&](const std::string& variant, std::vector<std::string> flags, TreeSize tree, unsigned expect) {
      flags.insert(flags.begin(), a.flag);
      out.push_back({std::string(a.name) + "_" + variant, ToolSet::v19, flags, tree, expect | a.bit});
    };
    add("compact", {}, TreeSize::full, e_compact | e_2b | e_plain);
    add("legacy_C16384", {"-Elegacy-compress", "-C16384"}, TreeSize::full, e_full | e_big);
    add("C65536_ztailpacking", {"-C65536", "-Eztailpacking"}, TreeSize::full, e_compact | e_big | e_inline);
    add("C16384_fragments", {"-C16384", "-Efragments"}, TreeSize::full, e_tail_frag | e_big);
    add("all_fragments", {"-Eall-fragments"}, TreeSize::full, e_whole_frag);
    add("C16384_dedupe", {"-C16384", "-Ededupe"}, TreeSize::small, e_full | e_dedupe);
    add("48bit", {"-E48bit"}, TreeSize::full, e_extents);
    add("48bit_C65536_dedupe", {"-E48bit", "-C65536", "-Ededupe"}, TreeSize::small, e_extents);
    add("48bit_fragments", {"-E48bit", "-Efragments"}, TreeSize::full, e_extents | e_tail_frag);
    // -m: inodes (and compressed directories) inside the compressed metabox inode.
    add("metabox_zD", {"-m4096", "--zD"}, TreeSize::full, e_zdir | e_metabox);
    // --MZ (metadata zone) is layout only; here with fingerprints checked against digests.
    add("digest_MZ_ztailpacking_fragments", {"--xattr-inode-digest", "--MZ", "-Eztailpacking,fragments", "-C16384"},
        TreeSize::full, e_digest | e_tail_frag);
  }
  // Two algorithms in one image: lz4 data, an lzma-compressed metabox.
  out.push_back({"lz4_metabox_lzma_MZi", ToolSet::v19, {"-zlz4", "-m4096:lzma", "--MZ=i"}, TreeSize::full,
                 e_lz4 | e_metabox});
  // Block sizes below 4 KiB (lclusters of 512..2048 bytes, 2-byte packs with lobits 12).
  const std::vector<Config> small_blocks = {
      {"lz4_bs512", ToolSet::v19, {"-zlz4", "-b512"}, TreeSize::small, e_lz4 | e_compact | e_2b},
      {"lzma_bs1024_ztailpacking", ToolSet::v19, {"-zlzma", "-b1024", "-Eztailpacking"}, TreeSize::small,
       e_lzma | e_inline},
      {"zstd_bs512_C4096_fragments", ToolSet::v19, {"-zzstd", "-b512", "-C4096", "-Efragments"}, TreeSize::small,
       e_zstd | e_big | e_tail_frag},
      {"deflate_bs2048_legacy_C8192", ToolSet::v19, {"-zdeflate", "-b2048", "-Elegacy-compress", "-C8192"},
       TreeSize::small, e_deflate | e_full | e_big},
      {"lz4hc_bs512_48bit", ToolSet::v19, {"-zlz4hc", "-b512", "-E48bit"}, TreeSize::small, e_lz4 | e_extents},
  };
  out.insert(out.end(), small_blocks.begin(), small_blocks.end());
  return out;
}

std::vector<Config> configs_15() {
  return {
      {"lz4_compact", ToolSet::v15, {"-zlz4"}, TreeSize::full, e_lz4 | e_compact | e_2b},
      {"lz4hc_compact", ToolSet::v15, {"-zlz4hc"}, TreeSize::small, e_lz4 | e_compact},
      {"lz4hc_legacy_C16384", ToolSet::v15, {"-zlz4hc", "-Elegacy-compress", "-C16384"}, TreeSize::small,
       e_lz4 | e_full | e_big},
      {"lz4_C65536_ztailpacking", ToolSet::v15, {"-zlz4", "-C65536", "-Eztailpacking"}, TreeSize::full,
       e_lz4 | e_compact | e_big | e_inline},
      {"lz4hc_ztailpacking", ToolSet::v15, {"-zlz4hc,12", "-Eztailpacking"}, TreeSize::small, e_lz4 | e_inline},
  };
}

void expect_coverage(const Config& c, const ztest::Coverage& cov) {
  const std::string why = cov.describe();
  auto need = [&](unsigned bit, bool ok, const char* what) {
    if (c.expect & bit) {
      EXPECT_TRUE(ok) << c.name << " did not exercise " << what << "\n  " << why;
    }
  };
  need(e_lz4, cov.algorithms.count(0), "lz4");
  need(e_lzma, cov.algorithms.count(1), "lzma");
  need(e_deflate, cov.algorithms.count(2), "deflate");
  need(e_zstd, cov.algorithms.count(3), "zstd");
  need(e_full, cov.full_index > 0, "full indexes");
  need(e_compact, cov.compact_index > 0, "compact indexes");
  need(e_2b, cov.compact_2b > 0, "2-byte compact packs");
  need(e_extents, cov.extents > 0, "encoded extents");
  need(e_big, cov.big_pclusters > 0, "big pclusters");
  need(e_inline, cov.inline_tails > 0, "ztailpacking inline pclusters");
  need(e_tail_frag, cov.tail_fragments > 0, "tail fragments");
  need(e_whole_frag, cov.whole_fragments > 0, "whole-file fragments");
  need(e_dedupe, cov.partial_refs + cov.shared_pclusters > 0, "deduplicated pclusters");
  need(e_metabox, cov.metabox_inodes > 0, "metabox inodes");
  need(e_zdir, cov.compressed_dirs > 0, "compressed directories");
  need(e_digest, cov.fingerprints_checked > 0, "fingerprints");
  need(e_plain, cov.shifted + cov.interlaced > 0, "uncompressed pclusters");
  EXPECT_GT(cov.compressed_files, 0u) << c.name << ": no compressed file at all\n  " << why;
}

class Matrix : public ::testing::TestWithParam<Config> {};

TEST_P(Matrix, EveryFileReadsBackByteForByte) {
  const Config& c = GetParam();
  const test_support::ErofsTools* tools = nullptr;
  try {
    tools = &test_support::erofs_tools(c.tools);
  } catch (const test_support::ToolMissing& e) {
    FAIL() << e.what();
  }
  for (const std::string& f : c.flags) {
    std::string opt = test_support::option_name(f);
    if (opt == "-z" || opt == "-C" || opt == "-E") continue;  // always offered; values differ
    ASSERT_TRUE(tools->mkfs_offers(opt)) << tools->label << " (" << tools->mkfs << ") does not offer " << opt;
  }
  test_support::TempDir dir("compressed-" + c.name);
  const auto src = dir.path() / "src";
  std::filesystem::create_directory(src);
  ztest::build_ztree(src, c.tree);

  const auto image = (dir.path() / "image.erofs").string();
  std::vector<std::string> flags{"-T0", "--all-root", "-U6b1d3a2e-0d0e-4c2a-9f00-000000000019"};
  flags.insert(flags.end(), c.flags.begin(), c.flags.end());
  auto t0 = std::chrono::steady_clock::now();
  test_support::ProcessResult r = tools->run_mkfs(flags, image, src.string());
  ASSERT_TRUE(r.ok()) << r.describe();
  auto t1 = std::chrono::steady_clock::now();

  try {
    core::erofs::Image img(image);
    ztest::CheckResult res = ztest::check_image(img, src, (c.expect & e_digest) != 0);
    auto t2 = std::chrono::steady_clock::now();
    EXPECT_TRUE(res.ok()) << c.name << ": " << res.mismatches.size() << " mismatches\n" << res.summary();
    expect_coverage(c, res.coverage);
    auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
    std::cout << fmt::format("[ {} ] mkfs {} ms, read+check {} ms: {}\n", c.name, ms(t1 - t0), ms(t2 - t1),
                             res.coverage.describe());
  } catch (const core::Error& e) {
    dir.keep();
    FAIL() << c.name << ": " << e.what() << " (image kept in " << dir.path() << ")";
  }
  if (HasFailure()) dir.keep();
}

std::string config_name(const ::testing::TestParamInfo<Config>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(Mkfs19, Matrix, ::testing::ValuesIn(configs_19()), config_name);
INSTANTIATE_TEST_SUITE_P(Mkfs15, Matrix, ::testing::ValuesIn(configs_15()), config_name);

}  // namespace
