// erofs_share_hostile: builds fixture images with the real mkfs.erofs (MKFS_EROFS_15 or
// MKFS_EROFS_19), derives deterministic mutants from them and runs the equivalent of
// `erofs-share inspect --digest` on each in-process, then a sample through the CLI binary.
// Every mutant inspect rejects as corrupt must also fail `lint --severity-threshold error`.
// Every mutant must either inspect cleanly or fail with exactly one core error whose text is
// one line (with a location for CorruptImage), in bounded time. Meaningful under ASan+UBSan
// (EROFS_SHARE_SANITIZE=ON): a memory error or UB aborts the run and names the mutant.
//
//   erofs_share_hostile --tools 15|19 [--cli PATH] [--workdir DIR] [--seed N] [--mutants N]
//                       [--cli-samples N] [--max-seconds S] [--verbose]
//   erofs_share_hostile --replay IMAGE...     inspect the given files and print the outcomes
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "tests/hostile/check_image.hpp"
#include "tests/hostile/fixtures.hpp"
#include "tests/hostile/mutator.hpp"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HOSTILE_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define HOSTILE_ASAN 1
#endif
#ifdef HOSTILE_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

namespace fs = std::filesystem;
using namespace hostile;

namespace {

// What is running right now, so a crash, sanitizer abort or hang names the mutant and leaves
// its bytes behind for `--replay`.
const char* g_current = nullptr;
const std::vector<u8>* g_current_bytes = nullptr;
std::string g_crash_file;

void write_all(int fd, const char* s, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, s, n);
    if (w <= 0) return;
    s += w;
    n -= static_cast<std::size_t>(w);
  }
}

void dump_current(const char* why) {
  if (!g_current) return;
  const char* head = "\nhostile: ";
  write_all(2, head, std::strlen(head));
  write_all(2, why, std::strlen(why));
  const char* mid = " while inspecting mutant: ";
  write_all(2, mid, std::strlen(mid));
  write_all(2, g_current, std::strlen(g_current));
  if (g_current_bytes && !g_crash_file.empty()) {
    int fd = ::open(g_crash_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      write_all(fd, reinterpret_cast<const char*>(g_current_bytes->data()), g_current_bytes->size());
      ::close(fd);
      const char* saved = "\nhostile: mutant saved to ";
      write_all(2, saved, std::strlen(saved));
      write_all(2, g_crash_file.c_str(), g_crash_file.size());
      const char* replay = " (rerun with --replay)";
      write_all(2, replay, std::strlen(replay));
    }
  }
  write_all(2, "\n", 1);
}

#ifdef HOSTILE_ASAN
void on_death() { dump_current("sanitizer report"); }
#endif

void on_signal(int sig) {
  dump_current(sig == SIGALRM ? "time limit exceeded" : strsignal(sig));
  signal(sig, SIG_DFL);
  if (sig == SIGALRM) _exit(1);
  raise(sig);
}

void install_crash_handlers() {
#ifdef HOSTILE_ASAN
  __sanitizer_set_death_callback(on_death);
#else
  signal(SIGSEGV, on_signal);
  signal(SIGBUS, on_signal);
  signal(SIGFPE, on_signal);
  signal(SIGABRT, on_signal);
#endif
  signal(SIGALRM, on_signal);
}

std::vector<u8> slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::vector<u8>((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

void spit(const fs::path& p, const std::vector<u8>& b) {
  std::ofstream f(p, std::ios::binary);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

struct Options {
  std::string tools;
  std::string cli;
  fs::path workdir;
  u64 seed = 20251123;
  unsigned mutants = 120;  // per fixture image, before checksum-recomputed variants
  unsigned cli_samples = 50;
  double max_seconds = 2.0;
  bool verbose = false;
  std::vector<std::string> replay;
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "erofs_share_hostile: %s\nusage: erofs_share_hostile --tools 15|19 [--cli PATH] [--workdir DIR] "
               "[--seed N] [--mutants N] [--cli-samples N] [--max-seconds S] [--verbose]\n"
               "       erofs_share_hostile --replay IMAGE...\n",
               why.c_str());
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage("missing value for " + a);
      return argv[++i];
    };
    if (a == "--tools") o.tools = value();
    else if (a == "--cli") o.cli = value();
    else if (a == "--workdir") o.workdir = value();
    else if (a == "--seed") o.seed = std::stoull(value());
    else if (a == "--mutants") o.mutants = static_cast<unsigned>(std::stoul(value()));
    else if (a == "--cli-samples") o.cli_samples = static_cast<unsigned>(std::stoul(value()));
    else if (a == "--max-seconds") o.max_seconds = std::stod(value());
    else if (a == "--verbose") o.verbose = true;
    else if (a == "--replay") {
      while (i + 1 < argc) o.replay.push_back(argv[++i]);
    } else usage("unknown argument " + a);
  }
  if (o.replay.empty() && o.tools != "15" && o.tools != "19") usage("--tools must be 15 or 19");
  return o;
}

