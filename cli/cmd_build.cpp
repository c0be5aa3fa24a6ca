// `erofs-share build`: one core::tag::build_image call, summary as text or JSON.
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/conventions.hpp"
#include "core/tag/build.hpp"
#include "core/util/display.hpp"
#include "core/util/error.hpp"
#include "core/util/output_guard.hpp"

namespace cli {

namespace {

struct BuildCliOptions {
  std::string source;
  std::string tar;
  std::string layer_digest;
  std::string uuid_from = "blob";
  std::vector<std::string> mkfs_options;  // --mkfs-option, before the ones after --
  std::string image;
  std::string mkfs = "mkfs.erofs";
  std::string xattr_name;
  std::string format = "text";
  std::vector<std::string> mkfs_args;
  Conventions conv;
};

// The one-line text summary of a --tar build: where the UUID came from and the diffID.
std::string layer_summary(const BuildCliOptions& o, const core::tag::BuildReport& rep) {
  return fmt::format("{}: layer {} ({}), UUID {} from {}, diffID {}", core::util::display(o.image),
                     core::util::display(o.tar), rep.compression, rep.uuid, rep.layer_digest, rep.diff_id);
}

int run_build(BuildCliOptions o) {
  if (o.source.empty() && o.tar.empty()) throw core::UsageError("build: SRC or --tar LAYER is required");
  if (!o.layer_digest.empty() && o.tar.empty()) throw core::UsageError("build: --layer-digest needs --tar LAYER");
  if (o.uuid_from != "blob" && o.tar.empty()) throw core::UsageError("build: --uuid-from needs --tar LAYER");
  if (!o.tar.empty() && !o.source.empty()) {
    // With --tar every positional argument is an mkfs option (given after --).
    if (o.source[0] != '-')
      throw core::UsageError(fmt::format("build: SRC {} and --tar LAYER exclude each other", o.source));
    o.mkfs_args.insert(o.mkfs_args.begin(), o.source);
    o.source.clear();
  }
  // Before any work: the image is not SRC, nor inside it (mkfs would read its own output).
  core::util::OutputGuard guard;
  if (o.tar.empty()) {
    guard.input_or_tree(o.source, "SRC");
    guard.forbid_outputs_in_trees();
  } else {
    guard.input(o.tar, "--tar");
  }
  guard.output(o.image, "-o", core::util::OutputKind::image);
  core::tag::BuildOptions bo;
  bo.mkfs = o.mkfs;
  bo.mkfs_args = o.mkfs_options;
  bo.mkfs_args.insert(bo.mkfs_args.end(), o.mkfs_args.begin(), o.mkfs_args.end());
  bo.xattr_name = o.xattr_name;
  bo.layer_digest = o.layer_digest;
  bo.uuid_from_diff_id = o.uuid_from == "diff-id";
  // mkfs prints the source's file names: escaped like every other name (erofs-share(1) ESCAPING).
  // -q: no mkfs output (its errors are in the error message).
  auto progress = std::make_shared<ProgressLine>(o.conv.show_progress());  // the phase only
  if (!o.conv.quiet)
    bo.mkfs_output = [progress](const std::string& line) {
      progress->clear();
      fmt::print(stderr, "{}\n", core::util::display(line));
    };
  progress->phase(o.tar.empty() ? "building" : "converting the layer");
  const auto rep =
      o.tar.empty() ? core::tag::build_image(o.source, o.image, bo) : core::tag::build_layer(o.tar, o.image, bo);
  progress->clear();
  if (o.format == "json") {
    nlohmann::json j{{"schema_version", 1},
                     {"tool", tool_json()},
                     {"image", o.image},
                     {"source", o.tar.empty() ? o.source : o.tar},
                     {"method", rep.native ? "mkfs" : "mkfs+retrofit"},
                     {"mkfs", rep.mkfs_version}};
    if (!o.tar.empty()) {
      j["layer"] = {
          {"compression", rep.compression}, {"digest", rep.layer_digest}, {"uuid", rep.uuid}, {"diff_id", rep.diff_id}};
    }
    if (!rep.native) {
      j["files_tagged"] = rep.retrofit.files_tagged;
      j["files_kept"] = rep.retrofit.files_kept;
      j["files_replaced"] = rep.retrofit.files_replaced;
    }
    fmt::print("{}\n", j.dump(2));
    return 0;
  }
  if (!o.tar.empty()) fmt::print("{}\n", layer_summary(o, rep));
  if (rep.native) {
    fmt::print("{}: built by {} with --xattr-inode-digest\n", core::util::display(o.image),
               core::util::display(o.mkfs));
  } else {
    fmt::print("{}: built by {} ({}), then retrofitted: {} files tagged, {} kept, {} replaced\n",
               core::util::display(o.image), core::util::display(o.mkfs), core::util::display(rep.mkfs_version),
               rep.retrofit.files_tagged, rep.retrofit.files_kept, rep.retrofit.files_replaced);
  }
  return 0;
}

}  // namespace

void setup_build(CLI::App& app, int& status) {
  auto opt = std::make_shared<BuildCliOptions>();
  auto* sub = app.add_subcommand("build", "Build a fingerprinted image with the installed mkfs.erofs");
  sub->add_option("SRC", opt->source, "Source directory (or what the mkfs options make of it)")->type_name("SRC");
  sub->add_option("--tar", opt->tar,
                  "Container layer tar (plain, gzip or zstd) instead of SRC, converted as containerd's EROFS differ "
                  "does")
      ->type_name("LAYER");
  sub->add_option("--layer-digest", opt->layer_digest,
                  "With --tar: the layer's digest in its manifest, for the UUID (default: sha256 of LAYER)")
      ->type_name("DIGEST");
  sub->add_option("--uuid-from", opt->uuid_from,
                  "With --tar: derive the UUID from the blob's digest (as the differ does) or the diffID (as "
                  "containerd 2.4's layer content cache does)")
      ->type_name("SOURCE")
      ->check(CLI::IsMember({"blob", "diff-id"}))
      ->excludes("--layer-digest");
  sub->add_option("--mkfs-option", opt->mkfs_options,
                  "One more mkfs.erofs option (repeatable; --mkfs-option=-zlz4hc), like containerd's mkfs_options")
      ->type_name("OPT")
      ->allow_extra_args(false);
  sub->add_option("-o,--output", opt->image, "Image to write")->required()->type_name("IMAGE");
  sub->add_option("--mkfs", opt->mkfs, "mkfs.erofs program to run (default: mkfs.erofs from PATH)")->type_name("PATH");
  sub->add_option("--xattr-name", opt->xattr_name, "Fingerprint xattr name (default erofs.fingerprint.v1)")
      ->type_name("NAME");
  sub->add_option("--format", opt->format, "Summary format")->type_name("FORMAT")->check(CLI::IsMember({"text", "json"}));
  add_conventions(*sub, opt->conv);
  sub->add_option("MKFS_OPTIONS", opt->mkfs_args, "Options for mkfs.erofs, after --")->type_name("");
  sub->positionals_at_end(false);
  sub->footer("Runs mkfs.erofs --xattr-inode-digest when mkfs offers it (erofs-utils >= 1.9); otherwise builds the\n"
              "image and retrofits it like 'erofs-share tag'. Either way the result passes 'erofs-share lint'.\n"
              "Exit status: 0 done, 2 usage error, mkfs failure or corrupt output.\n"
              "Examples:\n"
              "  erofs-share build rootfs/ -o rootfs.erofs\n"
              "  erofs-share build rootfs/ -o rootfs.erofs -- -zlz4hc -Eztailpacking -T0\n"
              "  erofs-share build --tar layer.tar.gz -o layer.erofs --mkfs-option=-zlz4hc");
  sub->callback([opt, &status] { status = run_build(*opt); });
}

}  // namespace cli
