// `erofs-share lint`: turn options into a policy, make one core::lint::lint call, render the
// report and map it to the exit status (0 clean, 1 findings at/above the threshold, 2 input).
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/conventions.hpp"
#include "core/android/inputs.hpp"
#include "core/container/erofs_inputs.hpp"
#include "core/lint/baseline.hpp"
#include "core/lint/config.hpp"
#include "core/lint/lint.hpp"
#include "core/lint/render.hpp"
#include "core/util/display.hpp"
#include "core/util/error.hpp"
#include "core/util/output_file.hpp"
#include "core/util/output_guard.hpp"

namespace cli {

namespace {

struct LintOptions {
  std::vector<std::string> images;
  std::vector<std::string> devices;
  std::string format = "text";
  std::string output;
  bool list_rules = false;
  bool no_verify = false;
  unsigned jobs = 0;
  std::string min_kernel;
  std::string threshold;
  std::string show;
  std::vector<std::string> enable;
  std::vector<std::string> disable;
  std::string config;
  bool no_config = false;
  std::string baseline;
  std::string write_baseline;
  bool show_suppressed = false;
  std::string platform = "linux/amd64";
  Conventions conv;
};

// The config file of the run: --config FILE, else the discovered .erofs-share.toml (none
// with --no-config). "" for none.
std::string config_file(const LintOptions& o) {
  if (o.no_config) return "";
  if (!o.config.empty()) return o.config;
  return core::lint::discover_config(std::filesystem::current_path()).value_or("");
}

// Before any work: no output is an image, a device, the config or the baseline; only
// --write-baseline may replace --baseline (that is how a baseline is updated).
void check_files(const LintOptions& o, const std::string& config) {
  core::util::OutputGuard guard;
  for (const auto& image : o.images) {
    // oci:DIR and the other container inputs name a directory or an archive.
    core::container::GuardedPath g = core::container::guarded_path(image);
    if (auto member = core::android::split_member(image)) g = {member->first, false};  // super.img:system_a
    if (g.tree) {
      guard.input_or_tree(g.path);
      guard.forbid_outputs_in_trees();  // no report inside the layout or node being read
    } else {
      guard.input(g.path, "input");
    }
  }
  for (const auto& d : o.devices) guard.input(d, "--device");
  guard.input(config, "--config");
  guard.input(o.baseline, "--baseline");
  guard.output(o.output, "-o");
  guard.output(o.write_baseline, "--write-baseline", core::util::OutputKind::report, "--baseline");
}

// `what` without `name: ` in front (the report names the input separately).
std::string without_name(const std::string& name, const std::string& what) {
  const std::string prefix = name + ": ";
  return what.starts_with(prefix) ? what.substr(prefix.size()) : what;
}

// The lint inputs: image files as given, container inputs as their EROFS layers (bytes held by
// `held`), each checked against its digest first. A tar layer is a note; a container that
// cannot be read, or holds no EROFS layer, or a layer whose digest is wrong, is an input error.
// The images of an Android input (a sparse image, super.img or zip; core/android): all of them,
// or the one "FILE:NAME" names. Bytes held by `held`. False if `text` is no Android input.
bool android_inputs(const std::string& text, std::vector<core::android::Opened>& held,
                    std::vector<core::lint::LintInput>& out, std::vector<std::string>& notes) {
  namespace android = core::android;
  using core::lint::LintInput;
  std::string file = text, member;
  if (auto split = android::split_member(text)) {
    file = split->first;
    member = file + ":" + split->second;
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec) || android::detect(file) == android::Kind::none) return false;
  try {
    held.push_back(android::open_android(file, {}, member));
  } catch (const core::IoError&) {
    throw;
  } catch (const core::Error& e) {
    out.push_back(LintInput::failed(text, without_name(file, e.what())));
    return true;
  }
  const android::Opened& in = held.back();
  bool any = false;
  for (const android::Member& m : in.members) {
    if (!member.empty() && m.name != member) continue;
    out.emplace_back(m.name, m.bytes);
    any = true;
  }
  for (const android::Skipped& s : in.skipped)
    if (member.empty() || s.name == member) notes.push_back(fmt::format("{}: not linted, {}", s.name, s.reason));
  if (any) return true;
  std::string why = member.empty() ? "no EROFS image in it" : "no EROFS image of that name in it";
  for (const android::Skipped& s : in.skipped)
    if (!member.empty() && s.name == member) why = s.reason;
  out.push_back(LintInput::failed(text, why));
  return true;
}

std::vector<core::lint::LintInput> expand_inputs(const LintOptions& o, std::vector<core::container::ErofsInputs>& held,
                                                 std::vector<core::android::Opened>& android_held,
                                                 std::vector<std::string>& notes) {
  namespace container = core::container;
  using core::lint::LintInput;
  std::vector<LintInput> out;
  container::OpenOptions open;
  open.platform = o.platform;
  for (const std::string& text : o.images) {
    // With --device the input is an EROFS image file.
    if (o.devices.empty() && android_inputs(text, android_held, out, notes)) continue;
    std::optional<container::ContainerSpec> spec;
    try {
      // With --device the input is an image file (as in scan), unless a transport says otherwise.
      spec = o.devices.empty() ? container::container_input(text) : container::parse_transport(text);
      if (spec && !o.devices.empty()) throw core::UsageError("--device is for EROFS image files, not container inputs");
      if (spec) held.push_back(container::open_erofs_inputs(*spec, open));
    } catch (const core::UsageError&) {
      throw;
    } catch (const core::Error& e) {
      out.push_back(LintInput::failed(text, without_name(text, e.what())));
      continue;
    }
    if (!spec) {
      out.emplace_back(text);
      continue;
    }
    const container::ErofsInputs& in = held.back();
    for (const container::SkippedLayer& s : in.skipped)
      notes.push_back(fmt::format("{}: not linted, {}", s.name, s.reason));
    if (in.layers.empty()) out.push_back(LintInput::failed(text, without_name(text, container::no_erofs_layers(in))));
    for (const container::ErofsLayer& layer : in.layers) {
      const std::string& name = layer.layer.name;
      try {
        container::verify(layer);
        out.emplace_back(name, layer.layer.blob.bytes());
      } catch (const core::Error& e) {
        out.push_back(LintInput::failed(name, without_name(name, e.what())));
      }
    }
  }
  return out;
}

core::lint::Policy make_policy(const LintOptions& o, const std::string& config) {
  namespace lint = core::lint;
  lint::Policy p;
  if (!config.empty()) lint::apply_config(config, p);
  if (!o.threshold.empty()) p.threshold = *lint::parse_threshold(o.threshold);
  if (!o.min_kernel.empty()) {
    auto k = lint::parse_kernel_version(o.min_kernel);
    if (!k) throw core::UsageError(fmt::format("--min-kernel: '{}' is not a version such as 6.12", o.min_kernel));
    p.settings.min_kernel = *k;
  }
  if (o.no_verify) p.settings.verify = false;
  if (o.jobs) p.settings.jobs = o.jobs;
  p.settings.devices = o.devices;
  for (const auto& id : o.enable) p.set_enabled(id, true);
  for (const auto& id : o.disable) p.set_enabled(id, false);  // --disable wins over --enable
  if (!o.baseline.empty()) p.baseline = o.baseline;
  return p;
}

int run_lint(const LintOptions& o) {
  namespace lint = core::lint;
  const lint::Format format = *lint::parse_format(o.format);
  const std::string config = o.list_rules ? "" : config_file(o);
  check_files(o, config);
  // Opened before the work, so a directory that takes no file fails now.
  core::util::OutputFile out(o.output);
  if (o.list_rules) {
    out.write(lint::render_rules(format));
    out.commit();
    return 0;
  }
  if (o.images.empty()) throw core::UsageError("lint: at least one IMAGE is required (see --help)");
  lint::LintRequest req;
  std::vector<core::container::ErofsInputs> containers;  // the layers' bytes, mapped while linting
  std::vector<core::android::Opened> android;
  req.images = expand_inputs(o, containers, android, req.notes);
  req.policy = make_policy(o, config);
  if (!config.empty()) req.notes.insert(req.notes.begin(), "config: " + config);
  req.show_suppressed = o.show_suppressed;
  if (!o.show.empty()) req.show = *lint::parse_severity(o.show);
  req.write_baseline = o.write_baseline;
  ProgressLine progress(o.conv.show_progress());  // the phase only: lint reports no counts
  progress.update("linting", 0, req.images.size(), 0, 0, "images");
  const lint::LintReport rep = lint::lint(req);
  progress.clear();
  if (rep.baseline_out) {  // temp file + rename: a failed run leaves the old baseline as it was
    core::util::OutputFile baseline(o.write_baseline);
    baseline.write(rep.baseline_out->document);
    baseline.commit();
  }

  std::string text = lint::render(rep, format, EROFS_SHARE_VERSION);
  if (format == lint::Format::json && !rep.input_errors.empty()) {
    // An input that could not be read fails the run: the report says so in the "error" object
    // every --format json failure has (erofs-share(1) CONVENTIONS), next to the other inputs.
    nlohmann::json doc = nlohmann::json::parse(text);
    const lint::InputError& first = rep.input_errors.front();
    doc["error"] = {{"message", fmt::format("{}: {}", first.input, first.error)},
                    {"kind", "input"},
                    {"exit_status", rep.exit_status()},
                    {"command", "lint"}};
    text = doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  out.write(format == lint::Format::text ? color_lint_text(text, o.conv.use_color(out.fd())) : text);
  out.commit();
  for (const lint::InputError& e : rep.input_errors)
    fmt::print(stderr, "erofs-share: {}: {}\n", core::util::display(e.input), core::util::display(e.error));
  return rep.exit_status();
}

}  // namespace

void setup_lint(CLI::App& app, int& status) {
  auto opt = std::make_shared<LintOptions>();
  auto* sub = app.add_subcommand("lint", "Check fingerprinted images for what breaks or wastes page-cache sharing");
  sub->add_option("IMAGE", opt->images,
                  "EROFS images, checked together (cross-image rules compare them); a container input "
                  "(oci:DIR[:REF], oci-archive:FILE[:REF], docker-archive:FILE, or such a path) is linted as its "
                  "EROFS layers")
      ->type_name("IMAGE");
  sub->add_option("--device", opt->devices,
                  "Extra device file of the (single) IMAGE, in device-table order (repeat for each), so data stored "
                  "on it can be verified")
      ->type_name("FILE")
      ->allow_extra_args(false);  // one value per use, so `--device D IMAGE` leaves IMAGE alone
  sub->add_option("--format", opt->format, "Output format")
      ->type_name("FORMAT")
      ->check(CLI::IsMember({"text", "json", "sarif", "junit", "github", "gitlab"}));
  sub->add_option("-o,--output", opt->output, "Write the report to FILE instead of standard output")->type_name("FILE");
  sub->add_flag("--list-rules", opt->list_rules, "Print the rule table (id, default severity, description) and exit");
  sub->add_flag("--no-verify", opt->no_verify, "Metadata only: do not check fingerprints against file content");
  sub->add_option("-j,--jobs", opt->jobs, "Threads for content verification (default: one per CPU)")->type_name("N");
  sub->add_option("--min-kernel", opt->min_kernel, "Oldest Linux the images must mount on (default 7.0)")
      ->type_name("VERSION");
  sub->add_option("--severity-threshold", opt->threshold,
                  "Lowest severity that makes the exit status 1 (default warning)")
      ->type_name("SEVERITY")
      ->check(CLI::IsMember({"error", "warning", "info", "none"}));
  sub->add_option("--show", opt->show,
                  "Lowest severity listed in the report, in every format (default info: all); findings below it "
                  "are hidden but still count for --severity-threshold and the exit status")
      ->type_name("SEVERITY")
      ->check(CLI::IsMember({"error", "warning", "info"}));
  sub->add_option("--enable", opt->enable, "Turn a rule on (repeat for more)")
      ->type_name("RULE")
      ->allow_extra_args(false);
  sub->add_option("--disable", opt->disable, "Turn a rule off (repeat for more; wins over --enable)")
      ->type_name("RULE")
      ->allow_extra_args(false);
  auto* config = sub->add_option("--config", opt->config,
                                 "TOML config file to use instead of the discovered .erofs-share.toml (nearest in the "
                                 "current directory or a parent, up to the repository root; see "
                                 "share/lint/default-config.toml)")
                     ->type_name("FILE");
  sub->add_flag("--no-config", opt->no_config, "Read no config file (no discovery)")->excludes(config);
  sub->add_option("--baseline", opt->baseline, "JSON file of accepted findings, each with a reason and optional expiry")
      ->type_name("FILE");
  sub->add_option("--write-baseline", opt->write_baseline,
                  "Also write a baseline accepting the current findings to FILE, keeping the entries of --baseline (or "
                  "of the baseline already in FILE) that still match")
      ->type_name("FILE");
  sub->add_option("--platform", opt->platform,
                  "OS/ARCH[/VARIANT]: the image chosen from multi-platform indexes of container inputs [linux/amd64]")
      ->type_name("PLATFORM");
  sub->add_flag("--show-suppressed", opt->show_suppressed, "Report findings the baseline accepts too (marked)");
  add_conventions(*sub, opt->conv);
  sub->footer("Exit status: 0 clean, 1 findings at or above the threshold, 2 usage error or unreadable input.\n"
              "Examples:\n  erofs-share lint base.erofs app.erofs\n"
              "  erofs-share lint --format sarif -o lint.sarif --baseline lint-baseline.json *.erofs\n"
              "  erofs-share lint oci:app-layout\n"
              "  erofs-share lint --list-rules");
  sub->callback([opt, &status] { status = run_lint(*opt); });
}

}  // namespace cli
