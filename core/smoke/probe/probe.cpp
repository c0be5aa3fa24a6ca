// erofs-share-probe: the program `erofs-share smoke` runs inside the QEMU guest (as PID 1, via
// a busybox /init). It executes a plan file written by the host, one step per line, and prints
// one machine-readable line per step on the console:
//
//   ESPROBE {"ev":"mount","tag":"a",...}
//
// Plan lines (fields separated by one space, each field percent-encoded, see plan.cpp):
//   insmod NAME PATH          load a module (already loaded counts as success)
//   filesystems               report whether the kernel now knows "erofs"
//   wait DEV                  wait up to 15 s for a device node
//   mount TAG DEV DIR OPTS    mount DEV read-only as erofs with OPTS ("-" = none)
//   observe ID READ TARGET    drop caches, read READ fully, then mmap + mincore TARGET
//                             (never read): resident pages of TARGET (erofs-format.md §6.7)
//   digest ID READ TARGET     drop caches, read READ fully, then SHA-256 of TARGET through
//                             read() and through mmap
//   umount TAG DIR            unmount DIR
//   measure ID DIR...         drop caches, then read every regular file under the DIRs fully:
//                             /proc/meminfo Cached before and after (the sharing saving's
//                             ground truth for status)
//   residency ID DIR...       mmap + mincore of every regular file under the DIRs (never
//                             read): resident pages and a SHA-256 over (path, page bitmap)
//   run ID PROGRAM ARG...     run PROGRAM; its standard output is reported in "output" events
//                             of at most 4 KiB each, then its exit status
//   end                       report the end and power off
//
// Each step runs in a child process, so a fault (say SIGBUS on a mapping) ends only that step,
// which is reported with ok=false. Kernel log lines about erofs and modules that appeared
// during a step are attached to its line ("kmsg").
#include <fcntl.h>
#include <sys/mman.h>
#include <dirent.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/smoke/probe/sha256.hpp"

namespace {

int g_kmsg = -1;

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// One JSON object under construction.
class Line {
public:
  explicit Line(const char* ev) { m_text = "{\"ev\":" + json_string(ev); }
  Line& str(const char* key, const std::string& v) {
    m_text += std::string(",\"") + key + "\":" + json_string(v);
    return *this;
  }
  Line& num(const char* key, long long v) {
    m_text += std::string(",\"") + key + "\":" + std::to_string(v);
    return *this;
  }
  Line& boolean(const char* key, bool v) {
    m_text += std::string(",\"") + key + "\":" + (v ? "true" : "false");
    return *this;
  }
  Line& list(const char* key, const std::vector<std::string>& v) {
    m_text += std::string(",\"") + key + "\":[";
    for (size_t i = 0; i < v.size(); ++i) m_text += (i ? "," : "") + json_string(v[i]);
    m_text += "]";
    return *this;
  }
  Line& error(int err) {
    num("errno", err);
    return str("error", err ? std::strerror(err) : "");
  }
  // One write() per line, so kernel messages cannot land inside it.
  void emit() {
    std::string out = "\nESPROBE " + m_text + "}\n";
    const char* p = out.data();
    size_t left = out.size();
    while (left > 0) {
      ssize_t n = write(1, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      p += n;
      left -= static_cast<size_t>(n);
    }
  }

private:
  std::string m_text;
};

bool interesting(const std::string& msg) {
  std::string lower = msg;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower.find("erofs") != std::string::npos || lower.find("module") != std::string::npos ||
         lower.find("unknown symbol") != std::string::npos;
}

// New kernel log records since the last call that mention erofs or modules.
std::vector<std::string> drain_kmsg() {
  std::vector<std::string> out;
  if (g_kmsg < 0) return out;
  char buf[8192];
  for (;;) {
    ssize_t n = read(g_kmsg, buf, sizeof buf - 1);
    if (n < 0 && errno == EPIPE) continue;  // overwritten records: skip ahead
    if (n <= 0) break;
    buf[n] = '\0';
    const char* semi = std::strchr(buf, ';');
    if (!semi) continue;
    std::string msg(semi + 1);
    if (auto nl = msg.find('\n'); nl != std::string::npos) msg.resize(nl);
    if (interesting(msg) && out.size() < 64) out.push_back(msg);
  }
  return out;
}

std::string decode(const std::string& field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '%' && i + 2 < field.size()) {
      out += static_cast<char>(std::strtol(field.substr(i + 1, 2).c_str(), nullptr, 16));
      i += 2;
    } else {
      out += field[i];
    }
  }
  return out;
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> fields;
  size_t pos = 0;
  while (pos <= line.size()) {
    size_t sp = line.find(' ', pos);
    if (sp == std::string::npos) sp = line.size();
    fields.push_back(decode(line.substr(pos, sp - pos)));
    pos = sp + 1;
  }
  return fields;
}

