// The CSV renderings: one row per content group, in report order; the build drift tables.
#include <map>

#include <fmt/format.h>

#include "core/scan/render.hpp"
#include "core/util/display.hpp"

namespace core::scan {

namespace {

// A name as a CSV field: util::display() first (no control bytes, no CR or LF in a row, valid
// UTF-8), then RFC 4180 quoting of fields holding a comma or a quote, quotes doubled inside.
std::string field(std::string_view name) {
  const std::string s = util::display(name);
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

void write_csv(const Report& r, std::size_t top, const Write& write) {
  write(
      "sha256,size,page_bytes,verified,inputs,copies,shares_now,would_share_once_tagged,blocked,"
      "saved_bytes_now,saved_bytes_if_tagged,reasons,first_input,first_path\n");
  std::size_t n = top > 0 ? std::min(top, r.groups.size()) : r.groups.size();
  for (std::size_t i = 0; i < n; ++i) {
    const GroupRow& g = r.groups[i];
    u64 counts[3] = {};
    std::map<std::string, u64> reasons;
    for (const CopyRow& c : g.copies) {
      ++counts[static_cast<int>(c.status)];
      if (c.reason != Reason::none) ++reasons[reason_name(c.reason)];
    }
    std::string why;
    for (const auto& [name, count] : reasons) why += fmt::format("{}{}={}", why.empty() ? "" : ";", name, count);
    const CopyRow& first = g.copies.front();
    write(fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", util::to_hex(g.digest), g.size, g.page_bytes,
                       g.verified ? "true" : "false", g.inputs, g.copies.size(), counts[0], counts[1], counts[2],
                       g.saved_bytes_now, g.saved_bytes_if_tagged, why, field(r.inputs[first.input].name),
                       field(r.first_path(first))));
  }
}

void write_csv_drift_paths(const Report& r, const Write& write) {
  write("path,copies,inputs,contents,size_min,size_max,page_bytes,saved_bytes_if_reproducible\n");
  for (const DriftPath& p : r.drift.rows) {
    std::string inputs;
    for (u32 i : p.inputs) inputs += fmt::format("{}{}", inputs.empty() ? "" : ";", i);
    write(fmt::format("{},{},{},{},{},{},{},{}\n", field(p.path), p.inputs.size(), inputs, p.contents, p.size_min,
                      p.size_max, p.page_bytes, p.saved_bytes_if_reproducible));
  }
}

void write_csv_drift_prefixes(const Report& r, const Write& write) {
  write("prefix,paths,copies,page_bytes,saved_bytes_if_reproducible\n");
  for (const DriftPrefix& p : r.drift.prefixes)
    write(fmt::format("{},{},{},{},{}\n", field(p.prefix), p.paths, p.copies, p.page_bytes,
                      p.saved_bytes_if_reproducible));
}

std::string render_csv(const Report& report, std::size_t top) {
  std::string s;
  write_csv(report, top, [&](std::string_view piece) { s += piece; });
  return s;
}

}  // namespace core::scan
