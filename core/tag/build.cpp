#include "core/tag/build.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>

#include <functional>

#include <fmt/format.h>

#include "core/util/atomic_file.hpp"
#include "core/util/error.hpp"

extern char** environ;

namespace core::tag {

namespace {

// What run() does with the program's output streams.
enum class Capture {
  none,         // stdout to stderr (mkfs's messages go with ours)
  both,         // stdout and stderr into the string
  stdout_only,  // stdout into the string, stderr discarded
};

// Runs argv and returns the exit status. With `lines`, each complete captured line is handed to
// it (and removed from `captured`) as soon as it is read.
int run(const std::vector<std::string>& argv, Capture mode, std::string* captured,
        const std::function<void(const std::string&)>* lines = nullptr) {
  std::string* capture = mode == Capture::none ? nullptr : captured;
  int pipefd[2] = {-1, -1};
  if (capture && ::pipe2(pipefd, O_CLOEXEC) != 0) throw IoError(argv[0], "pipe", errno);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  int target = capture ? pipefd[1] : 2;
  posix_spawn_file_actions_adddup2(&fa, target, 1);
  if (mode == Capture::both) posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
  if (mode == Capture::stdout_only) posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, argv[0].c_str(), &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (capture) ::close(pipefd[1]);
  if (rc != 0) {
    if (capture) ::close(pipefd[0]);
    throw IoError(argv[0], "run", rc);
  }
  if (capture) {
    char buf[4096];
    for (;;) {
      ssize_t n = ::read(pipefd[0], buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      capture->append(buf, std::size_t(n));
      for (std::size_t nl; lines && (nl = capture->find('\n')) != std::string::npos;) {
        (*lines)(capture->substr(0, nl));
        capture->erase(0, nl + 1);
      }
    }
    if (lines && !capture->empty()) (*lines)(*capture);
    ::close(pipefd[0]);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) throw IoError(argv[0], "wait", errno);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// `mkfs.erofs -V` prints its banner on standard output: "mkfs.erofs 1.5" (1.5 then complains
// about the option on stderr and exits 1), "mkfs.erofs (erofs-utils) 1.9.4" (then the
// compressors). The banner is the first line; --help's first line is "usage: ..." in 1.5.
std::string mkfs_version(const std::string& mkfs) {
  std::string out;
  run({mkfs, "-V"}, Capture::stdout_only, &out);
  std::string line = out.substr(0, out.find('\n'));
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line.empty() ? std::string("unknown version") : line;
}

std::string temp_name(const std::string& image, const char* tag) {
  std::filesystem::path p(image);
  std::filesystem::path dir = p.has_parent_path() ? p.parent_path() : std::filesystem::path(".");
  return (dir / fmt::format(".{}.{}-{}", p.filename().string(), tag, ::getpid())).string();
}

}  // namespace

BuildReport build_image(const std::string& source, const std::string& image, const BuildOptions& o) {
  BuildReport rep;
  std::string help;
  run({o.mkfs, "--help"}, Capture::both, &help);
  if (help.empty()) throw IoError(o.mkfs, "run", ENOENT);
  rep.mkfs_version = mkfs_version(o.mkfs);
  // The option is listed in mkfs.erofs --help from erofs-utils 1.9 on (§6.2).
  rep.native = help.find("--xattr-inode-digest") != std::string::npos;
  const std::string tmp = temp_name(image, "build");
  std::vector<std::string> argv{o.mkfs};
  argv.insert(argv.end(), o.mkfs_args.begin(), o.mkfs_args.end());
  if (rep.native)
    argv.push_back(o.xattr_name.empty() ? "--xattr-inode-digest" : "--xattr-inode-digest=" + o.xattr_name);
  argv.push_back(tmp);
  argv.push_back(source);
  std::string pending;
  int rc = o.mkfs_output ? run(argv, Capture::both, &pending, &o.mkfs_output) : run(argv, Capture::none, nullptr);
  if (rc != 0) {
    ::unlink(tmp.c_str());
    throw Error(fmt::format("{} failed (exit status {}); its messages are above", o.mkfs, rc));
  }
  try {
    if (rep.native) {
      // On disk before it has the final name, as util::AtomicFile does.
      int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0 || ::fsync(fd) != 0) {
        int err = errno;
        if (fd >= 0) ::close(fd);
        throw IoError(image, "fsync", err);
      }
      ::close(fd);
      if (::rename(tmp.c_str(), image.c_str()) != 0) throw IoError(image, "rename", errno);
      util::fsync_dir(std::filesystem::path(tmp).parent_path().string());
    } else {
      RetrofitOptions ro;
      ro.xattr_name = o.xattr_name;
      rep.retrofit = retrofit(tmp, image, ro);
      ::unlink(tmp.c_str());
    }
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
  return rep;
}

}  // namespace core::tag
