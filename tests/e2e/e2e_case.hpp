// One end-to-end case: generate a source tree, build an image with a real mkfs.erofs, check it
// with the same version's fsck.erofs, open it with core::erofs::Image and compare every entry.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/erofs/image.hpp"
#include "tests/support/erofs_tools.hpp"
#include "tests/support/source_tree.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/tree_compare.hpp"

namespace e2e {

using test_support::ToolSet;

inline constexpr const char* k_uuid = "e20f5e00-5a4e-4d1c-9b1e-00000000e2e0";
inline constexpr std::int64_t k_fixed_time = 1111111111;  // -T value of the fixed-time cases

// What a case must have exercised; checked against CompareStats after the comparison.
struct Expect {
  bool inline_files = false;     // some regular files use flat_inline
  bool no_inline_files = false;  // no regular file uses flat_inline (-Enoinline_data)
  bool chunks = false;           // regular files are chunk-based
  bool chunk_indexes = false;    // ... with 8-byte chunk indexes
  bool shared_xattrs = false;
  bool long_prefixes = false;
  bool compact_inodes = false;
  bool no_compact_inodes = false;
};

struct MkfsCase {
  std::string name;                // test-name suffix
  ToolSet tools = ToolSet::v19;
  unsigned block_size = 0;         // -b value; 0 = no -b (the tool's default block size)
  std::vector<std::string> flags;  // beyond the base flags (see base_flags)
  bool big_dir = false;            // add /bigdir with thousands of entries
  bool fixed_time = false;         // -T k_fixed_time applied to all files
  Expect expect;
  bool huge_sparse = false;        // add a > 4 GiB sparse file (chunk-based cases only)
};

void PrintTo(const MkfsCase& c, std::ostream* os);

// Flags every case gets: -U k_uuid, and the timestamp handling that keeps per-file mtimes
// (1.9: -T0 --mkfs-time; 1.5: no -T at all, since its -T overrides every file's mtime even
// with --preserve-mtime) or, for fixed-time cases, -T k_fixed_time (1.9 adds --all-time).
std::vector<std::string> base_flags(const MkfsCase& c);

// Everything one case produced. The scratch directory is kept if the test failed.
struct CaseRun {
  std::unique_ptr<test_support::TempDir> dir;
  std::filesystem::path source;
  std::filesystem::path image;
  const test_support::ErofsTools* tools = nullptr;
  std::string mkfs_command;
  test_support::SourceTree tree;
  std::unique_ptr<core::erofs::Image> img;
  test_support::CompareResult compared;

  ~CaseRun();
  // "image X (built by `mkfs ...`)" for failure messages.
  std::string context() const;
};

// The tools of `set`, or a gtest failure naming the missing variable (never a skip).
const test_support::ErofsTools* require_tools(ToolSet set);

// Builds and compares one case, reporting through gtest (fatal failures stop it; check with
// ASSERT_NO_FATAL_FAILURE). `ignore_xattr` names the fingerprint xattr to leave out.
void run_case(const MkfsCase& c, CaseRun& run, const std::optional<std::string>& ignore_xattr = std::nullopt);

}  // namespace e2e