bool read_file(const std::string& path, std::string& out) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      close(fd);
      return false;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return true;
}

void drop_caches() {
  sync();
  int fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
  if (fd >= 0) {
    if (write(fd, "3", 1) < 0) { /* reported by the residency figures */
    }
    close(fd);
  }
}

// Reads `fd` to the end; returns bytes read or -errno. Feeds `sha` if given.
long long read_all(int fd, probe::Sha256* sha) {
  static char buf[1 << 16];
  long long total = 0;
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -errno;
    if (n == 0) return total;
    if (sha) sha->update(buf, static_cast<size_t>(n));
    total += n;
  }
}

void mkdir_p(const std::string& dir) {
  for (size_t i = 1; i <= dir.size(); ++i)
    if (i == dir.size() || dir[i] == '/') mkdir(dir.substr(0, i).c_str(), 0755);
}

std::string mount_options(const std::string& dir) {
  std::string mounts;
  if (!read_file("/proc/mounts", mounts)) return "";
  size_t pos = 0;
  std::string found;
  while (pos < mounts.size()) {
    size_t nl = mounts.find('\n', pos);
    if (nl == std::string::npos) nl = mounts.size();
    std::string line = mounts.substr(pos, nl - pos);
    pos = nl + 1;
    std::vector<std::string> f;
    size_t p = 0;
    while (p < line.size() && f.size() < 4) {
      size_t sp = line.find(' ', p);
      if (sp == std::string::npos) sp = line.size();
      f.push_back(line.substr(p, sp - p));
      p = sp + 1;
    }
    if (f.size() == 4 && f[1] == dir) found = f[3];  // the last mount on DIR wins
  }
  return found;
}

void step_insmod(const std::vector<std::string>& f) {
  Line line("insmod");
  line.str("name", f[1]);
  std::string image;
  int err = 0;
  if (!read_file(f[2], image)) {
    err = errno;
  } else if (syscall(SYS_init_module, image.data(), image.size(), "") != 0) {
    err = errno == EEXIST ? 0 : errno;
  }
  line.boolean("ok", err == 0).error(err).list("kmsg", drain_kmsg()).emit();
}

void step_filesystems() {
  std::string fs;
  read_file("/proc/filesystems", fs);
  bool erofs = fs.find("\terofs\n") != std::string::npos;
  Line("filesystems").boolean("erofs", erofs).list("kmsg", drain_kmsg()).emit();
}

void step_wait(const std::vector<std::string>& f) {
  struct stat st;
  int tries = 0;
  while (stat(f[1].c_str(), &st) != 0 && tries < 150) {
    usleep(100000);
    ++tries;
  }
  bool ok = stat(f[1].c_str(), &st) == 0;
  Line("wait").str("dev", f[1]).boolean("ok", ok).num("waited_ms", tries * 100LL).emit();
}

void step_mount(const std::vector<std::string>& f) {
  const std::string& tag = f[1];
  mkdir_p(f[3]);
  const char* opts = f[4] == "-" ? nullptr : f[4].c_str();
  drain_kmsg();
  int err = mount(f[2].c_str(), f[3].c_str(), "erofs", MS_RDONLY, opts) == 0 ? 0 : errno;
  Line line("mount");
  line.str("tag", tag).boolean("ok", err == 0).error(err);
  if (err == 0) line.str("options", mount_options(f[3]));
  line.list("kmsg", drain_kmsg()).emit();
}

// Resident pages of a mapping of `fd` (size `size`); -errno on failure.
long long resident_pages(int fd, long long size, long long& pages) {
  const long page = sysconf(_SC_PAGESIZE);
  pages = (size + page - 1) / page;
  if (size == 0) return 0;
  void* map = mmap(nullptr, static_cast<size_t>(size), PROT_READ, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) return -errno;
  std::vector<unsigned char> vec(static_cast<size_t>(pages));
  long long resident = 0;
  if (mincore(map, static_cast<size_t>(size), vec.data()) != 0) {
    resident = -errno;
  } else {
    for (unsigned char v : vec) resident += v & 1;
  }
  munmap(map, static_cast<size_t>(size));
  return resident;
}

