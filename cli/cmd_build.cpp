// `erofs-share build`: one core::tag::build_image call, summary as text or JSON.
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "core/tag/build.hpp"
#include "core/util/output_guard.hpp"
#include "core/util/display.hpp"

namespace cli {

namespace {

struct BuildCliOptions {
  std::string source;
  std::string image;
  std::string mkfs = "mkfs.erofs";
  std::string xattr_name;
  std::string format = "text";
  std::vector<std::string> mkfs_args;
};

int run_build(const BuildCliOptions& o) {
  // Before any work: the image is not SRC, nor inside it (mkfs would read its own output).
  core::util::OutputGuard guard;
  guard.input_or_tree(o.source, "SRC");
  guard.forbid_outputs_in_trees();
  guard.output(o.image, "-o", core::util::OutputKind::image);
  core::tag::BuildOptions bo;
  bo.mkfs = o.mkfs;
  bo.mkfs_args = o.mkfs_args;
  bo.xattr_name = o.xattr_name;
  // mkfs prints the source's file names: escaped like every other name (erofs-share(1) ESCAPING).
  bo.mkfs_output = [](const std::string& line) { fmt::print(stderr, "{}\n", core::util::display(line)); };
  const auto rep = core::tag::build_image(o.source, o.image, bo);
  if (o.format == "json") {
    nlohmann::json j{{"schema_version", 1},
                     {"image", o.image},
                     {"source", o.source},
                     {"method", rep.native ? "mkfs" : "mkfs+retrofit"},
                     {"mkfs", rep.mkfs_version}};
    if (!rep.native) {
      j["files_tagged"] = rep.retrofit.files_tagged;
      j["files_kept"] = rep.retrofit.files_kept;
      j["files_replaced"] = rep.retrofit.files_replaced;
    }
    fmt::print("{}\n", j.dump(2));
  } else if (rep.native) {
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
  sub->add_option("SRC", opt->source, "Source directory (or what the mkfs options make of it, e.g. a tar)")
      ->required()
      ->type_name("SRC");
  sub->add_option("-o,--output", opt->image, "Image to write")->required()->type_name("IMAGE");
  sub->add_option("--mkfs", opt->mkfs, "mkfs.erofs program to run (default: mkfs.erofs from PATH)")->type_name("PATH");
  sub->add_option("--xattr-name", opt->xattr_name, "Fingerprint xattr name (default erofs.fingerprint.v1)")
      ->type_name("NAME");
  sub->add_option("--format", opt->format, "Summary format")->check(CLI::IsMember({"text", "json"}));
  sub->add_option("MKFS_OPTIONS", opt->mkfs_args, "Options for mkfs.erofs, after --")->type_name("");
  sub->positionals_at_end(false);
  sub->footer("Runs mkfs.erofs --xattr-inode-digest when mkfs offers it (erofs-utils >= 1.9); otherwise builds the\n"
              "image and retrofits it like 'erofs-share tag'. Either way the result passes 'erofs-share lint'.\n"
              "Exit status: 0 done, 2 usage error, mkfs failure or corrupt output.\n"
              "Examples:\n"
              "  erofs-share build rootfs/ -o rootfs.erofs\n"
              "  erofs-share build rootfs/ -o rootfs.erofs -- -zlz4hc -Eztailpacking -T0");
  sub->callback([opt, &status] { status = run_build(*opt); });
}

}  // namespace cli
