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
#include "core/android/inputs.hpp"
#include "core/container/erofs_inputs.hpp"
#include "core/erofs/image.hpp"
#include "core/inspect/detail.hpp"
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
  bool superblock = false;   // -s: the superblock only
  bool statistics = false;   // -S: counts and sizes
  std::optional<core::u64> nid;    // --nid: one inode with its extents
  bool extents = false;      // -e: with --path, the inode detail of that path
  std::size_t max_extents = 64;
  bool wide = false;         // full fingerprints and digests in the file table
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

void print_super_text(const core::inspect::SuperRow& s) {
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
  fmt::print("meta start block:  {}\n", sb.meta_blkaddr);
  fmt::print("xattr start block: {}\n", sb.xattr_blkaddr);
  fmt::print("oldest kernel:     Linux {}\n", core::inspect::min_kernel(sb));
}

// Short layout names for the narrow table.
const char* short_layout(core::erofs::Layout l) {
  switch (l) {
    case core::erofs::Layout::flat_plain: return "plain";
    case core::erofs::Layout::compressed_full: return "z-full";
    case core::erofs::Layout::flat_inline: return "inline";
    case core::erofs::Layout::compressed_compact: return "z-compact";
    case core::erofs::Layout::chunk_based: return "chunked";
  }
  return "?";
}

// The file table. Unless `wide`, FINGERPRINT (and DIGEST) are cut to 12 hex digits and layouts
// shortened, so a row without its path takes 81 columns (and one with a short path fits 120).
void print_text(const core::inspect::Report& rep, bool digest, bool wide) {
  print_super_text(rep.super);
  const std::size_t hexw = wide ? 64 : 12;
  auto cut = [&](std::string h) { return h.size() > hexw ? h.substr(0, hexw) : h; };
  const int layw = wide ? 18 : 9;
  fmt::print("\n{:<10} {:>5} {:>5} {:>10} {:>10} {:>7} {:>3} {:<{}} {:<{}}{} PATH\n", "MODE", "UID", "GID", "SIZE",
             "MTIME", "NID", "NL", "LAYOUT", layw, "FINGERPRINT", hexw,
             digest ? fmt::format(" {:<{}}", "DIGEST", hexw) : "");
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
    if (f.fingerprint.state == core::erofs::FingerprintState::valid) fp = cut(core::util::to_hex(f.fingerprint.digest));
    std::string dg;
    if (digest) dg = " " + fmt::format("{:<{}}", f.digest ? cut(core::util::to_hex(*f.digest)) : std::string("-"), hexw);
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
    head = fmt::format("{:<10} {:>5} {:>5} {:>10} {:>10} {:>7} {:>3} {:<{}} {:<{}}{} ",
                       core::inspect::mode_string(ino.mode), ino.uid, ino.gid, ino.size, ino.mtime, ino.nid, ino.nlink,
                       wide ? core::erofs::layout_name(ino.layout) : short_layout(ino.layout), layw, fp, hexw, dg);
    tail = std::move(extra);
    last = row.first_name ? nullptr : row.node.get();
    fmt::print("{}{}{}\n", head, core::util::display(row.path), tail);
  }
}

void print_statistics_text(const core::inspect::Statistics& s) {
  fmt::print("files:             {}\n", s.files);
  fmt::print("regular files:     {}\n", s.regular);
  fmt::print("directories:       {}\n", s.dirs);
  fmt::print("symlinks:          {}\n", s.symlinks);
  fmt::print("char devices:      {}\n", s.chardevs);
  fmt::print("block devices:     {}\n", s.blockdevs);
  fmt::print("fifos:             {}\n", s.fifos);
  fmt::print("sockets:           {}\n", s.sockets);
  fmt::print("compressed files:  {}\n", s.compressed);
  fmt::print("uncompressed files: {}\n", s.uncompressed);
  for (unsigned i = 0; i < s.by_layout.size(); ++i)
    fmt::print("layout {:<18} {}\n", core::erofs::layout_name(static_cast<core::erofs::Layout>(i)), s.by_layout[i]);
  fmt::print("logical bytes:     {}\n", s.logical_bytes);
  fmt::print("stored bytes:      {}\n", s.stored_bytes);
  fmt::print("stored/logical:    {:.2f}%\n", s.logical_bytes ? 100.0 * double(s.stored_bytes) / double(s.logical_bytes) : 100.0);
  fmt::print("\n{:<16} {:>12} {:>12}\n", "SIZE (KiB)", "LOGICAL", "STORED");
  for (std::size_t b = 0; b < s.logical_sizes.size(); ++b) {
    const std::string range = b == 0 ? "0..1" : b + 1 == s.logical_sizes.size() ? fmt::format("{}..", core::u64(1) << (b - 1))
                                                                              : fmt::format("{}..{}", core::u64(1) << (b - 1), core::u64(1) << b);
    fmt::print("{:<16} {:>12} {:>12}\n", range, s.logical_sizes[b], s.stored_sizes[b]);
  }
}

