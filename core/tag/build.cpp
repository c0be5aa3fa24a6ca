#include "core/tag/build.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <functional>
#include <thread>

#include <fmt/format.h>

#include "core/tag/layer.hpp"
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

// Writes the program's standard input (a pipe) from another thread, given the pipe and the
// program's pid; run() closes the pipe after it returns.
using Feed = std::function<void(int fd, pid_t pid)>;

// Runs argv and returns the exit status. With `lines`, each complete captured line is handed to
// it (and removed from `captured`) as soon as it is read. With `feed`, standard input is a pipe
// that `feed` writes; otherwise it is inherited.
int run(const std::vector<std::string>& argv, Capture mode, std::string* captured,
        const std::function<void(const std::string&)>* lines = nullptr, const Feed* feed = nullptr) {
  std::string* capture = mode == Capture::none ? nullptr : captured;
  int pipefd[2] = {-1, -1};
  int infd[2] = {-1, -1};
  if (capture && ::pipe2(pipefd, O_CLOEXEC) != 0) throw IoError(argv[0], "pipe", errno);
  if (feed && ::pipe2(infd, O_CLOEXEC) != 0) {
    int err = errno;
    if (capture) ::close(pipefd[0]), ::close(pipefd[1]);
    throw IoError(argv[0], "pipe", err);
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  int target = capture ? pipefd[1] : 2;
  posix_spawn_file_actions_adddup2(&fa, target, 1);
  if (mode == Capture::both) posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
  if (mode == Capture::stdout_only) posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  if (feed) posix_spawn_file_actions_adddup2(&fa, infd[0], 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, argv[0].c_str(), &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (capture) ::close(pipefd[1]);
  if (feed) ::close(infd[0]);
  if (rc != 0) {
    if (capture) ::close(pipefd[0]);
    if (feed) ::close(infd[1]);
    throw IoError(argv[0], "run", rc);
  }
  std::jthread writer;
  if (feed)
    writer = std::jthread([feed, fd = infd[1], pid] {
      (*feed)(fd, pid);
      ::close(fd);
    });
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
  // The writer ends once mkfs has read everything or exited (EPIPE), and before mkfs is reaped,
  // so the pid it may kill is still mkfs's.
  if (writer.joinable()) writer.join();
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

// mkfs's --help (which options it offers) and banner.
struct MkfsInfo {
  std::string help;
  std::string version;
};

MkfsInfo probe_mkfs(const std::string& mkfs) {
  MkfsInfo info;
  run({mkfs, "--help"}, Capture::both, &info.help);
  if (info.help.empty()) throw IoError(mkfs, "run", ENOENT);
  info.version = mkfs_version(mkfs);
  return info;
}

std::string digest_option(const std::string& xattr_name) {
  return xattr_name.empty() ? "--xattr-inode-digest" : "--xattr-inode-digest=" + xattr_name;
}

// Runs mkfs (argv) and, if it succeeded, moves its image `tmp` to `image`: renamed when mkfs
// wrote the fingerprints, else retrofitted. `tmp` is gone afterwards in every case.
void make_image(const std::vector<std::string>& argv, const std::string& tmp, const std::string& image,
                const BuildOptions& o, BuildReport& rep, const Feed* feed = nullptr,
                const std::function<void()>& after_mkfs = {}) {
  std::string pending;
  int rc = 0;
  try {
    rc = o.mkfs_output ? run(argv, Capture::both, &pending, &o.mkfs_output, feed)
                       : run(argv, Capture::none, nullptr, nullptr, feed);
    if (after_mkfs) after_mkfs();
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
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
}

bool has_option(const std::vector<std::string>& args, const std::string& prefix) {
  for (const auto& a : args)
    if (a.rfind(prefix, 0) == 0) return true;
  return false;
}

}  // namespace

BuildReport build_image(const std::string& source, const std::string& image, const BuildOptions& o) {
  BuildReport rep;
  const MkfsInfo mkfs = probe_mkfs(o.mkfs);
  rep.mkfs_version = mkfs.version;
  // The option is listed in mkfs.erofs --help from erofs-utils 1.9 on (§6.2).
  rep.native = mkfs.help.find("--xattr-inode-digest") != std::string::npos;
  const std::string tmp = temp_name(image, "build");
  std::vector<std::string> argv{o.mkfs};
  argv.insert(argv.end(), o.mkfs_args.begin(), o.mkfs_args.end());
  if (rep.native) argv.push_back(digest_option(o.xattr_name));
  argv.push_back(tmp);
  argv.push_back(source);
  make_image(argv, tmp, image, o, rep);
  return rep;
}

BuildReport build_layer(const std::string& layer, const std::string& image, const BuildOptions& o) {
  BuildReport rep;
  // Before mkfs runs: the layer is a tar (plain, gzip or zstd), and its digest is valid.
  LayerTar tar(layer);
  rep.compression = tar.compression();
  if (!o.layer_digest.empty()) check_layer_digest(o.layer_digest);
  const MkfsInfo mkfs = probe_mkfs(o.mkfs);
  rep.mkfs_version = mkfs.version;
  // containerd's differ makes the same check before it converts anything.
  if (mkfs.help.find("--tar=") == std::string::npos)
    throw UsageError(fmt::format("{} ({}) cannot convert a tar: its --help has no --tar= (erofs-utils 1.7 and later "
                                 "have it, and containerd's EROFS differ needs it too)",
                                 o.mkfs, mkfs.version));
  rep.native = mkfs.help.find("--xattr-inode-digest") != std::string::npos;
  if (!o.layer_digest.empty()) {
    rep.layer_digest = o.layer_digest;
  } else if (o.uuid_from_diff_id) {
    LayerTar first(layer);
    first.pump([](std::span<const u8>) {});
    rep.layer_digest = first.diff_id();
  } else {
    rep.layer_digest = file_digest(layer);
  }
  rep.uuid = containerd_layer_uuid(rep.layer_digest);
  const std::string tmp = temp_name(image, "build");
  // containerd's ConvertTarErofs and AddDefaultMkfsOpts (internal/erofsutils/mount.go), in
  // their order; the image's name where containerd has layer.erofs, the tar on standard input.
  std::vector<std::string> argv{o.mkfs, "--tar=f", "--aufs", "--quiet", "-Enoinline_data"};
  if (!has_option(o.mkfs_args, "-b")) argv.push_back("-b4096");
  argv.insert(argv.end(), o.mkfs_args.begin(), o.mkfs_args.end());
  if (rep.native && !has_option(o.mkfs_args, "--xattr-inode-digest")) argv.push_back(digest_option(o.xattr_name));
  argv.insert(argv.end(), {"-U", rep.uuid, tmp});
  std::exception_ptr feed_error;
  const Feed feed = [&](int fd, pid_t pid) {
    // A write after mkfs closed its input fails with EPIPE; the SIGPIPE it raises is blocked in
    // this thread and taken back below, so it never reaches the process.
    sigset_t pipe_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, nullptr);
    bool closed = false;
    try {
      // The whole stream is read even after mkfs stopped reading: the diffID covers all of it,
      // as containerd's does (it reads the trailing data too).
      tar.pump([&](std::span<const u8> piece) {
        while (!closed && !piece.empty()) {
          ssize_t n = ::write(fd, piece.data(), piece.size());
          if (n >= 0) {
            piece = piece.subspan(std::size_t(n));
          } else if (errno == EPIPE) {
            closed = true;
          } else if (errno != EINTR) {
            throw IoError(o.mkfs, "write to its standard input", errno);
          }
        }
      });
    } catch (...) {
      feed_error = std::current_exception();
      // A truncated stream would otherwise reach mkfs as a shorter tar: stop it first.
      ::kill(pid, SIGKILL);
    }
    if (closed) {
      const timespec now{};
      sigtimedwait(&pipe_set, nullptr, &now);
    }
  };
  make_image(argv, tmp, image, o, rep, &feed, [&] {
    if (feed_error) std::rethrow_exception(feed_error);
  });
  rep.diff_id = tar.diff_id();
  return rep;
}

}  // namespace core::tag
