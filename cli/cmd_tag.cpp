// `erofs-share tag`: turn options into one core::tag call (retrofit an image, or tag a source
// tree) and render the summary as text or JSON.
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/conventions.hpp"
#include "core/tag/retrofit.hpp"
#include "core/tag/tree.hpp"
#include "core/util/display.hpp"
#include "core/util/error.hpp"
#include "core/util/output_guard.hpp"

namespace cli {

namespace {

struct TagOptions {
  std::string image;
  std::string output;
  bool in_place = false;
  std::string tree;
  std::string sidecar;
  std::string xattr_name;
  std::vector<std::string> devices;
  std::string format = "text";
  unsigned jobs = 0;
  Conventions conv;
};

nlohmann::json notes_json(const std::vector<core::tag::FileNote>& notes, bool with_nids) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& n : notes) {
    nlohmann::json j{{"path", n.path}, {"action", core::tag::file_action_name(n.action)}, {"detail", n.detail}};
    if (with_nids) {
      j["nid"] = n.nid;
      j["new_nid"] = n.new_nid;
    }
    a.push_back(j);
  }
  return a;
}

// Hidden test hook: EROFS_SHARE_TAG_FAULT="K[,CHUNK]" ends the process at step K of the
// output writing (as a crash would), with CHUNK-byte copy steps; K = -1 only counts the steps
// and prints "steps N" on stderr at the end.
struct FaultHook {
  long kill_at = -2;
  unsigned long long chunk = 0;
  unsigned steps = 0;
};

// Before any work: -o and --sidecar are neither IMAGE nor a --device (tag X -o X is
// --in-place), and the directory of every output takes a new file.
void check_files(const TagOptions& o) {
  namespace util = core::util;
  if (!o.output.empty() && util::same_file(o.output, o.image))
    throw core::UsageError(
        fmt::format("-o {}: the same file as IMAGE {}; use --in-place to replace IMAGE", o.output, o.image));
  util::OutputGuard guard;
  guard.input(o.image, "IMAGE");
  for (const auto& d : o.devices) guard.input(d, "--device");
  guard.output(o.output, "-o", util::OutputKind::image);
  guard.output(o.sidecar, "--sidecar", util::OutputKind::image);
  if (o.in_place) guard.output(o.image, "--in-place", util::OutputKind::image, "IMAGE");
}

int run_tree(const TagOptions& o) {
  const auto rep = core::tag::tag_tree(o.tree, o.xattr_name);
  if (o.format == "json") {
    nlohmann::json j{{"schema_version", 1},
                     {"tool", tool_json()},
                     {"mode", "tree"},
                     {"tree", o.tree},
                     {"xattr_name", rep.xattr_name},
                     {"files_tagged", rep.files_tagged},
                     {"files_kept", rep.files_kept},
                     {"files_replaced", rep.files_replaced},
                     {"content_bytes", rep.content_bytes},
                     {"notes", notes_json(rep.notes, false)}};
    fmt::print("{}\n", j.dump(2));
  } else {
    fmt::print("{}: {} files tagged, {} kept, {} replaced (xattr {})\n", core::util::display(o.tree), rep.files_tagged,
               rep.files_kept, rep.files_replaced, core::util::display(rep.xattr_name));
    for (const auto& n : rep.notes)
      fmt::print("  {} {}: {}\n", core::tag::file_action_name(n.action), core::util::display(n.path),
                 core::util::display(n.detail));
  }
  return 0;
}

