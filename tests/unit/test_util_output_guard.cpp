// util/output_guard, util/input_file, util/output_file and util/atomic_file: an output that
// is an input under any name is refused with its full message, inputs of the wrong kind are
// refused without blocking, a report file appears only when complete, and errors name the
// output, not its temporary file.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "core/util/atomic_file.hpp"
#include "core/util/error.hpp"
#include "core/util/input_file.hpp"
#include "core/util/mapped_file.hpp"
#include "core/util/output_file.hpp"
#include "core/util/output_guard.hpp"

namespace {

namespace fs = std::filesystem;
using core::util::OutputGuard;
using core::util::OutputKind;

class OutputGuardTest : public ::testing::Test {
protected:
  void SetUp() override {
    m_dir = fs::temp_directory_path() / ("erofs-share-guard-" + std::to_string(::getpid()));
    fs::remove_all(m_dir);
    fs::create_directories(m_dir / "tree");
    image = write("a.erofs", "image bytes");
  }
  void TearDown() override { fs::remove_all(m_dir); }

  std::string path(const std::string& name) const { return (m_dir / name).string(); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path(name)) << text;
    return path(name);
  }
  static std::string read(const std::string& p) {
    std::ifstream in(p);
    return {std::istreambuf_iterator<char>(in), {}};
  }
  // The message of the error `f` throws, "" if none.
  template <class F>
  static std::string error_of(F f) {
    try {
      f();
    } catch (const core::Error& e) {
      return e.what();
    }
    return "";
  }

  fs::path m_dir;
  std::string image;
};

