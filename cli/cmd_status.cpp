// `erofs-share status`: turn options into one core::status::run_status call and render the
// report as text or JSON.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/conventions.hpp"
#include "core/status/status.hpp"
#include "core/util/error.hpp"
#include "core/util/output_file.hpp"
#include "core/util/output_guard.hpp"

namespace cli {

namespace {

struct StatusCliOptions {
  std::string format = "text";
  std::string mounts;
  std::vector<std::string> domains;  // MOUNTPOINT=NAME
  std::string output;
  unsigned jobs = 0;
  Conventions conv;
};

int run_status_command(const StatusCliOptions& o) {
  core::status::StatusOptions so;
  so.mounts_file = o.mounts;
  so.jobs = o.jobs;
  so.tool_version = EROFS_SHARE_VERSION;
  for (const std::string& d : o.domains) {
    const std::size_t eq = d.rfind('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == d.size())
      throw core::UsageError(fmt::format("--domain {}: expected MOUNTPOINT=NAME", d));
    so.domains.emplace_back(d.substr(0, eq), d.substr(eq + 1));
  }
  core::util::OutputGuard guard;
  if (!o.mounts.empty()) guard.input(o.mounts, "--mounts");
  for (const std::string& p : core::status::source_paths(so)) guard.input(p, "mounted image");
  guard.output(o.output, "-o");
  core::util::OutputFile out(o.output);
  ProgressLine progress(o.conv.show_progress());
  if (o.conv.show_progress())
    so.progress = [&progress](const std::string& phase, core::u64 done, core::u64 total) {
      progress.update(phase, done, total, 0, 0, "files");
    };
  const core::status::StatusReport r = core::status::run_status(so);
  progress.clear();
  out.write(o.format == "json" ? core::status::render_json(r) : core::status::render_text(r));
  out.commit();
  return core::status::exit_status(r);
}

}  // namespace

void setup_status(CLI::App& app, int& status) {
  auto opt = std::make_shared<StatusCliOptions>();
  auto* sub = app.add_subcommand(
      "status", "Show what the EROFS mounts of this host share now: options, sources, resident and saved pages");
  sub->add_option("--format", opt->format, "Output format: text or json")
      ->type_name("FORMAT")
      ->check(CLI::IsMember({"text", "json"}));
  sub->add_option("--mounts", opt->mounts, "Read mounts from this mountinfo-format file [/proc/self/mountinfo]")
      ->type_name("FILE");
  sub->add_option("--domain", opt->domains,
                  "MOUNTPOINT=NAME: the domain_id of the inode_share mount at MOUNTPOINT (the kernel does not show "
                  "it; repeat)")
      ->type_name("MOUNTPOINT=NAME")
      ->allow_extra_args(false);
  sub->add_option("-o,--output", opt->output, "Write the report to this file instead of standard output")
      ->type_name("FILE");
  sub->add_option("-j,--jobs", opt->jobs, "Threads for hashing file contents [all cores]");
  add_conventions(*sub, opt->conv);
  sub->footer("Needs root. Residency is measured with mmap + mincore through the mounted files: no file data is\n"
              "read and no page is faulted in. Exit status: 0 report written, 1 report written but a\n"
              "filesystem could not be read or a file not measured, 2 usage error, not root, no EROFS mount,\n"
              "or a kernel without inode_share. JSON output follows share/schema/status.schema.json.\n"
              "Examples:\n"
              "  erofs-share status\n"
              "  erofs-share status --domain /mnt/app=web --domain /mnt/base=web --format json -o now.json");
  sub->callback([opt, &status] { status = run_status_command(*opt); });
}

}  // namespace cli
