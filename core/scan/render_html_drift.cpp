// The build drift section of the HTML page (drift.hpp): totals, the top paths and the top
// directories, with exact byte counts in data-bytes attributes and names through html::name().
#include <fmt/format.h>

#include "core/scan/render.hpp"
#include "core/scan/render_html.hpp"

namespace core::scan::html {

void drift_section(std::string& o, const Report& r) {
  const Drift& d = r.drift;
  o += fmt::format("<h2 id=drift>Build drift</h2>\n<p id=drift-totals data-paths=\"{}\" data-bytes=\"{}\">{} path{} "
                   "in several inputs whose contents differ ({} copies, {} of page cache); <b>{}</b> would share if "
                   "the builds were reproducible, beyond what tagging shares (per domain, copies that could share "
                   "by the kernel's other rules and do not share already).</p>\n",
                   d.paths, d.saved_bytes_if_reproducible, d.paths, d.paths == 1 ? "" : "s", d.copies,
                   human_bytes(d.page_bytes), human_bytes(d.saved_bytes_if_reproducible));
  if (d.undetermined_paths)
    o += fmt::format("<p id=drift-undetermined>{} path{} of one size in several inputs could not be compared "
                     "(content not read).</p>\n",
                     d.undetermined_paths, d.undetermined_paths == 1 ? "" : "s");
  if (d.rows.empty()) return;
  o += fmt::format("<h3>Top {} of {} paths</h3>\n<table id=drift-paths><tr><th class=l>path</th><th>inputs</th>"
                   "<th>contents</th><th>size</th><th>page cache</th><th>would share if reproducible</th></tr>\n",
                   d.rows.size(), d.paths);
  for (const DriftPath& p : d.rows) {
    std::string inputs;
    for (u32 i : p.inputs) inputs += fmt::format("{}{}", inputs.empty() ? "" : " ", i);
    const std::string size =
        p.size_min == p.size_max ? fmt::format("{}", p.size_min) : fmt::format("{}&ndash;{}", p.size_min, p.size_max);
    o += fmt::format("<tr class=drift-path data-inputs=\"{}\" data-bytes=\"{}\"><td class=l>{}</td><td>{}</td>"
                     "<td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                     inputs, p.saved_bytes_if_reproducible, name(p.path), inputs, p.contents, size,
                     human_bytes(p.page_bytes), human_bytes(p.saved_bytes_if_reproducible));
  }
  o += "</table>\n";
  o += fmt::format("<h3>Top {} of {} directories</h3>\n<table id=drift-prefixes><tr><th class=l>directory</th>"
                   "<th>paths</th><th>copies</th><th>page cache</th><th>would share if reproducible</th></tr>\n",
                   d.prefixes.size(), d.prefix_count);
  for (const DriftPrefix& p : d.prefixes)
    o += fmt::format("<tr class=drift-prefix data-bytes=\"{}\"><td class=l>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                     "<td>{}</td></tr>\n",
                     p.saved_bytes_if_reproducible, name(p.prefix), p.paths, p.copies, human_bytes(p.page_bytes),
                     human_bytes(p.saved_bytes_if_reproducible));
  o += "</table>\n";
}

}  // namespace core::scan::html
