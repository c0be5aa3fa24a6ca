#include "tests/hostile/fixtures.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

extern char** environ;

namespace hostile {

namespace fs = std::filesystem;

int run_command(const std::vector<std::string>& argv, const fs::path& out, const fs::path& err) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (err.empty())
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
  else
    posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw SetupError("cannot run " + argv[0] + ": " + std::strerror(rc));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) throw SetupError("waitpid failed for " + argv[0]);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

std::string tool_from_env(const char* var) {
  const char* v = std::getenv(var);
  if (!v || !*v)
    throw SetupError(std::string(var) +
                     " is not set: the hostile test builds its fixtures with the real mkfs.erofs it names "
                     "(Debian's 1.5 is /usr/bin/mkfs.erofs; >= 1.9 is built by scripts/erofs-utils.sh; "
                     "`source scripts/env.sh` sets both)");
  if (access(v, X_OK) != 0) throw SetupError(std::string(var) + "=" + v + " is not an executable file");
  return v;
}

namespace {

void write_file(const fs::path& p, const std::string& data) {
  std::ofstream f(p, std::ios::binary);
  f << data;
  if (!f) throw SetupError("cannot write " + p.string());
}

std::string pattern(std::size_t n, unsigned seed) {
  std::string s(n, '\0');
  unsigned x = seed * 2654435761u + 1;
  for (auto& c : s) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 16);
  }
  return s;
}

bool g_xattr_warned = false;

void set_xattr(const fs::path& p, const std::string& name, const std::string& value, bool nofollow = false) {
  int rc = nofollow ? lsetxattr(p.c_str(), name.c_str(), value.data(), value.size(), 0)
                    : setxattr(p.c_str(), name.c_str(), value.data(), value.size(), 0);
  if (rc != 0 && !g_xattr_warned) {
    std::fprintf(stderr, "hostile: warning: setxattr %s on %s failed (%s); fixtures have fewer xattrs\n",
                 name.c_str(), p.c_str(), std::strerror(errno));
    g_xattr_warned = true;
  }
}

void make_node(const fs::path& p, mode_t mode, dev_t dev) {
  if (mknod(p.c_str(), mode, dev) != 0)
    std::fprintf(stderr, "hostile: warning: mknod %s failed (%s); left out\n", p.c_str(), std::strerror(errno));
}

void make_socket(const fs::path& p) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (fd < 0 || p.string().size() >= sizeof(addr.sun_path)) {
    std::fprintf(stderr, "hostile: warning: no socket in the fixture tree\n");
    if (fd >= 0) close(fd);
    return;
  }
  std::strcpy(addr.sun_path, p.c_str());
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    std::fprintf(stderr, "hostile: warning: bind %s failed (%s)\n", p.c_str(), std::strerror(errno));
  close(fd);
}

}  // namespace

void make_source_tree(const fs::path& root) {
  fs::create_directories(root);
  for (std::size_t n : {0, 1, 100, 511, 512, 513, 4095, 4096, 4097, 12345, 70000})
    write_file(root / ("size-" + std::to_string(n)), pattern(n, static_cast<unsigned>(n)));
  std::string text;
  for (int i = 0; text.size() < 60000; ++i) text += "line " + std::to_string(i * 7919 % 10007) + " of some compressible text\n";
  write_file(root / "text", text);
  write_file(root / "same-a", pattern(9000, 7));
  write_file(root / "same-b", pattern(9000, 7));

  // Sparse: data, a hole, data at the end.
  {
    std::string head = pattern(100, 1), tail = pattern(100, 2);
    int fd = open((root / "sparse").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || pwrite(fd, head.data(), head.size(), 0) != 100 ||
        pwrite(fd, tail.data(), tail.size(), 192 * 1024) != 100 || close(fd) != 0)
      throw SetupError("cannot write the sparse file");
  }
  fs::create_hard_link(root / "size-70000", root / "hardlink");
  fs::create_symlink("size-100", root / "link-short");
  std::string long_target;
  while (long_target.size() < 1000) long_target += "long-directory-name/";
  fs::create_symlink(long_target + "end", root / "link-long");
  fs::create_symlink("nowhere/at/all", root / "link-dangling");

  fs::create_directory(root / "dev");
  make_node(root / "dev" / "null", S_IFCHR | 0666, makedev(1, 3));
  make_node(root / "dev" / "sda1", S_IFBLK | 0660, makedev(8, 1));
  make_node(root / "dev" / "big-minor", S_IFCHR | 0600, makedev(300, 70000));
  make_node(root / "dev" / "fifo", S_IFIFO | 0644, 0);
  make_socket(root / "dev" / "sock");

  // Xattrs: a value on several files (shared with -x1), long-prefix candidates
  // (trusted.overlay.*), a large value, xattrs on a directory and a symlink.
  fs::create_directory(root / "xattr");
  for (int i = 1; i <= 4; ++i) {
    fs::path f = root / "xattr" / ("x" + std::to_string(i));
    write_file(f, pattern(static_cast<std::size_t>(i) * 300, static_cast<unsigned>(i)));
    if (i <= 3) set_xattr(f, "user.shared", "the same value on three files");
    set_xattr(f, "trusted.overlay.opaque", "y");
    set_xattr(f, "trusted.overlay.origin", pattern(64, static_cast<unsigned>(i)));
    set_xattr(f, "user.n" + std::to_string(i), std::to_string(i));
  }
  set_xattr(root / "xattr" / "x4", "user.big", pattern(1000, 9));
  set_xattr(root / "xattr" / "x4", "security.selinux", "system_u:object_r:etc_t:s0");
  set_xattr(root / "xattr", "trusted.overlay.redirect", "/elsewhere");
  fs::create_symlink("x1", root / "xattr" / "link");
  set_xattr(root / "xattr" / "link", "trusted.overlay.opaque", "x", true);

  // A directory with a few hundred entries (several dirent blocks even at bs 4096).
  fs::create_directory(root / "many");
  for (int i = 0; i < 300; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "entry-%03d", i);
    fs::path p = root / "many" / name;
    if (i % 10 == 0)
      fs::create_symlink("../size-1", p);
    else if (i % 10 == 1)
      write_file(p, std::to_string(i) + "\n");
    else if (i % 50 == 2)
      fs::create_directory(p);
    else
      write_file(p, "");
  }
  fs::create_directories(root / "deep" / "a" / "b" / "c" / "d" / "e" / "f" / "g");
  write_file(root / "deep" / "a" / "b" / "c" / "d" / "e" / "f" / "g" / "leaf", "leaf\n");
}