void print_inode_text(const core::inspect::InodeDetail& d) {
  const auto& ino = d.inode;
  if (!d.path.empty()) fmt::print("path:        {}\n", core::util::display(d.path));
  fmt::print("nid:         {}\n", ino.nid);
  fmt::print("type:        {}\n", core::erofs::file_type_name(ino.type));
  fmt::print("mode:        {:04o} {}\n", ino.mode & 07777, core::inspect::mode_string(ino.mode));
  fmt::print("uid/gid:     {}/{}\n", ino.uid, ino.gid);
  fmt::print("links:       {}\n", ino.nlink);
  fmt::print("size:        {}\n", ino.size);
  fmt::print("stored:      {}\n", d.stored_bytes);
  fmt::print("layout:      {} ({})\n", core::erofs::layout_name(ino.layout), static_cast<unsigned>(ino.layout));
  fmt::print("inode size:  {} ({})\n", ino.inode_size, ino.extended ? "extended" : "compact");
  fmt::print("xattr size:  {}\n", ino.xattr_isize);
  fmt::print("mtime:       {}.{:09}\n", ino.mtime, ino.mtime_nsec);
  for (const auto& x : d.xattrs)
    fmt::print("xattr:       {}{} ({} bytes)\n", core::util::display(x->name), x->shared ? " [shared]" : "", x->value.size());
  if (d.extents.empty()) return;
  fmt::print("\n{:>6} {:>14} {:>12} {:>16} {:>12} {:>3} KIND\n", "EXT", "LOGICAL", "LENGTH", "PHYSICAL", "PLENGTH", "DEV");
  for (std::size_t i = 0; i < d.extents.size(); ++i) {
    const auto& e = d.extents[i];
    fmt::print("{:>6} {:>14} {:>12} {:>16} {:>12} {:>3} {}\n", i, e.logical, e.length, e.physical, e.physical_length,
               e.device, e.kind);
  }
  if (d.extent_count > d.extents.size())
    fmt::print("... {} more (--max-extents)\n", d.extent_count - d.extents.size());
  fmt::print("{} extents\n", d.extent_count);
}

void print_json_part(const char* key, const nlohmann::json& part, const core::inspect::SuperRow& super) {
  auto dump = [](const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); };
  fmt::print("{{\n  \"schema_version\": {},\n  \"tool\": {},\n  \"superblock\": {}", core::inspect::k_schema_version,
             dump(tool_json()), dump(core::inspect::super_json(super)));
  if (key) fmt::print(",\n  \"{}\": {}", key, dump(part));
  fmt::print("\n}}\n");
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
  core::container::GuardedPath input = core::container::guarded_path(o.image);
  // "super.img:system_a": an image inside an Android input; the file is what is read.
  if (auto member = core::android::split_member(o.image)) input = {member->first, false};
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
  std::optional<core::inspect::InodeDetail> detail;
  // A container's errors name it (or its layer) already.
  const std::optional<core::container::ErofsInputs> container = open_container(o);
  const core::container::ErofsLayer* layer = container ? &core::container::choose_layer(*container, o.layer) : nullptr;
  if (layer) core::container::verify(*layer);  // before anything reads it
  const std::string& name = layer ? layer->layer.name : o.image;
  try {
    const auto img = layer ? std::make_unique<core::erofs::Image>(layer->layer.blob.bytes(), name, open)
                           : core::android::open_image(o.image, open);
    ProgressLine progress(o.conv.show_progress());  // the phase only: inspect reports no counts
    progress.phase(o.digest ? "reading and hashing" : "reading");
    if (o.nid || (o.extents && !o.path.empty())) {
      const core::u64 nid = o.nid ? *o.nid : core::inspect::nid_of_path(*img, o.path);
      detail = core::inspect::inode_detail(*img, nid, o.max_extents);
      if (!o.nid) detail->path = o.path.front() == '/' ? o.path : "/" + o.path;
      rep.super = core::inspect::super_row(*img);
    } else if (o.superblock) {
      rep.super = core::inspect::super_row(*img);
    } else {
      rep = core::inspect::inspect(*img, {o.digest && !o.statistics, o.path});
    }
  } catch (const core::IoError&) {
    throw;
  } catch (const core::Error& e) {
    std::string msg = e.what();
    if (!msg.starts_with(name + ": ")) msg = name + ": " + msg;  // some errors already name it
    throw NamedError(msg, error_kind(e));
  }
  StdoutTo redirect(out);
  const bool json = o.format == "json";
  if (detail) {
    json ? print_json_part("inode", core::inspect::inode_detail_json(*detail), rep.super) : print_inode_text(*detail);
  } else if (o.superblock) {
    json ? print_json_part(nullptr, {}, rep.super) : print_super_text(rep.super);
  } else if (o.statistics) {
    const auto st = core::inspect::statistics(rep, rep.super.sb.block_size);
    json ? print_json_part("statistics", core::inspect::statistics_json(st), rep.super) : print_statistics_text(st);
  } else if (json) {
    print_json(rep);
  } else {
    print_text(rep, o.digest, o.wide);
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
  auto* path_opt = sub->add_option("--path", opt->path, "Only show this path and what is below it (with -e: that inode in detail)");
  auto* super_flag = sub->add_flag("-s,--superblock", opt->superblock, "Show the superblock only (and the oldest kernel that mounts it)");
  auto* stats_flag = sub->add_flag("-S,--statistics", opt->statistics, "Show file counts by type and layout, size buckets and stored/logical bytes");
  auto* nid_opt = sub->add_option("--nid", opt->nid, "Show this inode in detail: layout, size, xattrs and its extents or chunks")
      ->type_name("NID");
  super_flag->excludes(stats_flag)->excludes(nid_opt);
  stats_flag->excludes(nid_opt);
  sub->add_flag("-e,--extents", opt->extents, "With --path: show that inode in detail, like --nid")->needs(path_opt);
  nid_opt->excludes(path_opt);
  sub->add_option("--max-extents", opt->max_extents, "The most extents or chunks --nid/-e lists [64]")->type_name("N");
  sub->add_flag("--wide", opt->wide, "Full 64-digit fingerprints and digests in the file table (wider than 120 columns)");
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
