// Round trip: source tree -> mkfs.erofs (1.5 and >= 1.9) -> core::erofs reader, compared entry
// by entry with the source, across block sizes, inline/noinline data, chunk sizes, long xattr
// prefixes, shared xattrs and timestamp handling.
//
// The matrix follows each version's --help (checked again at run time by run_case):
//   erofs-utils 1.5  : no -b (block size = page size, 4096), no --xattr-prefix, no
//                      --xattr-inode-digest, no --mkfs-time; -T forces every file's mtime.
//   erofs-utils 1.9+ : -b 512/1024/4096, --xattr-prefix, --mkfs-time/--all-time.
//   both             : -Enoinline_data, --chunksize, -Eforce-chunk-indexes, -x, -T, -U,
//                      -Eforce-inode-extended.
#include <gtest/gtest.h>

#include "tests/e2e/e2e_case.hpp"
#include "tests/support/tree_builder.hpp"

namespace e2e {
namespace {

const std::string k_prefix_flags[] = {std::string("--xattr-prefix=") + test_support::k_user_long_prefix,
                                      std::string("--xattr-prefix=") + test_support::k_overlay_prefix};

Expect inline_data() {
  Expect e;
  e.inline_files = true;
  e.compact_inodes = true;
  return e;
}
Expect no_inline() {
  Expect e;
  e.no_inline_files = true;
  return e;
}
Expect chunked(bool indexes = false) {
  Expect e;
  e.chunks = true;
  e.chunk_indexes = indexes;
  return e;
}
Expect shared(bool long_prefixes = false) {
  Expect e;
  e.shared_xattrs = true;
  e.long_prefixes = long_prefixes;
  return e;
}
Expect long_prefixes() {
  Expect e;
  e.long_prefixes = true;
  return e;
}
Expect all_extended() {
  Expect e;
  e.no_compact_inodes = true;
  return e;
}
Expect fixed_time() {
  Expect e;
  e.compact_inodes = true;  // every mtime equals the build time: small-id inodes fit compact
  return e;
}

MkfsCase with_huge_sparse(MkfsCase c) {
  c.huge_sparse = true;
  return c;
}

std::vector<MkfsCase> v19_cases() {
  const ToolSet v = ToolSet::v19;
  // One case carries a > 4 GiB sparse file (64-bit i_size, hole chunks): cheap with 1.9, which
  // maps holes to null chunks; 1.5 reads and hashes every zero chunk (~45 s), so not there.
  std::vector<MkfsCase> c = {
      {"v19_bs4096_default", v, 4096, {}, true, false, inline_data()},
      {"v19_bs1024_default", v, 1024, {}, false, false, inline_data()},
      {"v19_bs512_default", v, 512, {}, true, false, inline_data()},
      {"v19_bs4096_noinline", v, 4096, {"-Enoinline_data"}, false, false, no_inline()},
      {"v19_bs1024_noinline", v, 1024, {"-Enoinline_data"}, false, false, no_inline()},
      {"v19_bs512_noinline", v, 512, {"-Enoinline_data"}, false, false, no_inline()},
      {"v19_bs4096_chunk4096", v, 4096, {"--chunksize=4096"}, false, false, chunked()},
      {"v19_bs1024_chunk65536", v, 1024, {"--chunksize=65536"}, false, false, chunked()},
      {"v19_bs512_chunk1048576", v, 512, {"--chunksize=1048576"}, false, false, chunked()},
      {"v19_bs512_chunk4096_indexes", v, 512, {"--chunksize=4096", "-Eforce-chunk-indexes"}, false, false,
       chunked(true)},
      with_huge_sparse({"v19_bs4096_chunk65536_indexes", v, 4096, {"--chunksize=65536", "-Eforce-chunk-indexes"},
                        false, false, chunked(true)}),
      {"v19_bs1024_shared_x1", v, 1024, {"-x1"}, false, false, shared()},
      {"v19_bs4096_long_prefixes", v, 4096, {k_prefix_flags[0], k_prefix_flags[1]}, false, false, long_prefixes()},
      {"v19_bs512_long_prefixes_shared_x1", v, 512, {k_prefix_flags[0], k_prefix_flags[1], "-x1"}, false, false,
       shared(true)},
      {"v19_bs4096_fixed_time", v, 4096, {}, false, true, fixed_time()},
      {"v19_bs1024_force_extended", v, 1024, {"-Eforce-inode-extended"}, false, false, all_extended()},
  };
  return c;
}

std::vector<MkfsCase> v15_cases() {
  const ToolSet v = ToolSet::v15;
  // 1.5 without -T stamps the superblock with the current time, so no file matches it and
  // every inode is extended; the fixed-time case produces the compact ones.
  std::vector<MkfsCase> c = {
      {"v15_default", v, 0, {}, true, false, Expect{.inline_files = true}},
      {"v15_noinline", v, 0, {"-Enoinline_data"}, false, false, no_inline()},
      {"v15_chunk4096", v, 0, {"--chunksize=4096"}, false, false, chunked()},
      {"v15_chunk65536", v, 0, {"--chunksize=65536"}, false, false, chunked()},
      {"v15_chunk1048576", v, 0, {"--chunksize=1048576"}, false, false, chunked()},
      {"v15_chunk65536_indexes", v, 0, {"--chunksize=65536", "-Eforce-chunk-indexes"}, false, false, chunked(true)},
      {"v15_shared_x1", v, 0, {"-x1"}, false, false, shared()},
      {"v15_fixed_time", v, 0, {}, false, true, fixed_time()},
      {"v15_force_extended", v, 0, {"-Eforce-inode-extended"}, false, false, all_extended()},
  };
  return c;
}

class Roundtrip : public ::testing::TestWithParam<MkfsCase> {};

TEST_P(Roundtrip, EveryEntryMatchesTheSource) {
  CaseRun run;
  ASSERT_NO_FATAL_FAILURE(run_case(GetParam(), run));
  // Whatever core reads must also pass the newest fsck (older images included).
  const test_support::ErofsTools* v19 = require_tools(ToolSet::v19);
  ASSERT_NE(v19, nullptr);
  if (run.tools != v19) {
    test_support::ProcessResult r = v19->run_fsck({}, run.image.string());
    EXPECT_TRUE(r.ok()) << run.context() << ": fsck.erofs " << v19->version << " rejects it:\n" << r.describe();
  }
}

std::string case_name(const ::testing::TestParamInfo<MkfsCase>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(Erofs19, Roundtrip, ::testing::ValuesIn(v19_cases()), case_name);
INSTANTIATE_TEST_SUITE_P(Erofs15, Roundtrip, ::testing::ValuesIn(v15_cases()), case_name);

}  // namespace
}  // namespace e2e