// observe/digest: drop caches, read f[2] fully (kept open), then look at f[3].
void step_look(const std::vector<std::string>& f, bool digest) {
  Line line(digest ? "digest" : "observe");
  line.str("id", f[1]);
  drop_caches();
  drain_kmsg();
  int rfd = open(f[2].c_str(), O_RDONLY | O_CLOEXEC);
  if (rfd < 0) {
    int err = errno;
    line.boolean("ok", false).str("stage", "open_read").error(err).list("kmsg", drain_kmsg()).emit();
    return;
  }
  long long got = read_all(rfd, nullptr);
  if (got < 0) {
    line.boolean("ok", false).str("stage", "read").error(static_cast<int>(-got)).list("kmsg", drain_kmsg()).emit();
    return;
  }
  line.num("read_bytes", got);
  int tfd = open(f[3].c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (tfd < 0 || fstat(tfd, &st) != 0) {
    int err = errno;
    line.boolean("ok", false).str("stage", "open_target").error(err).list("kmsg", drain_kmsg()).emit();
    return;
  }
  long long pages = 0;
  long long resident = resident_pages(tfd, st.st_size, pages);
  if (resident < 0) {
    line.boolean("ok", false)
        .str("stage", "mincore")
        .error(static_cast<int>(-resident))
        .list("kmsg", drain_kmsg())
        .emit();
    return;
  }
  line.num("target_size", st.st_size).num("pages", pages).num("resident", resident);
  if (digest) {
    char hex[65];
    probe::Sha256 by_read;
    long long n = read_all(tfd, &by_read);
    if (n < 0) {
      line.boolean("ok", false)
          .str("stage", "read_target")
          .error(static_cast<int>(-n))
          .list("kmsg", drain_kmsg())
          .emit();
      return;
    }
    by_read.finish_hex(hex);
    line.str("read_sha256", hex);
    probe::Sha256 by_mmap;
    if (st.st_size > 0) {
      void* map = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_SHARED, tfd, 0);
      if (map == MAP_FAILED) {
        int err = errno;
        line.boolean("ok", false).str("stage", "mmap_target").error(err).list("kmsg", drain_kmsg()).emit();
        return;
      }
      by_mmap.update(map, static_cast<size_t>(st.st_size));
      munmap(map, static_cast<size_t>(st.st_size));
    }
    by_mmap.finish_hex(hex);
    line.str("mmap_sha256", hex);
  }
  line.boolean("ok", true).list("kmsg", drain_kmsg()).emit();
}

void step_umount(const std::vector<std::string>& f) {
  drain_kmsg();
  int err = umount2(f[2].c_str(), 0) == 0 ? 0 : errno;
  Line("umount").str("tag", f[1]).boolean("ok", err == 0).error(err).list("kmsg", drain_kmsg()).emit();
}

// Every regular file under `dir` (not following symlinks), sorted.
void walk(const std::string& dir, std::vector<std::string>& out) {
  DIR* d = opendir(dir.c_str());
  if (!d) return;
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  for (const std::string& n : names) {
    const std::string path = dir + "/" + n;
    struct stat st;
    if (lstat(path.c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) walk(path, out);
    else if (S_ISREG(st.st_mode)) out.push_back(path);
  }
}

long long meminfo_kib(const char* key) {
  std::string text;
  if (!read_file("/proc/meminfo", text)) return -1;
  const std::string k = std::string("\n") + key + ":";
  size_t at = ("\n" + text).find(k);
  if (at == std::string::npos) return -1;
  return std::strtoll(text.c_str() + at + k.size() - 1, nullptr, 10);
}

void step_measure(const std::vector<std::string>& f) {
  std::vector<std::string> files;
  for (size_t i = 2; i < f.size(); ++i) walk(f[i], files);
  drop_caches();
  const long long before = meminfo_kib("Cached");
  long long bytes = 0;
  for (const std::string& path : files) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    long long n = read_all(fd, nullptr);
    if (n > 0) bytes += n;
    close(fd);
  }
  const long long after = meminfo_kib("Cached");
  Line("measure")
      .str("id", f[1])
      .num("files", static_cast<long long>(files.size()))
      .num("bytes", bytes)
      .num("cached_before_kib", before)
      .num("cached_after_kib", after)
      .emit();
}