TEST_F(OutputGuardTest, EveryNameOfAnInputIsRefused) {
  fs::create_symlink(image, path("link"));
  fs::create_hard_link(image, path("hard"));
  const int fd = ::open(image.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  const std::string proc = "/proc/self/fd/" + std::to_string(fd);
  for (const std::string& out : {image, path("link"), path("hard"), proc}) {
    OutputGuard g;
    g.input(image);
    EXPECT_EQ(error_of([&] { g.output(out, "-o"); }),
              "-o " + out + ": the same file as input " + image + "; refusing to overwrite an input");
  }
  ::close(fd);
  EXPECT_EQ(read(image), "image bytes");
}

TEST_F(OutputGuardTest, NewFilesAndOtherFilesPass) {
  OutputGuard g;
  g.input(image);
  g.input(path("missing-input"));  // left to the reader
  EXPECT_NO_THROW(g.output(path("new.json"), "-o"));
  EXPECT_NO_THROW(g.output(write("old.json", "x"), "--write-baseline"));
  EXPECT_NO_THROW(g.output("-", "-o"));
  EXPECT_NO_THROW(g.output("/dev/null", "-o"));
  EXPECT_FALSE(fs::exists(path("new.json")));  // checking creates nothing
}

TEST_F(OutputGuardTest, AnOutputMayReplaceTheInputItIsMeantTo) {
  const std::string baseline = write("baseline.json", "{}");
  OutputGuard g;
  g.input(image);
  g.input(baseline, "--baseline");
  EXPECT_NO_THROW(g.output(baseline, "--write-baseline", OutputKind::report, "--baseline"));
  EXPECT_EQ(error_of([&] { g.output(baseline, "-o"); }),
            "-o " + baseline + ": the same file as --baseline " + baseline + "; refusing to overwrite an input");
}

TEST_F(OutputGuardTest, TwoOutputsMayNotBeOneFile) {
  OutputGuard g;
  g.output(path("r.json"), "-o");
  EXPECT_EQ(error_of([&] { g.output(path("r.json"), "--write-baseline"); }),
            "--write-baseline " + path("r.json") + ": the same file as -o " + path("r.json") +
                "; each output needs a file of its own");
}

TEST_F(OutputGuardTest, DirectoriesAndMissingDirectories) {
  OutputGuard g;
  EXPECT_EQ(error_of([&] { g.output(path("tree"), "-o"); }),
            "-o " + path("tree") + ": is a directory; the output must be a file");
  EXPECT_EQ(
      error_of([&] { g.output(path("nodir/x"), "-o"); }),
      "-o " + path("nodir/x") + ": no directory " + path("nodir") + " to write it in (No such file or directory)");
  EXPECT_EQ(error_of([&] { g.output("/proc/erofs-share-x", "--sidecar", OutputKind::image); }),
            "--sidecar /proc/erofs-share-x: cannot create a file in /proc: No such file or directory");
  EXPECT_EQ(error_of([&] { g.output("/dev/null", "-o", OutputKind::image); }),
            "-o /dev/null: a character device is not an output erofs-share writes (a new file is written and renamed "
            "into place)");
}

TEST_F(OutputGuardTest, TreesHoldNoManifestDirectoryAndNoBuildOutput) {
  const std::string tree = path("tree");
  write("tree/file", "in the tree");
  OutputGuard g;
  g.input_or_tree(tree);
  EXPECT_EQ(error_of([&] { g.output_dir(tree, "--manifest-out"); }),
            "--manifest-out " + tree + ": is input directory " + tree + "; refusing to write into an input");
  EXPECT_EQ(
      error_of([&] { g.output_dir(tree + "/new/deeper", "--manifest-out"); }),
      "--manifest-out " + tree + "/new/deeper: inside input directory " + tree + "; refusing to write into an input");
  EXPECT_NO_THROW(g.output_dir(path("manifests"), "--manifest-out"));
  EXPECT_NO_THROW(g.output(tree + "/new.erofs", "-o", OutputKind::image));  // a new file: no input replaced
  g.forbid_outputs_in_trees();
  EXPECT_EQ(error_of([&] { g.output(tree + "/new.erofs", "-o", OutputKind::image); }),
            "-o " + tree + "/new.erofs: inside input directory " + tree + "; refusing to write into an input");
  EXPECT_EQ(error_of([&] { g.output(tree + "/file", "-o", OutputKind::image); }),
            "-o " + tree + "/file: inside input directory " + tree + "; refusing to write into an input");
}

TEST_F(OutputGuardTest, InputsThatAreNotFilesAreRefusedWithoutBlocking) {
  const std::string fifo = path("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  OutputGuard g;
  EXPECT_EQ(error_of([&] { g.input(fifo); }),
            fifo + ": a FIFO is not an input erofs-share reads (a regular file or block device)");
  EXPECT_EQ(error_of([&] { g.input_or_tree("/dev/zero"); }),
            "/dev/zero: a character device is not an input erofs-share reads (a regular file or block device, or a "
            "directory)");
  EXPECT_NO_THROW(g.input_or_tree(path("tree")));
  EXPECT_EQ(error_of([&] { core::util::MappedFile m(fifo); }),
            fifo + ": a FIFO is not an input erofs-share reads (a regular file or block device)");
  EXPECT_EQ(error_of([&] { core::util::InputFd in("/dev/null"); }),
            "/dev/null: a character device is not an input erofs-share reads (a regular file or block device)");
  EXPECT_EQ(error_of([&] { core::util::InputFd in(path("tree")); }), path("tree") + ": open: Is a directory");
  core::util::InputFd in(image);
  EXPECT_TRUE(S_ISREG(in.mode()));
  EXPECT_EQ(in.size(), 11);
}

TEST_F(OutputGuardTest, AReportAppearsOnlyWhenComplete) {
  const std::string old = write("report.txt", "previous");
  {
    core::util::OutputFile out(old);
    out.write("new report");
    EXPECT_EQ(read(old), "previous");
    // Not committed: the old file stays, nothing is left beside it.
  }
  EXPECT_EQ(read(old), "previous");
  {
    core::util::OutputFile out(old);
    out.write(std::string(3 << 20, 'x'));  // larger than the buffer
    out.write("end");
    out.commit();
  }
  EXPECT_EQ(read(old).size(), (3u << 20) + 3);
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(m_dir)) ++entries;
  EXPECT_EQ(entries, 3u);  // tree, a.erofs, report.txt
}

}  // namespace

namespace {

// An atomic file whose directory is missing fails on creating its temporary file: the error
// names the output the user gave, never the hidden temporary name (".NAME.tmp-XXXXXX").
TEST(AtomicFileTest, CreateErrorNamesTheTargetNotTheTemporary) {
  const std::string target =
      (fs::temp_directory_path() / ("erofs-share-no-such-dir-" + std::to_string(::getpid())) / "out.erofs").string();
  try {
    core::util::AtomicFile f(target, 0644, {});
    FAIL() << "AtomicFile in a missing directory was created";
  } catch (const core::IoError& e) {
    EXPECT_EQ(std::string(e.what()), target + ": create: No such file or directory");
  }
}

}  // namespace
