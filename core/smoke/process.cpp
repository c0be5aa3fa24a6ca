#include "core/smoke/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "core/util/error.hpp"

namespace core::smoke {

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string data;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    data.append(buf, static_cast<size_t>(in.gcount()));
    if (data.size() > (size_t(64) << 20)) break;
  }
  return data;
}

// At most `max` bytes of `path` from byte `from`.
std::string slurp_from(const std::string& path, off_t from, std::size_t max) {
  std::ifstream in(path, std::ios::binary);
  in.seekg(from);
  std::string data(max, '\0');
  in.read(data.data(), static_cast<std::streamsize>(max));
  data.resize(static_cast<std::size_t>(in.gcount()));
  return data;
}

}  // namespace

std::string find_program(const std::string& program) {
  if (program.empty()) return "";
  if (program.find('/') != std::string::npos) return access(program.c_str(), X_OK) == 0 ? program : "";
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t pos = 0;
  while (pos <= dirs.size()) {
    size_t colon = dirs.find(':', pos);
    if (colon == std::string::npos) colon = dirs.size();
    std::string dir = dirs.substr(pos, colon - pos);
    pos = colon + 1;
    if (dir.empty()) continue;
    std::string candidate = dir + "/" + program;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

std::string quote_command(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& a : argv) {
    if (!out.empty()) out += ' ';
    bool plain =
        !a.empty() && a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%") ==
                          std::string::npos;
    if (plain) {
      out += a;
    } else {
      out += '\'';
      for (char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
      out += '\'';
    }
  }
  return out;
}

ProcessResult run_process(const std::vector<std::string>& argv, const std::string& scratch_dir, double timeout_seconds,
                          const std::vector<std::string>& give_up_on) {
  static int counter = 0;
  const std::string base = scratch_dir + "/proc-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
  const std::string out_path = base + ".out", err_path = base + ".err";
  const std::string exe = find_program(argv.at(0));
  if (exe.empty()) throw IoError(argv[0], "find program", ENOENT);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  const auto start = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid < 0) throw IoError(exe, "fork", errno);
  if (pid == 0) {
    setpgid(0, 0);
    int in = open("/dev/null", O_RDONLY);
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || out < 0 || err < 0) _exit(127);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    execv(exe.c_str(), args.data());
    _exit(127);
  }
  setpgid(pid, pid);
  ProcessResult result;
  int status = 0;
  off_t err_seen = 0;
  for (unsigned tick = 0;; ++tick) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) break;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (elapsed > timeout_seconds && !result.timed_out) {
      result.timed_out = true;
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
    }
    // Every 0.5 s: has stderr grown, and does it now say something fatal?
    struct stat st {};
    if (!give_up_on.empty() && !result.gave_up && tick % 25 == 0 && ::stat(err_path.c_str(), &st) == 0 &&
        st.st_size > err_seen) {
      // Only what is new, with a little before it for a text cut in two by the last look.
      const off_t from = err_seen > 256 ? err_seen - 256 : 0;
      err_seen = st.st_size;
      const std::string err =
          slurp_from(err_path, from, std::min<std::size_t>(std::size_t(st.st_size - from), std::size_t(1) << 20));
      for (const std::string& text : give_up_on) {
        if (err.find(text) == std::string::npos) continue;
        result.gave_up = true;
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
  result.out = slurp(out_path);
  result.err = slurp(err_path);
  unlink(out_path.c_str());
  unlink(err_path.c_str());
  return result;
}

}  // namespace core::smoke