void step_residency(const std::vector<std::string>& f) {
  std::vector<std::string> files;
  for (size_t i = 2; i < f.size(); ++i) walk(f[i], files);
  probe::Sha256 sha;
  long long total = 0;
  const long page = sysconf(_SC_PAGESIZE);
  for (const std::string& path : files) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size == 0) {
      if (fd >= 0) close(fd);
      continue;
    }
    void* map = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_SHARED, fd, 0);
    if (map != MAP_FAILED) {
      std::vector<unsigned char> vec(static_cast<size_t>((st.st_size + page - 1) / page));
      if (mincore(map, static_cast<size_t>(st.st_size), vec.data()) == 0) {
        for (unsigned char& v : vec) {
          v &= 1;
          total += v;
        }
        sha.update(path.c_str(), path.size() + 1);
        sha.update(vec.data(), vec.size());
      }
      munmap(map, static_cast<size_t>(st.st_size));
    }
    close(fd);
  }
  char hex[65];
  sha.finish_hex(hex);
  Line("residency")
      .str("id", f[1])
      .num("files", static_cast<long long>(files.size()))
      .num("resident_pages", total)
      .str("sha256", hex)
      .emit();
}

void step_run(const std::vector<std::string>& f) {
  const std::string out = "/run-" + f[1] + ".out";
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) dup2(fd, 1);
    std::vector<char*> argv;
    for (size_t i = 2; i < f.size(); ++i) argv.push_back(const_cast<char*>(f[i].c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  std::string text;
  read_file(out, text);
  constexpr size_t k_chunk = 4096;
  for (size_t at = 0, seq = 0; at < text.size(); at += k_chunk, ++seq)
    Line("output").str("id", f[1]).num("seq", static_cast<long long>(seq)).str("data", text.substr(at, k_chunk)).emit();
  Line("run")
      .str("id", f[1])
      .num("exit", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status))
      .num("bytes", static_cast<long long>(text.size()))
      .list("kmsg", drain_kmsg())
      .emit();
}

// Runs one step in a child so that a crash ends only the step.
void run_step(const std::vector<std::string>& f) {
  pid_t pid = fork();
  if (pid < 0) {
    Line("step").str("op", f[0]).boolean("ok", false).error(errno).emit();
    return;
  }
  if (pid == 0) {
    const std::string& op = f[0];
    if (op == "insmod" && f.size() == 3)
      step_insmod(f);
    else if (op == "filesystems" && f.size() == 1)
      step_filesystems();
    else if (op == "wait" && f.size() == 2)
      step_wait(f);
    else if (op == "mount" && f.size() == 5)
      step_mount(f);
    else if (op == "observe" && f.size() == 4)
      step_look(f, false);
    else if (op == "digest" && f.size() == 4)
      step_look(f, true);
    else if (op == "umount" && f.size() == 3)
      step_umount(f);
    else if (op == "measure" && f.size() >= 3)
      step_measure(f);
    else if (op == "residency" && f.size() >= 3)
      step_residency(f);
    else if (op == "run" && f.size() >= 3)
      step_run(f);
    else
      Line("bad_step").str("op", op).num("fields", static_cast<long long>(f.size())).emit();
    _exit(0);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status))
    Line("step")
        .str("op", f[0])
        .str("arg", f.size() > 1 ? f[1] : "")
        .boolean("ok", false)
        .num("signal", WTERMSIG(status))
        .list("kmsg", drain_kmsg())
        .emit();
}

void power_off() {
  sync();
  reboot(RB_POWER_OFF);
  for (;;) pause();
}

}  // namespace

int main(int argc, char** argv) {
  // The busybox /init mounts these; mounting again is harmless (EBUSY) if it did.
  mkdir("/proc", 0755);
  mkdir("/sys", 0755);
  mkdir("/dev", 0755);
  mount("proc", "/proc", "proc", 0, nullptr);
  mount("sysfs", "/sys", "sysfs", 0, nullptr);
  mount("devtmpfs", "/dev", "devtmpfs", 0, nullptr);
  g_kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (g_kmsg >= 0) lseek(g_kmsg, 0, SEEK_END);  // boot messages are not evidence

  struct utsname uts;
  uname(&uts);
  Line("start").str("kernel", uts.release).str("machine", uts.machine).num("probe", 1).emit();

  std::string plan;
  const char* path = argc > 1 ? argv[1] : "/plan";
  if (!read_file(path, plan)) {
    Line("fatal").str("error", std::string("cannot read plan ") + path).emit();
    power_off();
  }
  size_t pos = 0;
  while (pos < plan.size()) {
    size_t nl = plan.find('\n', pos);
    if (nl == std::string::npos) nl = plan.size();
    std::string text = plan.substr(pos, nl - pos);
    pos = nl + 1;
    if (text.empty() || text[0] == '#') continue;
    std::vector<std::string> f = split(text);
    if (f[0] == "end") break;
    run_step(f);
  }
  Line("end").list("kmsg", drain_kmsg()).emit();
  power_off();
}
