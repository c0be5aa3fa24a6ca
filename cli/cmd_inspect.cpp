// `erofs-share inspect`: turn options into one core::inspect call and render text or JSON.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/conventions.hpp"
#include "core/container/erofs_inputs.hpp"
#include "core/erofs/image.hpp"
#include "core/inspect/inspect.hpp"
#include "core/util/display.hpp"
#include "core/util/error.hpp"
#include "core/util/output_file.hpp"
#include "core/util/output_guard.hpp"

namespace cli {

namespace {

struct InspectOptions {
  std::string image;
  std::vector<std::string> devices;
  std::string format = "text";
  bool digest = false;
  std::string path;
  std::string output;
  std::string layer;  // --layer: the EROFS layer of a container input
  std::string platform = "linux/amd64";
  Conventions conv;
};

// Sends standard output to `out` while alive (the printers above write to stdout), and back
// again when it ends, also when an error ends the command.
class StdoutTo {
public:
  explicit StdoutTo(const core::util::OutputFile& out) {
    if (out.is_stdout()) return;
    std::fflush(stdout);
    m_saved = ::dup(STDOUT_FILENO);
    if (m_saved < 0 || ::dup2(out.fd(), STDOUT_FILENO) < 0) throw core::IoError(out.name(), "dup", errno);
  }
  ~StdoutTo() {  // on the error path: the error already on its way is the one to report
    try {
      restore();
    } catch (const core::IoError&) {
    }
  }
  StdoutTo(const StdoutTo&) = delete;
  StdoutTo& operator=(const StdoutTo&) = delete;
  // Flushes what was printed and points standard output back. Throws IoError.
  void restore() {
    if (m_saved < 0) return;
    const bool ok = std::fflush(stdout) == 0 && !std::ferror(stdout);
    const int err = errno;
    ::dup2(m_saved, STDOUT_FILENO);
    ::close(m_saved);
    m_saved = -1;
    if (!ok) throw core::IoError("standard output", "write", err ? err : EIO);
  }

private:
  int m_saved = -1;
};

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

void print_text(const core::inspect::Report& rep, bool digest) {
  const auto& s = rep.super;
  const auto& sb = s.sb;
  fmt::print("image:             {} ({} bytes)\n", core::util::display(s.image), s.image_size);
  fmt::print("block size:        {}\n", sb.block_size);
  fmt::print("blocks:            {}\n", sb.blocks);
  fmt::print("compat features:   {}\n", join(core::erofs::compat_feature_names(sb.feature_compat), " "));
  fmt::print("incompat features: {}\n", join(core::erofs::incompat_feature_names(sb.feature_incompat), " "));
  fmt::print("uuid:              {}\n", core::erofs::uuid_string(sb.uuid));
  fmt::print("volume name:       {}\n", core::util::display(sb.volume_name));
  fmt::print("build time:        {}\n", sb.epoch + sb.build_time);
  fmt::print("inodes:            {} (root nid {})\n", sb.inos, sb.root_nid);
  fmt::print("extra devices:     {}\n", sb.devices.size());
  fmt::print("fingerprint xattr: {}\n", s.fingerprint_xattr ? core::util::display(*s.fingerprint_xattr) : "none");
  if (!s.prefix_table_error.empty()) fmt::print("xattr prefixes:    {}\n", core::util::display(s.prefix_table_error));
  fmt::print("\n{:<10} {:>6} {:>6} {:>12} {:>11} {:>8} {:>5} {:<18} {:<64}{} PATH\n", "MODE", "UID", "GID", "SIZE",
             "MTIME", "NID", "NLINK", "LAYOUT", "FINGERPRINT", digest ? fmt::format(" {:<64}", "DIGEST") : "");
  // Consecutive hard-link rows of one inode differ only in their path: their columns are
  // formatted once.
  const core::inspect::InodeRow* last = nullptr;
  std::string head, tail;
  for (const auto& row : rep.files) {
    if (!row.first_name && row.node.get() == last) {
      fmt::print("{}{}{}\n", head, core::util::display(row.path), tail);
      continue;
    }
    const auto& f = *row.node;  // shared by the names of one inode
    const auto& ino = f.inode;
    std::string fp = core::erofs::fingerprint_state_name(f.fingerprint.state);
    if (f.fingerprint.state == core::erofs::FingerprintState::valid) fp = core::util::to_hex(f.fingerprint.digest);
    std::string dg;
    if (digest) dg = " " + fmt::format("{:<64}", f.digest ? core::util::to_hex(*f.digest) : std::string("-"));
    std::string extra;
    if (!row.first_name) {
      extra += fmt::format(" (hard link of nid {})", ino.nid);  // target and xattrs at its first name
    } else if (f.symlink_target) {
      extra += " -> " + core::util::display(*f.symlink_target);
    }
    if (ino.type == core::erofs::FileType::chardev || ino.type == core::erofs::FileType::blockdev)
      extra += fmt::format(" [{}:{}]", ino.rdev_major(), ino.rdev_minor());
    std::vector<std::string> names;
    if (row.first_name)
      for (const auto& x : f.xattrs) names.push_back(core::util::display(x->name));
    if (!names.empty()) extra += " xattrs=" + join(names, ",");
    if (!f.digest_error.empty()) extra += " (" + core::util::display(f.digest_error) + ")";
    head = fmt::format("{:<10} {:>6} {:>6} {:>12} {:>11} {:>8} {:>5} {:<18} {:<64}{} ",
                       core::inspect::mode_string(ino.mode), ino.uid, ino.gid, ino.size, ino.mtime, ino.nid, ino.nlink,
                       core::erofs::layout_name(ino.layout), fp, dg);
    tail = std::move(extra);
    last = row.first_name ? nullptr : row.node.get();
    fmt::print("{}{}{}\n", head, core::util::display(row.path), tail);
  }
}

// Streams the document one file object per line, so memory does not grow with a second,
// whole-document JSON tree. Names are bytes, not always UTF-8: invalid sequences become U+FFFD.
void print_json(const core::inspect::Report& rep) {
  auto dump = [](const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); };
  fmt::print("{{\n  \"schema_version\": {},\n  \"tool\": {},\n  \"superblock\": {},\n  \"shared_xattrs\": [",
             core::inspect::k_schema_version, dump(tool_json()), dump(core::inspect::super_json(rep.super)));
  const nlohmann::json shared = core::inspect::shared_xattrs_json(rep);
  for (std::size_t i = 0; i < shared.size(); ++i) fmt::print("{}\n    {}", i ? "," : "", dump(shared[i]));
  fmt::print("\n  ],\n  \"files\": [");
  core::inspect::FileJsonLines lines;
  for (std::size_t i = 0; i < rep.files.size(); ++i) fmt::print("{}\n    {}", i ? "," : "", lines.line(rep.files[i]));
  fmt::print("\n  ]\n}}\n");
}

// The container input IMAGE names, opened, if it is one. --device makes IMAGE an image file
// (unless a transport names a container), as in scan.
std::optional<core::container::ErofsInputs> open_container(const InspectOptions& o) {
  namespace container = core::container;
  std::optional<container::ContainerSpec> spec =
      o.devices.empty() ? container::container_input(o.image) : container::parse_transport(o.image);
  if (!spec) {
    if (!o.layer.empty()) throw core::UsageError(fmt::format("--layer: {} is not a container input", o.image));
    return std::nullopt;
  }
  if (!o.devices.empty()) throw core::UsageError("--device is for EROFS image files, not container inputs");
  container::OpenOptions open;
  open.platform = o.platform;
  return container::open_erofs_inputs(*spec, open);
}

int run_inspect(const InspectOptions& o) {
  core::util::OutputGuard guard;
  const core::container::GuardedPath input = core::container::guarded_path(o.image);
  if (input.tree) {
    guard.input_or_tree(input.path);
    guard.forbid_outputs_in_trees();  // no report inside the layout or node being read
  } else {
    guard.input(input.path, "input");
  }
  for (const auto& d : o.devices) guard.input(d, "--device");
  guard.output(o.output, "-o");
  core::util::OutputFile out(o.output);  // opened before the work
  core::erofs::OpenOptions open;
  open.devices = o.devices;
  core::inspect::Report rep;
  // A container's errors name it (or its layer) already.
  const std::optional<core::container::ErofsInputs> container = open_container(o);
  const core::container::ErofsLayer* layer = container ? &core::container::choose_layer(*container, o.layer) : nullptr;
  if (layer) core::container::verify(*layer);  // before anything reads it
  const std::string& name = layer ? layer->layer.name : o.image;
  try {
    const auto img = layer ? std::make_unique<core::erofs::Image>(layer->layer.blob.bytes(), name, open)
                           : std::make_unique<core::erofs::Image>(o.image, open);
    ProgressLine progress(o.conv.show_progress());  // the phase only: inspect reports no counts
    progress.phase(o.digest ? "reading and hashing" : "reading");
    rep = core::inspect::inspect(*img, {o.digest, o.path});
  } catch (const core::IoError&) {
    throw;
  } catch (const core::Error& e) {
    std::string msg = e.what();
    if (!msg.starts_with(name + ": ")) msg = name + ": " + msg;  // some errors already name it
    throw NamedError(msg, error_kind(e));
  }
  StdoutTo redirect(out);
  if (o.format == "json") {
    print_json(rep);
  } else {
    print_text(rep, o.digest);
  }
  redirect.restore();
  out.commit();
  return 0;
}

}  // namespace