int replay(const Options& o) {
  int bad = 0;
  for (const auto& path : o.replay) {
    std::vector<u8> bytes = slurp(path);
    g_current = path.c_str();
    auto t0 = std::chrono::steady_clock::now();
    Outcome r = inspect_bytes(bytes, low_limits());
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%s: %s (%.3f s): %s%s%s\n", path.c_str(), kind_name(r.kind), s, r.message.c_str(),
                r.problem.empty() ? "" : "  PROBLEM: ", r.problem.c_str());
    bad += !r.problem.empty();
  }
  return bad ? 1 : 0;
}

// Runs the CLI on `image`; returns its exit status and stderr.
std::pair<int, std::string> run_cli(const std::string& cli, const fs::path& image, const fs::path& workdir) {
  fs::path err = workdir / "cli.stderr";
  int status = run_command({cli, "inspect", "--digest", image.string()}, workdir / "cli.stdout", err);
  std::vector<u8> e = slurp(err);
  return {status, std::string(e.begin(), e.end())};
}

struct Result {
  std::string desc;
  Kind kind;
  std::string message;
  double seconds;
};

// The error came from the low hole/stream limits of low_limits() (the CLI and lint use the
// default, much higher ones).
bool stopped_by_low_limits(const std::string& message) {
  return message.find("holes") != std::string::npos || message.find("exceeds the limit") != std::string::npos;
}