int run_tag(const TagOptions& o) {
  if (!o.tree.empty()) {
    if (!o.image.empty() || !o.output.empty() || o.in_place || !o.sidecar.empty())
      throw core::UsageError("tag: --tree takes no IMAGE, -o, --in-place or --sidecar (see --help)");
    return run_tree(o);
  }
  if (o.image.empty()) throw core::UsageError("tag: IMAGE (or --tree DIR) is required (see --help)");
  if (o.in_place && !o.sidecar.empty())
    throw core::UsageError(fmt::format("--sidecar {}: --in-place replaces IMAGE {} and --sidecar writes a new file "
                                       "beside it; give one of them",
                                       o.sidecar, o.image));
  if (int(o.in_place) + int(!o.output.empty()) + int(!o.sidecar.empty()) != 1)
    throw core::UsageError("tag: give exactly one of -o OUT, --in-place and --sidecar META (see --help)");
  const std::string out = o.in_place ? o.image : !o.sidecar.empty() ? o.sidecar : o.output;
  check_files(o);

  core::tag::RetrofitOptions ro;
  ro.xattr_name = o.xattr_name;
  ro.devices = o.devices;
  ro.jobs = o.jobs;
  auto hook = std::make_shared<FaultHook>();
  if (const char* f = std::getenv("EROFS_SHARE_TAG_FAULT")) {
    char* end = nullptr;
    hook->kill_at = std::strtol(f, &end, 10);
    if (end && *end == ',') ro.chunk_size = hook->chunk = std::strtoull(end + 1, nullptr, 10);
    ro.checkpoint = [hook](unsigned step) {
      hook->steps = step + 1;
      if (hook->kill_at >= 0 && step == static_cast<unsigned long>(hook->kill_at)) ::_exit(99);
    };
  }
  auto progress = std::make_shared<ProgressLine>(o.conv.show_progress());
  if (o.conv.show_progress()) {
    progress->phase("reading");
    ro.progress = [progress](core::u64 done, core::u64 total) { progress->update("hashing", 0, 0, done, total); };
  }
  core::tag::RetrofitReport rep;
  try {
    rep = o.sidecar.empty() ? core::tag::retrofit(o.image, out, ro) : core::tag::make_sidecar(o.image, out, ro);
  } catch (const core::IoError&) {
    throw;  // names its file
  } catch (const core::Error& e) {
    std::string msg = e.what();
    if (!msg.starts_with(o.image + ": ")) msg = o.image + ": " + msg;  // errors name the image
    throw NamedError(msg, error_kind(e));
  }
  progress->clear();
  if (hook->kill_at == -1) fmt::print(stderr, "steps {}\n", hook->steps);
  if (o.format == "json") {
    nlohmann::json j{{"schema_version", 1},
                     {"tool", tool_json()},
                     {"mode", o.in_place           ? "in_place"
                              : !o.sidecar.empty() ? "sidecar"
                                                   : "retrofit"},
                     {"image", o.image},
                     {"output", out},
                     {"xattr_name", rep.xattr_name},
                     {"files_tagged", rep.files_tagged},
                     {"files_kept", rep.files_kept},
                     {"files_replaced", rep.files_replaced},
                     {"files_skipped", rep.files_skipped},
                     {"tails_moved", rep.tails_moved},
                     {"dirs_converted", rep.dirs_converted},
                     {"inodes", rep.inodes},
                     {"content_bytes", rep.content_bytes},
                     {"input_bytes", rep.input_bytes},
                     {"output_bytes", rep.output_bytes},
                     {"bytes_written", rep.bytes_written},
                     {"already_tagged", rep.already_tagged},
                     {"notes", notes_json(rep.notes, true)}};
    fmt::print("{}\n", j.dump(2));
  } else {
    fmt::print("{}: {} files tagged, {} kept, {} replaced, {} skipped (xattr {})\n", core::util::display(out),
               rep.files_tagged, rep.files_kept, rep.files_replaced, rep.files_skipped,
               core::util::display(rep.xattr_name));
    if (!rep.already_tagged)
      fmt::print("{} inodes rewritten; image {} -> {} bytes, {} bytes of new metadata\n", rep.inodes, rep.input_bytes,
                 rep.output_bytes, rep.bytes_written);
    else if (o.in_place)
      fmt::print("already tagged: every fingerprint is right; nothing written\n");
    else
      fmt::print("already tagged: every fingerprint is right; {} is a byte-for-byte copy of {}\n",
                 core::util::display(out), core::util::display(o.image));
    for (const auto& n : rep.notes)
      fmt::print("  {} {} (nid {} -> {}): {}\n", core::tag::file_action_name(n.action), core::util::display(n.path),
                 n.nid, n.new_nid, core::util::display(n.detail));
  }
  return 0;
}

}  // namespace

void setup_tag(CLI::App& app, int& status) {
  auto opt = std::make_shared<TagOptions>();
  auto* sub = app.add_subcommand("tag", "Add page-cache-sharing fingerprints to an image (or a source tree)");
  sub->add_option("IMAGE", opt->image, "EROFS image to retrofit")->type_name("IMAGE");
  sub->add_option("-o,--output", opt->output, "Write the tagged image to OUT (IMAGE is left alone)")->type_name("OUT");
  sub->add_flag("--in-place", opt->in_place,
                "Replace IMAGE itself, crash-safe: a complete new file is renamed over it");
  sub->add_option("--tree", opt->tree,
                  "Instead of an image, set the fingerprint xattr on every regular file under DIR (default name "
                  "trusted.erofs.fingerprint)")
      ->type_name("DIR");
  sub->add_option("--sidecar", opt->sidecar,
                  "Write META, a metadata-only image with the fingerprints whose data stays in IMAGE (mount -o "
                  "device=IMAGE,inode_share,domain_id=X META); IMAGE is left alone")
      ->type_name("META");
  sub->add_option("--xattr-name", opt->xattr_name,
                  "Fingerprint xattr name (default: the image's own, else erofs.fingerprint.v1, which is hidden "
                  "from getfattr)")
      ->type_name("NAME");
  sub->add_option("--device", opt->devices, "Extra device file of IMAGE, in device-table order (repeat for each)")
      ->type_name("FILE")
      ->allow_extra_args(false);
  sub->add_option("--format", opt->format, "Summary format")->type_name("FORMAT")->check(CLI::IsMember({"text", "json"}));
  sub->add_option("-j,--jobs", opt->jobs, "Threads hashing file content (default: one per CPU)")->type_name("N");
  add_conventions(*sub, opt->conv);
  sub->footer("Retrofit gives every regular non-empty file the fingerprint mkfs.erofs --xattr-inode-digest writes\n"
              "(\"sha256:\" + 32 raw digest bytes over the content) and sets the superblock so that Linux 7.0+ shares\n"
              "identical files' page cache (mount -o inode_share,domain_id=X). File data blocks are not touched:\n"
              "the metadata is rewritten into blocks appended to the image. Existing fingerprints are checked:\n"
              "right ones are kept, wrong ones replaced and listed. Nothing is written if the image is corrupt.\n"
              "Exit status: 0 done, 2 usage error, unreadable or corrupt input (no output file is left).\n"
              "Examples:\n"
              "  erofs-share tag base.erofs -o base-tagged.erofs\n"
              "  erofs-share tag --in-place --format json app.erofs\n"
              "  erofs-share tag --tree rootfs/ && mkfs.erofs img.erofs rootfs/");
  sub->callback([opt, &status] { status = run_tag(*opt); });
}

}  // namespace cli