void setup_inspect(CLI::App& app, int& status) {
  auto opt = std::make_shared<InspectOptions>();
  auto* sub = app.add_subcommand("inspect", "Show an image's superblock and every inode reached from its root");
  sub->add_option("IMAGE", opt->image,
                  "EROFS image file (or block device), or a container input (oci:DIR[:REF], oci-archive:FILE[:REF], "
                  "docker-archive:FILE, or such a path): its EROFS layer")
      ->required();
  sub->add_option("--device", opt->devices,
                  "Extra device file, in device-table order (repeat for each); needed to read data stored on it")
      ->type_name("FILE")
      ->allow_extra_args(false);  // one value per use, so `--device D IMAGE` leaves IMAGE alone
  sub->add_option("--format", opt->format, "Output format")->type_name("FORMAT")->check(CLI::IsMember({"text", "json"}));
  sub->add_flag("--digest", opt->digest, "Also compute the SHA-256 of every regular file's content");
  sub->add_option("--path", opt->path, "Only show this path and what is below it");
  sub->add_option("-o,--output", opt->output, "Write the report to this file instead of standard output")
      ->type_name("FILE");
  sub->add_option("--layer", opt->layer,
                  "The EROFS layer of a container input to inspect, by a prefix of its digest (needed when it has "
                  "more than one)")
      ->type_name("DIGEST-PREFIX");
  sub->add_option("--platform", opt->platform,
                  "OS/ARCH[/VARIANT]: the image chosen from multi-platform indexes of container inputs [linux/amd64]")
      ->type_name("PLATFORM");
  add_conventions(*sub, opt->conv);
  sub->footer("JSON output follows share/schema/inspect.schema.json (\"schema_version\": 2).\n"
              "Examples:\n  erofs-share inspect base.erofs\n  erofs-share inspect --digest --format json base.erofs\n"
              "  erofs-share inspect --layer sha256:1a2b oci:app-layout");
  sub->callback([opt, &status] { status = run_inspect(*opt); });
}

}  // namespace cli
