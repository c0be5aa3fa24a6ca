// `erofs-share scan`: turn options into one core::scan::scan call and render the report.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/conventions.hpp"
#include "core/android/inputs.hpp"
#include "core/container/container.hpp"
#include "core/container/erofs_inputs.hpp"
#include "core/scan/gate.hpp"
#include "core/scan/render.hpp"
#include "core/scan/residency.hpp"
#include "core/scan/scan.hpp"
#include "core/util/display.hpp"
#include "core/util/error.hpp"
#include "core/util/output_file.hpp"
#include "core/util/output_guard.hpp"

namespace cli {

namespace {

struct ScanOptions {
  std::vector<std::string> inputs;
  std::vector<std::string> devices;
  std::vector<std::string> domains;
  std::vector<std::string> mount_modes;
  std::string assume = "order";
  unsigned page_size = 4096;
  std::string format = "text";
  std::string output;
  std::size_t top = 0;
  unsigned jobs = 0;
  bool verify_all = false;
  bool trust_fingerprints = false;
  std::string manifest_out;
  std::string manifest_cache;
  std::string tree_class = "uncompressed";
  Conventions conv;
  bool keep_going = false;
  std::string platform = "linux/amd64";
  std::string layer_mkfs_options;
  core::u64 max_layer_entries = core::container::Limits{}.max_layer_entries;
  std::vector<std::string> fail_if;  // --fail-if RULE (core/scan/gate.hpp)
  std::string baseline;              // --baseline FILE
  std::string resident;                     // --resident FILE (core/scan/residency.hpp)
  std::vector<std::string> resident_roots;  // --resident-root MOUNTPOINT=INPUT
  std::size_t drift_rows = 20;       // --drift-rows N (0 = all)
  std::string csv_table;             // --csv-table groups|drift-paths|drift-prefixes ("": groups)
};

// "INPUT=VALUE" split at the last '=' (paths may hold '=' more often than names do).
std::pair<std::string, std::string> split_setting(const std::string& s) {
  std::size_t eq = s.rfind('=');
  if (eq == std::string::npos) return {"", s};
  return {s.substr(0, eq), s.substr(eq + 1)};
}

core::scan::MountMode mount_mode(const std::string& word, const std::string& option) {
  auto m = core::scan::parse_mount_mode(word);
  if (!m) throw core::UsageError(fmt::format("--mount-mode {}: expected block or fileio", option));
  return *m;
}

// Before any work: no output (-o, each manifest --manifest-out would write) is an input or
// a device of one, and --manifest-out is not inside an input tree (output_guard.hpp).
void check_files(const core::scan::ScanOptions& s, const ScanOptions& o) {
  core::util::OutputGuard guard;
  std::vector<std::string> names;
  for (const auto& in : s.inputs) {
    // oci:DIR[:REF] and the other transports name a directory or archive.
    // "super.img:system_a" (an image inside an Android input): the file is what is read.
    const auto member = core::android::split_member(in.path);
    guard.input_or_tree(member ? member->first : core::container::guarded_path(in.path).path);
    for (const auto& d : in.devices) guard.input(d, "--device");
    names.push_back(in.path);
  }
  if (!o.manifest_out.empty()) {
    guard.output_dir(o.manifest_out, "--manifest-out");
    std::error_code ec;
    if (std::filesystem::is_directory(o.manifest_out, ec)) {  // else it is made new: nothing to clash with
      for (const std::string& file : core::scan::manifest_names(names))
        guard.output((std::filesystem::path(o.manifest_out) / file).string(), "--manifest-out");
    }
  }
  if (!o.manifest_cache.empty()) guard.output_dir(o.manifest_cache, "--manifest-cache");
  if (!o.baseline.empty()) guard.input(o.baseline, "--baseline");
  if (!o.resident.empty()) guard.input(o.resident, "--resident");
  guard.output(o.output, "-o");
}

int run_scan(const ScanOptions& o) {
  core::scan::ScanOptions s;
  for (const auto& path : o.inputs) s.inputs.push_back({path, {}});
  for (const auto& d : o.devices) {
    // IMAGE=FILE: IMAGE must be one of the inputs (tried at every '=', paths may hold one).
    bool found = false;
    for (std::size_t eq = d.find('='); eq != std::string::npos && !found; eq = d.find('=', eq + 1)) {
      for (auto& in : s.inputs) {
        if (in.path == d.substr(0, eq)) {
          in.devices.push_back(d.substr(eq + 1));
          found = true;
        }
      }
    }
    if (!found) throw core::UsageError(fmt::format("--device {}: expected IMAGE=FILE with IMAGE one of the inputs", d));
  }
  for (const auto& d : o.domains) {
    auto [input, name] = split_setting(d);
    if (name.empty()) throw core::UsageError(fmt::format("--domain {}: the domain name is empty", d));
    if (input.empty())
      s.default_domain = name;
    else
      s.domains.emplace_back(input, name);
  }
  for (const auto& m : o.mount_modes) {
    auto [input, word] = split_setting(m);
    if (input.empty())
      s.default_mount_mode = mount_mode(word, m);
    else
      s.mount_modes.emplace_back(input, mount_mode(word, m));
  }
  s.model.page_size = o.page_size;
  s.model.assume = o.assume == "best" ? core::scan::Assume::best : core::scan::Assume::order;
  s.model.verify_all = o.verify_all;
  s.model.trust_fingerprints = o.trust_fingerprints;
  s.jobs = o.jobs;
  s.tree_storage = o.tree_class == "compressed" ? core::scan::Storage::compressed : core::scan::Storage::uncompressed;
  s.manifest_out = o.manifest_out;
  s.keep_going = o.keep_going;
  s.manifest_cache = o.manifest_cache;
  s.tool_version = EROFS_SHARE_VERSION;
  core::scan::ManifestCacheStats cache_stats;
  s.cache_stats = &cache_stats;
  s.platform = o.platform;
  s.layer_mkfs_options = o.layer_mkfs_options;
  s.container_limits.max_layer_entries = o.max_layer_entries;
  // The gate's rules and baseline are checked before any work.
  std::vector<core::scan::GateRule> rules;
  for (const auto& text : o.fail_if) {
    rules.push_back(core::scan::parse_gate_rule(text));
    if (rules.back().kind == core::scan::GateKind::lost_above && o.baseline.empty())
      throw core::UsageError(fmt::format("--fail-if {}: needs --baseline FILE", text));
  }
  std::optional<core::scan::Baseline> baseline;
  if (!o.baseline.empty()) baseline = core::scan::read_baseline(o.baseline);
  if (!o.csv_table.empty() && o.format != "csv") throw core::UsageError("--csv-table: needs --format csv");
  s.drift_rows = o.drift_rows;
  check_files(s, o);
  // --resident: read and checked before the work; matched to the inputs by the model.
  std::optional<core::scan::Residency> resident;
  if (!o.resident.empty()) {
    resident = core::scan::read_residency(o.resident, o.page_size);
    for (const auto& root : o.resident_roots) resident->roots.push_back(core::scan::parse_resident_root(root));
    s.resident = &*resident;
  } else if (!o.resident_roots.empty()) {
    throw core::UsageError("--resident-root: needs --resident FILE");
  }
  // Opened before the work, so a directory that takes no file fails now.
  core::util::OutputFile out(o.output);
  // Text and HTML show the top groups only: the model then builds no other group rows. JSON and
  // CSV list every group unless --top says otherwise.
  const std::size_t top = o.format == "html" ? (o.top ? o.top : 20) : o.format == "text" ? (o.top ? o.top : 10) : o.top;
  s.group_rows = top;
  auto progress = std::make_unique<ProgressLine>(o.conv.show_progress());
  if (o.conv.show_progress())
    s.progress = [p = progress.get()](const core::scan::Progress& x) {
      p->update(x.phase, x.files_done, x.files_total, x.bytes_done, x.bytes_total);
    };

  core::scan::Report report = core::scan::scan(s);
  report.command_line = command_line();
  progress.reset();
  // --manifest-cache: why an entry was not used, and (one line) what the run read.
  if (!o.manifest_cache.empty() && !o.conv.quiet) {
    for (const auto& note : cache_stats.notes) fmt::print(stderr, "erofs-share: {}\n", core::util::display(note));
    fmt::print(stderr, "erofs-share: manifest cache: {} hit(s), {} miss(es), {} bytes of images and {} bytes of file data read\n",
               cache_stats.hits, cache_stats.misses, cache_stats.image_bytes_hashed, cache_stats.file_bytes_read);
  }

  const core::scan::GateOutcome gate = core::scan::run_gate(rules, report, baseline ? &*baseline : nullptr);
  const bool gated = !rules.empty() || baseline;  // JSON "gate" only when asked for

  // JSON and CSV stream (a fleet report can be large); text and HTML show the top groups.
  auto write = [&out](std::string_view piece) { out.write(piece); };
  if (o.format == "json") {
    core::scan::write_json(report, top, write, gated ? &gate : nullptr);
  } else if (o.format == "csv") {
    if (o.csv_table == "drift-paths")
      core::scan::write_csv_drift_paths(report, write);
    else if (o.csv_table == "drift-prefixes")
      core::scan::write_csv_drift_prefixes(report, write);
    else
      core::scan::write_csv(report, top, write);
  } else if (o.format == "html") {
    write(core::scan::render_html(report, top));
  } else {
    write(color_scan_text(core::scan::render_text(report, top), o.conv.use_color(out.fd())));
  }
  out.commit();
  // --keep-going: the report is written; the inputs left out are also said on stderr, and the
  // exit status says the report is not of every input.
  for (const auto& e : report.input_errors) fmt::print(stderr, "erofs-share: {}\n", core::util::display(e.error));
  // --baseline and --fail-if: after the report, one line each; a failed rule exits 1.
  if (gate.baseline) fmt::print(stderr, "erofs-share: {}\n", core::util::display(core::scan::describe(*gate.baseline)));
  for (const auto& r : gate.rules)
    if (r.failed) fmt::print(stderr, "erofs-share: --fail-if {}: {}\n", core::util::display(r.rule), r.message);
  // Done: end the process here. Freeing every record and path of a large scan one by one takes
  // longer than the operating system needs to drop the whole address space.
  std::fflush(stderr);
  std::_Exit(report.input_errors.empty() && !gate.failed() ? 0 : 1);
}

}  // namespace

void setup_scan(CLI::App& app, int& status) {
  auto opt = std::make_shared<ScanOptions>();
  auto* sub = app.add_subcommand("scan", "Measure the page cache inode sharing saves across images, and what blocks it");
  sub->add_option("INPUT", opt->inputs,
                  "EROFS image, directory tree, tar archive (plain or compressed), manifest of an earlier scan, or a "
                  "container input: oci:DIR[:REF], oci-archive:FILE[:REF], docker-archive:FILE[:REF], containerd:ROOT "
                  "(also detected without the prefix)")
      ->required();
  // Repeatable options take one value per occurrence, so INPUTs after them stay positional.
  sub->add_option("--device", opt->devices, "IMAGE=FILE: an extra device of IMAGE, in device-table order (repeat)")
      ->type_name("IMAGE=FILE")
      ->allow_extra_args(false);
  sub->add_option("--domain", opt->domains,
                  "INPUT=NAME: mount INPUT with domain_id NAME; a bare NAME sets the default (\"default\")")
      ->allow_extra_args(false);
  sub->add_option("--mount-mode", opt->mount_modes,
                  "block or fileio, or INPUT=MODE: uncompressed data on a block/loop device or file-backed [block]")
      ->allow_extra_args(false);
  sub->add_option("--assume", opt->assume,
                  "order: the first copy in command-line order fixes a content's I/O class; best: the best class")
      ->check(CLI::IsMember({"order", "best"}));
  sub->add_option("--page-size", opt->page_size, "Page size the cache is counted in [4096]");
  sub->add_option("--format", opt->format, "Output format [text]")->check(CLI::IsMember({"text", "json", "csv", "html"}));
  sub->add_option("-o,--output", opt->output, "Write the report to this file instead of standard output");
  sub->add_option("--top", opt->top, "Groups to show: text 10, html 20, json and csv all by default");
  sub->add_option("--drift-rows", opt->drift_rows,
                  "Build drift (files at the same path in several inputs whose contents differ): the paths and "
                  "directories to list, most bytes that would share if reproducible first; 0 = all [20]");
  sub->add_option("--csv-table", opt->csv_table,
                  "With --format csv: groups (one row per content group), drift-paths or drift-prefixes [groups]")
      ->type_name("TABLE")
      ->check(CLI::IsMember({"groups", "drift-paths", "drift-prefixes"}));
  sub->add_option("-j,--jobs", opt->jobs, "Threads for reading inputs and hashing [all cores]");
  sub->add_flag("--verify-all", opt->verify_all,
                "Hash files of unique size too (they cannot share) and check every stored fingerprint");
  sub->add_flag("--trust-fingerprints", opt->trust_fingerprints,
                "Take \"sha256:\" fingerprints as the content without reading it");
  sub->add_option("--manifest-out", opt->manifest_out,
                  "Write one manifest per input into this directory (every file is hashed)");
  sub->add_option("--manifest-cache", opt->manifest_cache,
                  "Keep one manifest per EROFS image in this directory, keyed by the image's SHA-256: a later scan "
                  "reads no file data of an image seen before (a summary line goes to stderr)");
  sub->add_option("--tree-class", opt->tree_class, "How directory and tar inputs are modelled [uncompressed]")
      ->check(CLI::IsMember({"uncompressed", "compressed"}));
  sub->add_flag("--keep-going", opt->keep_going,
                "Leave out an input that cannot be read (listed in the report and on stderr, exit 1) and scan the rest");
  sub->add_option("--platform", opt->platform,
                  "OS/ARCH[/VARIANT]: the image chosen from multi-platform indexes [linux/amd64]");
  sub->add_option("--layer-mkfs-options", opt->layer_mkfs_options,
                  "The containerd EROFS differ's mkfs_options that tar layers are modelled with, e.g. "
                  "\"-zlz4hc --xattr-inode-digest\" [none: uncompressed, untagged]");
  sub->add_option("--max-layer-entries", opt->max_layer_entries,
                  "Refuse a container layer with more tar members or inodes than this [1048576]");
  sub->add_option("--fail-if", opt->fail_if,
                  "RULE: exit 1 when it holds, after the report (repeat): saved-now<N% or <SIZE, would-share>N% or "
                  ">SIZE, blocked:REASON, not-now:REASON, lost>SIZE (needs --baseline)")
      ->type_name("RULE")
      ->allow_extra_args(false);
  sub->add_option("--baseline", opt->baseline,
                  "An earlier scan --format json report: say on stderr what sharing changed since it")
      ->type_name("FILE");
  sub->add_option("--resident", opt->resident,
                  "The pages a host read: `erofs-share status --format json` or `fincore --json -b` output; adds "
                  "the saving of those pages (resident bytes per shared inode, less the largest member's) next to "
                  "the every-file figures (text, JSON \"resident\")")
      ->type_name("FILE");
  sub->add_option("--resident-root", opt->resident_roots,
                  "MOUNTPOINT=INPUT: paths of --resident under MOUNTPOINT are files of INPUT (its name in the report); "
                  "fincore paths need one, status records default to the input that is their image (repeat)")
      ->type_name("MOUNTPOINT=INPUT")
      ->allow_extra_args(false);
  add_conventions(*sub, opt->conv);
  sub->add_flag("--no-progress", opt->conv.no_progress, "Deprecated: the same as --progress never");
  sub->footer("JSON output follows share/scan/scan.schema.json (\"schema_version\": 1); share/scan/merge.sql\n"
              "merges manifests on SQL engines. Examples:\n"
              "  erofs-share scan a.erofs b.erofs\n"
              "  erofs-share scan --domain a.erofs=web --domain b.erofs=db --format json a.erofs b.erofs\n"
              "  erofs-share scan --manifest-out m/ a.erofs; erofs-share scan m/*.ndjson\n"
              "  erofs-share scan --layer-mkfs-options --xattr-inode-digest oci-archive:app-1.tar oci-archive:app-2.tar\n"
              "  erofs-share scan /var/lib/containerd\n"
              "  fincore --json -b /mnt/a/usr/bin/* > res.json; erofs-share scan --resident res.json \\\n"
              "      --resident-root /mnt/a=a.erofs a.erofs b.erofs");
  sub->callback([opt, &status] { status = run_scan(*opt); });
}

}  // namespace cli