// Which results of one fixture go through the CLI: up to `n_err` errors and `n_ok` clean ones,
// spread evenly. Mutants stopped by the low hole/stream limits are left out (the CLI uses the
// default, much higher limits), and so are slow ones.
std::vector<std::size_t> cli_sample(const std::vector<Result>& rs, double max_seconds, unsigned n_err, unsigned n_ok) {
  std::vector<std::size_t> errors, oks, out;
  for (std::size_t i = 0; i < rs.size(); ++i) {
    const Result& r = rs[i];
    if (r.seconds >= max_seconds / 4 || r.kind == Kind::broken || stopped_by_low_limits(r.message)) continue;
    (r.kind == Kind::ok ? oks : errors).push_back(i);
  }
  for (auto [v, n] : {std::pair{&errors, n_err}, std::pair{&oks, n_ok}})
    for (std::size_t k = 0, m = std::min<std::size_t>(n, v->size()); k < m; ++k) out.push_back((*v)[k * v->size() / m]);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  install_crash_handlers();
  if (!o.replay.empty()) return replay(o);
  const auto t_start = std::chrono::steady_clock::now();
#ifndef HOSTILE_ASAN
  std::printf("hostile: note: built without AddressSanitizer; memory errors may go unnoticed "
              "(configure with -DEROFS_SHARE_SANITIZE=ON)\n");
#endif

  std::vector<Fixture> fixtures;
  try {
    if (o.workdir.empty()) o.workdir = fs::temp_directory_path() / fmt::format("erofs-share-hostile-{}", ::getpid());
    fs::remove_all(o.workdir);
    fs::create_directories(o.workdir / "failures");
    make_source_tree(o.workdir / "tree");
    fixtures = build_fixtures(o.tools, o.workdir / "tree", o.workdir);
  } catch (const SetupError& e) {
    std::fprintf(stderr, "hostile: FAIL: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hostile: FAIL: setting up fixtures: %s\n", e.what());
    return 1;
  }
  g_crash_file = (o.workdir / "failures" / "crash.erofs").string();

  unsigned failures = 0;
  auto fail = [&](const std::string& what, const std::vector<u8>* bytes) {
    ++failures;
    std::string saved;
    if (bytes) {
      fs::path p = o.workdir / "failures" / fmt::format("failure-{}.erofs", failures);
      spit(p, *bytes);
      saved = " [saved as " + p.string() + "]";
    }
    std::printf("FAIL: %s%s\n", what.c_str(), saved.c_str());
  };

  std::map<Kind, unsigned> counts;
  unsigned total = 0, fixed_checksum = 0, cli_runs = 0, lint_runs = 0;
  std::vector<Result> slowest;  // the five slowest mutants overall
  const unsigned n_fix = std::max<unsigned>(1, static_cast<unsigned>(fixtures.size()));
  for (const Fixture& fx : fixtures) {
    Outcome base = inspect_bytes(fx.bytes, low_limits());
    if (base.kind != Kind::ok) {
      fail(fmt::format("fixture {} ({}) does not inspect cleanly: {}", fx.name, fx.flags, base.message), &fx.bytes);
      continue;
    }
    ImageMap map = map_image(fx.bytes);
    std::vector<Mutant> mutants = make_mutants(fx.name, fx.bytes, map, o.seed, o.mutants);
    std::printf("fixture %-22s %7zu bytes, bs %4llu, %3zu inodes, %2zu dirent blocks, %2zu xattr ibodies, "
                "%2zu chunk arrays, %2zu compressed, %zu prefixes -> %zu mutants\n",
                fx.name.c_str(), fx.bytes.size(), static_cast<unsigned long long>(map.block_size), map.inodes.size(),
                map.dir_blocks.size(), map.ibodies.size(), map.chunks.size(), map.zmaps.size(),
                map.prefix_records.size(), mutants.size());
    std::fflush(stdout);
    std::vector<Result> results;
    for (const Mutant& m : mutants) {
      g_current = m.desc.c_str();
      g_current_bytes = &m.bytes;
      alarm(static_cast<unsigned>(std::max(30.0, o.max_seconds * 10)));
      auto t0 = std::chrono::steady_clock::now();
      Outcome r = inspect_bytes(m.bytes, low_limits());
      double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      alarm(0);
      g_current = nullptr;
      ++total;
      ++counts[r.kind];
      fixed_checksum += m.desc.find("[checksum recomputed]") != std::string::npos;
      if (o.verbose) std::printf("  %-16s %.3fs %s: %s\n", kind_name(r.kind), s, m.desc.c_str(), r.message.c_str());
      if (!r.problem.empty()) fail(fmt::format("{}: {}: {}", m.desc, r.problem, r.message), &m.bytes);
      if (s > o.max_seconds)
        fail(fmt::format("{}: took {:.2f} s (limit {:.1f} s; unbounded work?): {} {}", m.desc, s, o.max_seconds,
                         kind_name(r.kind), r.message),
             &m.bytes);
      results.push_back(Result{m.desc, r.kind, r.message, s});
      // lint at --severity-threshold error must fail every image inspect rejects as corrupt
      // (not those stopped only by the low hole/stream limits; lint uses the default ones).
      if (r.kind == Kind::corrupt && !stopped_by_low_limits(r.message)) {
        ++lint_runs;
        LintOutcome l = lint_bytes(m.bytes, (o.workdir / "lint-mutant.erofs").string());
        if (l.status == 0)
          fail(fmt::format("{}: inspect rejects it ({}) but lint --severity-threshold error passes it", m.desc,
                           r.message),
               &m.bytes);
      }
    }

    // A sample through the real CLI: exit status 2 and exactly one stderr line for errors, 0 and
    // a quiet stderr for clean images.
    if (!o.cli.empty()) {
      const fs::path image = o.workdir / "cli-mutant.erofs";
      for (std::size_t i : cli_sample(results, o.max_seconds, (o.cli_samples + n_fix - 1) / n_fix, (10 + n_fix - 1) / n_fix)) {
        const Result& r = results[i];
        spit(image, mutants[i].bytes);
        auto [status, err] = run_cli(o.cli, image, o.workdir);
        ++cli_runs;
        if (r.kind == Kind::ok) {
          if (status != 0 || !err.empty())
            fail(fmt::format("CLI on clean mutant {}: exit {} (want 0), stderr {:?}", r.desc, status, err), &mutants[i].bytes);
          continue;
        }
        bool one_line = !err.empty() && err.back() == '\n' && err.find('\n') == err.size() - 1;
        if (status != 2 || !one_line || err.rfind("erofs-share: ", 0) != 0 || err.find(r.message) == std::string::npos)
          fail(fmt::format("CLI on {}: exit {} (want 2), stderr {:?} (want one line \"erofs-share: ...{}\")", r.desc,
                           status, err, r.message),
               &mutants[i].bytes);
      }
    }
    for (Result& r : results) slowest.push_back(std::move(r));
    std::sort(slowest.begin(), slowest.end(), [](const Result& a, const Result& b) { return a.seconds > b.seconds; });
    if (slowest.size() > 5) slowest.resize(5);
  }

  std::printf("\nslowest mutants:\n");
  for (const Result& r : slowest)
    std::printf("  %.3f s  %s -> %s %s\n", r.seconds, r.desc.c_str(), kind_name(r.kind), r.message.c_str());
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  std::printf("\nhostile (mkfs.erofs %s, seed %llu): %u fixtures, %u mutants (%u with recomputed checksum): "
              "%u ok, %u corrupt, %u unsupported, %u data-unavailable, %u other errors, %u broken; "
              "%u CLI runs, %u lint runs; %u failures; %.1f s\n",
              o.tools.c_str(), static_cast<unsigned long long>(o.seed), static_cast<unsigned>(fixtures.size()), total,
              fixed_checksum, counts[Kind::ok], counts[Kind::corrupt], counts[Kind::unsupported],
              counts[Kind::data_unavailable], counts[Kind::io_error] + counts[Kind::usage_error], counts[Kind::broken],
              cli_runs, lint_runs, failures, elapsed);
  if (failures == 0) fs::remove_all(o.workdir);
  return failures ? 1 : 0;
}
