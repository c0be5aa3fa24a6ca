#include "tests/e2e/e2e_case.hpp"

#include <unistd.h>

#include <regex>

#include <gtest/gtest.h>

#include "core/erofs/superblock.hpp"
#include "core/util/error.hpp"
#include "tests/support/tree_builder.hpp"

namespace e2e {

using namespace test_support;

void PrintTo(const MkfsCase& c, std::ostream* os) { *os << c.name; }

std::vector<std::string> base_flags(const MkfsCase& c) {
  std::vector<std::string> f;
  if (c.block_size) f.push_back("-b" + std::to_string(c.block_size));
  f.push_back(std::string("-U") + k_uuid);
  if (c.tools == ToolSet::v19) {
    if (c.fixed_time) {
      f.insert(f.end(), {"-T" + std::to_string(k_fixed_time), "--all-time"});
    } else {
      f.insert(f.end(), {"-T0", "--mkfs-time"});
    }
  } else if (c.fixed_time) {
    f.push_back("-T" + std::to_string(k_fixed_time));
  }
  return f;
}

CaseRun::~CaseRun() {
  if (dir && ::testing::Test::HasFailure()) {
    dir->keep();
    std::cerr << "e2e: kept scratch directory " << dir->path() << " for inspection\n";
  }
}

std::string CaseRun::context() const { return "image " + image.string() + " built by `" + mkfs_command + "`"; }

const ErofsTools* require_tools(ToolSet set) {
  try {
    return &erofs_tools(set);
  } catch (const ToolMissing& e) {
    ADD_FAILURE() << e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "cannot probe the erofs-utils tools: " << e.what();
  }
  return nullptr;
}

namespace {

// The superblock summary of the same version's dump.erofs agrees with what core walked.
void check_dump_summary(const CaseRun& run) {
  ProcessResult d = run.tools->run_dump({"-s"}, run.image.string());
  ASSERT_TRUE(d.ok()) << run.context() << ":\n" << d.describe();
  auto field = [&](const char* name) -> std::string {
    std::smatch m;
    std::regex re(std::string(name) + R"(:\s+(\d+))");
    return std::regex_search(d.out, m, re) ? m[1].str() : "<missing in dump.erofs -s>";
  };
  const unsigned inodes = run.compared.stats.inodes;
  EXPECT_EQ(field("Filesystem inode count"), std::to_string(inodes))
      << run.context() << ": dump.erofs inode count vs distinct inodes reached by walk_tree";
  EXPECT_EQ(field("Filesystem root nid"), std::to_string(run.img->sb().root_nid)) << run.context();
  EXPECT_EQ(run.img->sb().inos, inodes) << run.context() << ": sb inos vs distinct inodes reached by walk_tree";
}

void check_coverage(const MkfsCase& c, const CompareStats& s, const std::string& ctx) {
  const Expect& e = c.expect;
  if (e.inline_files) {
    EXPECT_GT(s.flat_inline_files, 0u) << ctx << ": expected flat_inline regular files";
  }
  if (e.no_inline_files) {
    EXPECT_EQ(s.flat_inline_files, 0u) << ctx << ": expected no flat_inline regular files";
  }
  if (e.chunks) {
    EXPECT_GT(s.chunk_based_files, 0u) << ctx << ": expected chunk-based regular files";
  }
  if (e.chunk_indexes) {
    EXPECT_GT(s.chunk_index_files, 0u) << ctx << ": expected chunk indexes";
  }
  if (e.shared_xattrs) {
    EXPECT_GT(s.shared_xattrs, 0u) << ctx << ": expected shared xattrs";
  }
  if (e.long_prefixes) {
    EXPECT_GT(s.long_prefix_xattrs, 0u) << ctx << ": expected long-prefix xattrs";
  }
  if (e.compact_inodes) {
    EXPECT_GT(s.compact_inodes, 0u) << ctx << ": expected compact inodes";
  }
  if (e.no_compact_inodes) {
    EXPECT_EQ(s.compact_inodes, 0u) << ctx << ": expected no compact inodes";
  }
  // Every case has large ids and varied mtimes that do not fit a compact inode.
  EXPECT_GT(s.extended_inodes, 0u) << ctx << ": expected extended inodes";
}

}  // namespace

void run_case(const MkfsCase& c, CaseRun& run, const std::optional<std::string>& ignore_xattr) {
  ASSERT_EQ(geteuid(), 0u) << "the e2e tests must run as root (mknod, chown, trusted.* xattrs)";
  run.tools = require_tools(c.tools);
  ASSERT_NE(run.tools, nullptr);
  const ErofsTools& t = *run.tools;

  // Only options the tool's --help lists: the matrix was written from each version's --help,
  // and a tool that lacks one is not the version set-up promised.
  std::vector<std::string> flags = base_flags(c);
  flags.insert(flags.end(), c.flags.begin(), c.flags.end());
  for (const auto& f : flags)
    ASSERT_TRUE(t.mkfs_offers(option_name(f)))
        << t.mkfs << " (" << t.label << ", version " << t.version << ") does not list " << option_name(f)
        << " in --help, but case " << c.name << " needs it";

  run.dir = std::make_unique<TempDir>("e2e-" + c.name);
  run.source = run.dir->path() / "src";
  run.image = run.dir->path() / (c.name + ".erofs");
  std::filesystem::create_directory(run.source);
  TreeOptions topts;
  if (c.big_dir) topts.big_dir_entries = 3000;
  if (c.huge_sparse) topts.huge_sparse_size = (std::uint64_t(4) << 30) + 4097;
  if (c.tools == ToolSet::v15) topts.max_name_len = 254;  // see TreeOptions::max_name_len
  ASSERT_NO_THROW(build_tree(run.source, topts));
  ASSERT_NO_THROW(run.tree = scan_source(run.source));

  ProcessResult mk = t.run_mkfs(flags, run.image.string(), run.source.string());
  run.mkfs_command = mk.command;
  ASSERT_TRUE(mk.ok()) << "mkfs.erofs failed for case " << c.name << ":\n" << mk.describe();
  ProcessResult fsck = t.run_fsck({}, run.image.string());
  ASSERT_TRUE(fsck.ok()) << run.context() << ": fsck.erofs rejects it:\n" << fsck.describe();

  try {
    run.img = std::make_unique<core::erofs::Image>(run.image.string());
  } catch (const core::Error& e) {
    FAIL() << run.context() << ": core::erofs::Image cannot open it: " << e.what();
  }
  // Without -b, 1.5 always writes 4 KiB blocks (its EROFS_BLKSIZ) and >= 1.9 the page size.
  const unsigned expect_bs =
      c.block_size ? c.block_size : c.tools == ToolSet::v15 ? 4096u : static_cast<unsigned>(getpagesize());
  EXPECT_EQ(run.img->block_size(), expect_bs) << run.context();
  EXPECT_EQ(core::erofs::uuid_string(run.img->sb().uuid), k_uuid) << run.context();

  CompareOptions copts;
  if (c.fixed_time) copts.fixed_mtime = k_fixed_time;
  copts.ignore_xattr = ignore_xattr;
  copts.whiteout_dirs_get_origin = c.tools == ToolSet::v19;  // 1.5 adds no origin xattr
  run.compared = compare_image(*run.img, run.tree, copts);
  EXPECT_TRUE(run.compared.ok()) << run.context() << ": " << run.compared.mismatches.size()
                                 << " mismatches against the source tree " << run.source << ":\n"
                                 << run.compared.summary();
  EXPECT_EQ(run.compared.stats.entries, run.tree.size()) << run.context();
  check_coverage(c, run.compared.stats, run.context());
  check_dump_summary(run);
  const CompareStats& st = run.compared.stats;
  std::cout << c.name << ": " << st.entries << " paths, " << st.inodes << " inodes (" << st.compact_inodes
            << " compact), files: " << st.flat_plain_files << " flat_plain, " << st.flat_inline_files
            << " flat_inline, " << st.chunk_based_files << " chunk_based (" << st.chunk_index_files
            << " with indexes); xattrs: " << st.shared_xattrs << " shared, " << st.long_prefix_xattrs
            << " long-prefix; " << st.content_bytes << " content bytes compared\n";
}

}  // namespace e2e
