// The tools the e2e suite is given: present (a missing variable fails, it never skips), the
// versions set-up promised, and the options the matrix relies on. Also prints which options
// each version offers, so a log shows what the matrix could cover.
#include <gtest/gtest.h>

#include "tests/e2e/e2e_case.hpp"

namespace e2e {
namespace {

using test_support::ErofsTools;

const char* const k_probed_mkfs_options[] = {"-b", "-x", "-E", "-T", "-U", "--chunksize", "--xattr-prefix",
                                             "--xattr-inode-digest", "--mkfs-time", "--all-time",
                                             "--preserve-mtime", "--ignore-mtime"};

void print_offers(const ErofsTools& t) {
  std::string line;
  for (const char* o : k_probed_mkfs_options) line += std::string(" ") + o + (t.mkfs_offers(o) ? "=yes" : "=no");
  std::cout << t.label << " (" << t.mkfs << ", version " << t.version << ") mkfs options:" << line << "\n";
}

TEST(ErofsTools, Erofs15IsPresent) {
  const ErofsTools* t = require_tools(ToolSet::v15);
  ASSERT_NE(t, nullptr);
  print_offers(*t);
  EXPECT_EQ(t->version.rfind("1.5", 0), 0u) << "MKFS_EROFS_15=" << t->mkfs << " reports version " << t->version;
  for (const char* o : {"-x", "-E", "-T", "-U", "--chunksize"})
    EXPECT_TRUE(t->mkfs_offers(o)) << t->mkfs << " --help does not list " << o;
}

TEST(ErofsTools, Erofs19IsPresentAndNewEnough) {
  const ErofsTools* t = require_tools(ToolSet::v19);
  ASSERT_NE(t, nullptr);
  print_offers(*t);
  EXPECT_TRUE(test_support::version_at_least(t->version, "1.9"))
      << "MKFS_EROFS_19=" << t->mkfs << " reports version " << t->version << ", need >= 1.9";
  for (const char* o : {"-b", "-x", "-E", "-T", "-U", "--chunksize", "--xattr-prefix", "--xattr-inode-digest",
                        "--mkfs-time", "--all-time"})
    EXPECT_TRUE(t->mkfs_offers(o)) << t->mkfs << " --help does not list " << o;
  EXPECT_TRUE(t->fsck_offers("--xattr-inode-digest")) << t->fsck << " --help does not list --xattr-inode-digest";
}

TEST(ErofsTools, HelpParsing) {
  using test_support::help_lists;
  using test_support::option_name;
  EXPECT_EQ(option_name("-b4096"), "-b");
  EXPECT_EQ(option_name("-Enoinline_data"), "-E");
  EXPECT_EQ(option_name("--chunksize=65536"), "--chunksize");
  EXPECT_EQ(option_name("--mkfs-time"), "--mkfs-time");
  EXPECT_TRUE(help_lists(" -b#   set block size", "-b"));
  EXPECT_TRUE(help_lists(" --xattr-inode-digest=X specify", "--xattr-inode-digest"));
  EXPECT_FALSE(help_lists(" --xattr-prefix-long=X", "--xattr-prefix"));
  EXPECT_FALSE(help_lists(" --zfeature-bits=#", "-b"));
  EXPECT_TRUE(test_support::version_at_least("1.9.4", "1.9"));
  EXPECT_TRUE(test_support::version_at_least("1.10", "1.9"));
  EXPECT_FALSE(test_support::version_at_least("1.5", "1.9"));
}

}  // namespace
}  // namespace e2e