namespace {

struct Variant {
  const char* name;
  std::vector<std::string> flags;
};

std::vector<Variant> variants(const std::string& set, const fs::path& workdir) {
  if (set == "15")
    return {
        {"15-default", {"-x1"}},
        {"15-noinline", {"-x1", "-Enoinline_data"}},
        {"15-extended", {"-x1", "-Eforce-inode-extended"}},
        {"15-chunk-map", {"--chunksize=8192"}},
        {"15-chunk-idx", {"--chunksize=4096", "-Eforce-chunk-indexes"}},
        // Compressed layouts are beyond the brief's minimum but are the riskiest parser.
        {"15-lz4hc", {"-zlz4hc", "-x1"}},
        {"15-lz4-ztail", {"-zlz4", "-Eztailpacking"}},
    };
  return {
      {"19-digest", {"-x1", "--xattr-inode-digest"}},
      {"19-512-prefix", {"-b512", "-x1", "--xattr-inode-digest", "--xattr-prefix=trusted.overlay."}},
      {"19-512-chunk-noinline", {"-b512", "-Enoinline_data", "--chunksize=4096"}},
      {"19-chunk-idx-digest",
       {"--chunksize=16384", "-Eforce-chunk-indexes", "--xattr-inode-digest=trusted.erofs.fingerprint"}},
      {"19-extended-512", {"-b512", "-Eforce-inode-extended", "-x1", "--xattr-prefix=trusted.overlay."}},
      {"19-blobdev", {"--chunksize=4096", "--blobdev=" + (workdir / "19-blobdev.blob").string()}},
      {"19-48bit", {"-E48bit", "--xattr-inode-digest"}},
      {"19-lz4hc-frag-dedupe", {"-zlz4hc", "-Eztailpacking,fragments,dedupe", "-x1", "--xattr-inode-digest"}},
      {"19-lzma-512", {"-zlzma", "-b512", "--xattr-prefix=trusted.overlay."}},
      {"19-zstd-dirs", {"-zzstd", "-C65536", "--zD"}},
      {"19-deflate-allfrag", {"-zdeflate", "-Eall-fragments"}},
  };
}

std::vector<core::u8> slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::vector<core::u8> v((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return v;
}

}  // namespace

std::vector<Fixture> build_fixtures(const std::string& set, const fs::path& source, const fs::path& workdir) {
  const std::string mkfs = tool_from_env(set == "15" ? "MKFS_EROFS_15" : "MKFS_EROFS_19");
  std::vector<Fixture> out;
  for (const Variant& v : variants(set, workdir)) {
    fs::path image = workdir / (std::string(v.name) + ".erofs");
    fs::path log = workdir / (std::string(v.name) + ".mkfs.log");
    std::vector<std::string> argv{mkfs, "--quiet", "-T0", "-U", "6e8b4a3e-1b2c-4d5e-8f90-a1b2c3d4e5f6", "--all-root"};
    argv.insert(argv.end(), v.flags.begin(), v.flags.end());
    argv.push_back(image.string());
    argv.push_back(source.string());
    std::string flags;
    for (const auto& f : v.flags) flags += (flags.empty() ? "" : " ") + f;
    int rc = run_command(argv, log);
    if (rc != 0) {
      std::ifstream l(log);
      std::string text((std::istreambuf_iterator<char>(l)), std::istreambuf_iterator<char>());
      throw SetupError(mkfs + " " + flags + " failed with exit status " + std::to_string(rc) + ":\n" + text);
    }
    out.push_back(Fixture{v.name, flags, slurp(image)});
  }
  return out;
}

}  // namespace hostile
