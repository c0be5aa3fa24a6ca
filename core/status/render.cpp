// The JSON report (share/schema/status.schema.json) and the text report.
#include <filesystem>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/scan/render.hpp"
#include "core/scan/totals.hpp"
#include "core/status/status.hpp"
#include "core/util/display.hpp"
#include "core/util/sha256.hpp"

namespace core::status {

using nlohmann::ordered_json;

namespace {

// The image of a filesystem as an absolute path (the residency contract's "image").
std::string image_of(const FilesystemRow& fs) {
  std::error_code ec;
  const auto abs = std::filesystem::absolute(fs.backing.image.empty() ? fs.source : fs.backing.image, ec);
  return ec ? fs.backing.image : abs.lexically_normal().string();
}

const FilesystemRow& fs_of(const StatusReport& r, const FileResidency& f) {
  return r.filesystems[r.mounts[f.mount].filesystem];
}

const char* io_name(const StatusReport& r, const FileResidency& f) {
  const scan::InputRecord& in = (*r.scan->records)[f.input];
  return scan::io_class_name(scan::io_class(in.files[f.file].storage, in.mount_mode));
}

// Copies that hold their own pages although they have twins, by (status, reason).
struct SeparateRow {
  u64 copies = 0;
  u64 resident_bytes = 0;
};
std::map<std::pair<scan::Status, scan::Reason>, SeparateRow> separate_rows(const StatusReport& r) {
  std::map<std::pair<scan::Status, scan::Reason>, SeparateRow> out;
  for (const GroupResidency& g : r.groups)
    for (const CopyResidency& c : g.copies) {
      const u64 bytes = r.files[c.file_row].resident_bytes;
      if (c.status == scan::Status::shares_now || bytes == 0) continue;
      SeparateRow& row = out[{c.status, c.reason}];
      ++row.copies;
      row.resident_bytes += bytes;
    }
  return out;
}

ordered_json totals_json(const Totals& t) {
  return {{"files", t.files},
          {"unmeasured_files", t.unmeasured},
          {"resident_bytes", t.resident_bytes},
          {"cached_bytes_now", t.cached_bytes},
          {"saved_bytes_now", t.saved_bytes},
          {"saved_percent_now", scan::percent(t.saved_bytes, t.resident_bytes)},
          {"separately_resident_twin_bytes", t.separate_bytes}};
}

}  // namespace

std::string render_json(const StatusReport& r) {
  ordered_json j;
  j["schema_version"] = k_schema_version;
  j["tool"] = {{"name", "erofs-share"}, {"version", r.tool_version.empty() ? "unknown" : r.tool_version}};
  j["mounts_file"] = r.mounts_file;
  j["kernel"] = {{"release", r.kernel.release}, {"inode_share", r.kernel.inode_share}, {"evidence", r.kernel.evidence}};
  j["page_size"] = r.page_size;
  j["totals"] = totals_json(r.totals);
  ordered_json mounts = ordered_json::array();
  for (const MountRow& m : r.mounts) {
    const FilesystemRow& fs = r.filesystems[m.filesystem];
    mounts.push_back({{"mount_point", m.mount_point},
                      {"root", m.root},
                      {"filesystem", m.filesystem},
                      {"source", fs.source},
                      {"source_kind", source_kind_name(fs.backing.kind)},
                      {"image", image_of(fs)},
                      {"inode_share", fs.inode_share},
                      {"domain", fs.domain.empty() ? ordered_json(nullptr) : ordered_json(fs.domain)},
                      {"domain_from", fs.domain.empty() ? ordered_json(nullptr) : ordered_json(fs.domain_from)}});
  }
  j["mounts"] = mounts;
  ordered_json filesystems = ordered_json::array();
  for (const FilesystemRow& fs : r.filesystems) {
    ordered_json f = {{"device", fmt::format("{}:{}", fs.major, fs.minor)},
                      {"source", fs.source},
                      {"source_kind", source_kind_name(fs.backing.kind)},
                      {"read_path", fs.backing.read_path},
                      {"image", image_of(fs)},
                      {"backing_file",
                       fs.backing.backing_file.empty() ? ordered_json(nullptr) : ordered_json(fs.backing.backing_file)},
                      {"options", fs.options},
                      {"inode_share", fs.inode_share},
                      {"inode_share_turned_off", fs.inode_share_turned_off},
                      {"domain", fs.domain.empty() ? ordered_json(nullptr) : ordered_json(fs.domain)},
                      {"domain_from", fs.domain.empty() ? ordered_json(nullptr) : ordered_json(fs.domain_from)},
                      {"devices", fs.devices},
                      {"mount_points", ordered_json::array()}};
    for (u32 m : fs.mounts) f["mount_points"].push_back(r.mounts[m].mount_point);
    if (fs.input) {
      const scan::InputRecord& in = (*r.scan->records)[*fs.input];
      f["ishare_feature"] = in.ishare;
      f["fingerprint_xattr"] = in.fingerprint_xattr;
    } else {
      f["ishare_feature"] = nullptr;
      f["fingerprint_xattr"] = nullptr;
    }
    f["files"] = fs.files;
    f["measured_files"] = fs.measured;
    f["resident_bytes"] = fs.resident_bytes;
    f["error"] = fs.error.empty() ? ordered_json(nullptr) : ordered_json(fs.error);
    filesystems.push_back(f);
  }
  j["filesystems"] = filesystems;
  // The residency contract (scan --resident reads it): image, mount, path, size, resident_bytes.
  ordered_json files = ordered_json::array();
  ordered_json unmeasured = ordered_json::array();
  for (const FileResidency& f : r.files) {
    const FilesystemRow& fs = fs_of(r, f);
    if (!f.error.empty()) {
      unmeasured.push_back({{"image", image_of(fs)},
                            {"mount", r.mounts[f.mount].mount_point},
                            {"path", f.path},
                            {"size", f.size},
                            {"error", f.error}});
      continue;
    }
    files.push_back({{"image", image_of(fs)},
                     {"mount", r.mounts[f.mount].mount_point},
                     {"path", f.path},
                     {"size", f.size},
                     {"resident_bytes", f.resident_bytes},
                     {"io_class", io_name(r, f)},
                     {"saved_now", f.saved_now}});
  }
  j["files"] = files;
  j["unmeasured_files"] = unmeasured;
  ordered_json groups = ordered_json::array();
  for (const GroupResidency& g : r.groups) {
    ordered_json copies = ordered_json::array();
    for (const CopyResidency& c : g.copies) {
      const FileResidency& f = r.files[c.file_row];
      copies.push_back({{"image", image_of(fs_of(r, f))},
                        {"mount", r.mounts[f.mount].mount_point},
                        {"path", f.path},
                        {"io_class", io_name(r, f)},
                        {"status", scan::status_name(c.status)},
                        {"reason", c.reason == scan::Reason::none ? ordered_json(nullptr)
                                                                  : ordered_json(scan::reason_name(c.reason))},
                        {"resident_bytes", f.resident_bytes},
                        {"saved_now", f.saved_now}});
    }
    groups.push_back({{"sha256", util::to_hex(g.group->digest)},
                      {"size", g.group->size},
                      {"page_bytes", g.group->page_bytes},
                      {"cached_bytes_now", g.cached_bytes},
                      {"saved_bytes_now", g.saved_bytes},
                      {"separately_resident_bytes", g.separate_bytes},
                      {"copies", copies}});
  }
  j["groups"] = groups;
  ordered_json reasons = ordered_json::array();
  for (const auto& [key, row] : separate_rows(r))
    reasons.push_back({{"status", scan::status_name(key.first)},
                       {"reason", scan::reason_name(key.second)},
                       {"copies", row.copies},
                       {"resident_bytes", row.resident_bytes}});
  j["separately_resident_twins"] = reasons;
  return j.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

std::string render_text(const StatusReport& r) {
  using scan::human_bytes;
  using util::display;
  std::string out;
  if (!r.kernel.release.empty())
    out += fmt::format("kernel {}: inode_share {} ({})\n", r.kernel.release, r.kernel.inode_share, r.kernel.evidence);
  out += fmt::format("EROFS mounts in {}: {}\n", display(r.mounts_file), r.mounts.size());
  for (const MountRow& m : r.mounts) {
    const FilesystemRow& fs = r.filesystems[m.filesystem];
    std::string source = fmt::format("{} {}", source_kind_name(fs.backing.kind), display(fs.source));
    if (!fs.backing.backing_file.empty()) source += fmt::format(" -> {}", display(fs.backing.backing_file));
    std::string share = fs.inode_share ? fmt::format("inode_share, domain {} ({})", display(fs.domain), fs.domain_from)
                        : fs.inode_share_turned_off
                            ? fmt::format("inode_share turned off by the kernel (no ishare_xattrs), domain {} ({})",
                                          display(fs.domain), fs.domain_from)
                            : std::string("no inode_share");
    out += fmt::format("  {}{}: {}; {}", display(m.mount_point), m.root == "/" ? "" : " [" + display(m.root) + "]",
                       source, share);
    if (!fs.error.empty()) {
      out += fmt::format("; not read: {}\n", display(fs.error));
      continue;
    }
    const scan::InputRecord& in = (*r.scan->records)[*fs.input];
    out += fmt::format("; {}; {} files, {} resident\n", in.ishare ? "ishare_xattrs" : "no ishare_xattrs feature",
                       fs.files, human_bytes(fs.resident_bytes));
  }
  const Totals& t = r.totals;
  out += fmt::format("resident now: {} through {} files ({} not measured)\n", human_bytes(t.resident_bytes), t.files,
                     t.unmeasured);
  out += fmt::format("cached now:   {} (a shared inode's pages once)\n", human_bytes(t.cached_bytes));
  out += fmt::format("saved now:    {} ({:.2f}%)\n", human_bytes(t.saved_bytes),
                     scan::percent(t.saved_bytes, t.resident_bytes));
  out += fmt::format("twins resident separately: {}\n", human_bytes(t.separate_bytes));
  for (const auto& [key, row] : separate_rows(r))
    out += fmt::format("  {} {}: {} copies, {} ({})\n", scan::status_name(key.first), scan::reason_name(key.second),
                       row.copies, human_bytes(row.resident_bytes), scan::reason_text(key.second));
  std::size_t shown = 0;
  for (const GroupResidency& g : r.groups) {
    if (g.cached_bytes == 0 && g.saved_bytes == 0) continue;  // nothing resident: nothing to say
    if (shown++ == 10) {
      out += "  ... (--format json lists every group)\n";
      break;
    }
    if (shown == 1) out += "content groups with resident pages:\n";
    out += fmt::format("  {} x{}, sha256 {}: cached {}, saved {}\n", human_bytes(g.group->size), g.copies.size(),
                       util::to_hex(g.group->digest).substr(0, 12), human_bytes(g.cached_bytes),
                       human_bytes(g.saved_bytes));
    for (const CopyResidency& c : g.copies) {
      const FileResidency& f = r.files[c.file_row];
      std::string mount = r.mounts[f.mount].mount_point;
      out += fmt::format("    {} {}{}{}: {} resident\n", display(mount == "/" ? f.path : mount + f.path),
                         scan::status_name(c.status), c.reason == scan::Reason::none ? "" : " ",
                         scan::reason_name(c.reason), human_bytes(f.resident_bytes));
    }
  }
  return out;
}

}  // namespace core::status
