// `erofs-share smoke`: turn options into one core::smoke::run_smoke call and render the
// report as text or JSON.
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/conventions.hpp"
#include "core/smoke/locate.hpp"
#include "core/smoke/process.hpp"
#include "core/smoke/render.hpp"
#include "core/smoke/smoke.hpp"
#include "core/util/display.hpp"
#include "core/util/error.hpp"
#include "core/util/output_guard.hpp"

namespace cli {

namespace {

struct SmokeCliOptions {
  std::vector<std::string> images;
  std::vector<std::string> devices;  // IMAGE=FILE
  std::string kernel;
  std::string modules;
  bool debian_kernel = false;
  std::string format = "text";
  std::string mkfs;
  std::string probe;
  std::string busybox = "/bin/busybox";
  std::string qemu = "qemu-system-x86_64";
  std::string accel = "auto";
  double timeout = 300;
  std::string work_dir;
  unsigned max_observations = 64;
  Conventions conv;
};

// Runs a project script that prints `export VAR=...` lines and returns the values of `vars`,
// one per line. Its progress messages (stderr) are passed on unless quiet.
std::vector<std::string> script_exports(const std::string& name, const std::vector<std::string>& script_args,
                                        const std::vector<std::string>& vars, bool quiet) {
  const std::string script = core::smoke::locate_script(core::smoke::self_executable("erofs-share"), name);
  if (script.empty())
    throw core::UsageError(fmt::format("scripts/{} not found (set EROFS_SHARE_SCRIPTS to its directory)", name));
  std::string printf_args;
  for (const std::string& v : vars) printf_args += " \"$" + v + "\"";
  // `eval "$(bash SCRIPT)"` would hide the script's exit status (eval of nothing succeeds).
  std::vector<std::string> argv = {"bash", "-c",
                                   "s=$1; shift; out=$(bash \"$s\" \"$@\") || exit; eval \"$out\" || exit; "
                                   "printf '%s\\n'" + printf_args,
                                   "erofs-share", script};
  argv.insert(argv.end(), script_args.begin(), script_args.end());
  const char* tmp = std::getenv("TMPDIR");
  auto r = core::smoke::run_process(argv, tmp && *tmp ? tmp : "/tmp", 3600);
  if (!quiet && !r.err.empty()) fmt::print(stderr, "{}", r.err);
  std::vector<std::string> values;
  size_t pos = 0;
  while (values.size() < vars.size()) {
    size_t nl = r.out.find('\n', pos);
    if (nl == std::string::npos) break;
    values.push_back(r.out.substr(pos, nl - pos));
    pos = nl + 1;
  }
  if (r.exit_code != 0 || values.size() != vars.size() || values.front().empty())
    throw core::UsageError(fmt::format("{} failed (exit {})", script, r.exit_code));
  return values;
}

int run_smoke_command(SmokeCliOptions o) {
  // Before any work: --work-dir (created if missing) is no input, nor inside one's directory.
  core::util::OutputGuard guard;
  for (const auto& image : o.images) guard.input(image, "IMAGE");
  guard.output_dir(o.work_dir, "--work-dir");
  if (o.debian_kernel) {
    if (!o.kernel.empty() || !o.modules.empty())
      throw core::UsageError("--debian-kernel cannot be combined with --kernel/--modules");
    auto v = script_exports("debian-kernel.sh", {}, {"EROFS_SHARE_KERNEL", "EROFS_SHARE_MODULES"}, o.conv.quiet);
    o.kernel = v[0];
    o.modules = v[1];
  }
  if (o.kernel.empty() && o.modules.empty()) {
    const char* k = std::getenv("EROFS_SHARE_KERNEL");
    const char* m = std::getenv("EROFS_SHARE_MODULES");
    if (k && *k && m && *m) {
      o.kernel = k;
      o.modules = m;
    }
  }
  if (o.kernel.empty() || o.modules.empty())
    throw core::UsageError("smoke needs a kernel: --kernel VMLINUZ --modules DIR, or --debian-kernel");
  // The generated set needs mkfs.erofs >= 1.9: the project's script provides it (cached).
  const char* mkfs19 = std::getenv("MKFS_EROFS_19");
  if (o.images.empty() && o.mkfs.empty() && !(mkfs19 && *mkfs19))
    o.mkfs = script_exports("erofs-utils.sh", {}, {"MKFS_EROFS_19"}, o.conv.quiet)[0];
  core::smoke::SmokeOptions so;
  so.kernel = o.kernel;
  so.modules = o.modules;
  so.images = o.images;
  so.devices.resize(o.images.size());
  for (const auto& d : o.devices) {
    // IMAGE=FILE: IMAGE must be one of the IMAGE arguments (tried at every '=', paths may hold one).
    bool found = false;
    for (std::size_t eq = d.find('='); eq != std::string::npos && !found; eq = d.find('=', eq + 1))
      for (std::size_t i = 0; i < o.images.size(); ++i)
        if (o.images[i] == d.substr(0, eq)) {
          so.devices[i].push_back(d.substr(eq + 1));
          found = true;
        }
    if (!found)
      throw core::UsageError(fmt::format("--device {}: expected IMAGE=FILE with IMAGE one of the IMAGE arguments", d));
  }
  so.probe = o.probe.empty() ? core::smoke::locate_probe(core::smoke::self_executable("erofs-share")) : o.probe;
  so.status_exe = core::smoke::self_executable("erofs-share");
  so.busybox = o.busybox;
  so.qemu = o.qemu;
  so.mkfs = o.mkfs;
  so.work_dir = o.work_dir;
  so.timeout_seconds = o.timeout;
  so.max_observations = o.max_observations;
  if (o.accel == "kvm") so.accel = core::smoke::Accel::kvm;
  if (o.accel == "tcg") so.accel = core::smoke::Accel::tcg;
  // Its steps: the phase of the progress line, else one line each (unless -q).
  auto progress = std::make_shared<ProgressLine>(o.conv.show_progress());
  if (o.conv.show_progress())
    so.progress = [progress](const std::string& msg) { progress->phase(core::util::display(msg)); };
  else if (!o.conv.quiet)
    so.progress = [](const std::string& msg) {
      fmt::print(stderr, "erofs-share smoke: {}\n", core::util::display(msg));
    };

  core::smoke::SmokeReport r = core::smoke::run_smoke(so);
  progress->clear();
  if (o.format == "json") {
    nlohmann::json j = core::smoke::to_json(r);
    j["tool"] = tool_json();
    fmt::print("{}\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  if (!r.cannot_run.empty()) {
    std::fflush(stdout);
    fmt::print(stderr, "erofs-share: smoke cannot run ({}): {}\n", r.cannot_run, core::util::display(r.message));
    return 2;
  }
  if (o.format == "text") fmt::print("{}", core::smoke::render_text(r));
  return core::smoke::exit_status(r);
}

}  // namespace

void setup_smoke(CLI::App& app, int& status) {
  auto opt = std::make_shared<SmokeCliOptions>();
  auto* sub = app.add_subcommand(
      "smoke", "Prove in QEMU, on a real kernel, that inode page-cache sharing works for given images");
  sub->add_option("IMAGE", opt->images,
                  "EROFS images to check (attached read-only as virtio disks); none: build and check a generated set");
  sub->add_option("--device", opt->devices,
                  "IMAGE=FILE: an extra device of IMAGE, in device-table order (repeat); attached as a further "
                  "virtio disk and passed to every mount of IMAGE as -o device=")
      ->type_name("IMAGE=FILE")
      ->allow_extra_args(false);  // one value per use, so IMAGEs after it stay positional
  sub->add_option(
         "--kernel", opt->kernel,
         "Kernel image (vmlinuz) to boot; needs --modules (both default to $EROFS_SHARE_KERNEL, $EROFS_SHARE_MODULES)")
      ->type_name("VMLINUZ");
  sub->add_option("--modules", opt->modules,
                  "That kernel's module tree (lib/modules/RELEASE): erofs, virtio_blk and their dependencies are "
                  "taken from it (.ko, .ko.xz or .ko.zst)")
      ->type_name("DIR");
  sub->add_flag("--debian-kernel", opt->debian_kernel,
                "Fetch (once, cached) Debian's newest cloud kernel >= 7.0 with scripts/debian-kernel.sh and use it");
  sub->add_option("--format", opt->format, "Output format: text or json")
      ->type_name("FORMAT")
      ->check(CLI::IsMember({"text", "json"}));
  sub->add_option("--mkfs", opt->mkfs,
                  "mkfs.erofs >= 1.9 for the generated set (default: $MKFS_EROFS_19, else scripts/erofs-utils.sh "
                  "builds it, cached)")
      ->type_name("PATH");
  sub->add_option("--probe", opt->probe, "The static probe run in the guest (default: next to erofs-share)")
      ->type_name("PATH");
  sub->add_option("--busybox", opt->busybox, "Static busybox for the guest's /init")
      ->type_name("PATH")
      ->capture_default_str();
  sub->add_option("--qemu", opt->qemu, "QEMU system emulator")->type_name("PATH")->capture_default_str();
  sub->add_option("--accel", opt->accel, "Accelerator: auto (KVM if usable, else TCG), kvm or tcg")
      ->type_name("ACCEL")
      ->check(CLI::IsMember({"auto", "kvm", "tcg"}))
      ->capture_default_str();
  sub->add_option("--timeout", opt->timeout, "Seconds the VM may run before it is killed")
      ->type_name("SECONDS")
      ->check(CLI::Range(1.0, 86400.0).description("in [1 - 86400]"))
      ->capture_default_str();
  sub->add_option("--work-dir", opt->work_dir, "Keep the generated images, initramfs and plan in DIR")
      ->type_name("DIR");
  sub->add_option("--max-observations", opt->max_observations, "Cap on the twin observations checked against the model")
      ->type_name("N")
      ->check(CLI::Range(0u, 100000u).description("in [0 - 100000]"))
      ->capture_default_str();
  add_conventions(*sub, opt->conv);
  sub->footer("Each scenario is a verdict with evidence: same_domain_shares, other_domain_does_not,\n"
              "no_inode_share_does_not, compressed_vs_uncompressed_does_not, size_mismatch_does_not,\n"
              "content_matches_fingerprint, domain_id_required, forged_fingerprint_serves_other_bytes.\n"
              "Sharing is observed as in erofs-format.md 6.7: drop caches, read a file through one mount,\n"
              "then mmap + mincore its twin through another (never read): all pages resident = shared.\n"
              "Every such observation is also predicted by scan's model; the agreement is reported.\n"
              "With the generated set, erofs-share status then runs in the guest (status_reports_mounts,\n"
              "status_saved_matches_meminfo, status_reasons_right, status_keeps_residency).\n"
              "Exit status: 0 every scenario as expected and 100% agreement, 1 otherwise, 2 cannot run\n"
              "(no qemu, no busybox, no erofs in the kernel, kernel without inode_share) or bad input.\n"
              "JSON output follows share/schema/smoke.schema.json (\"schema_version\": 1).\n"
              "Examples:\n"
              "  erofs-share smoke --debian-kernel                      # generated set, Debian >= 7.0 kernel\n"
              "  erofs-share smoke --debian-kernel base.erofs app.erofs # your images, one domain\n"
              "  erofs-share smoke --debian-kernel --device meta.erofs=base.erofs meta.erofs app.erofs  # a sidecar\n"
              "  eval \"$(bash scripts/debian-kernel.sh --bookworm)\"\n"
              "  erofs-share smoke --kernel \"$EROFS_SHARE_KERNEL\" --modules \"$EROFS_SHARE_MODULES\"   # exits 2");
  sub->callback([opt, &status] { status = run_smoke_command(*opt); });
}

}  // namespace cli
