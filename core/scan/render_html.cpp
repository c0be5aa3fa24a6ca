// The HTML rendering: one self-contained page (inline CSS, no scripts, nothing fetched) with the
// totals, what keeps copies from sharing (render_html_sections.cpp), savings bars per input and
// per image, the pair-overlap heat map with the input names on its axes, the build drift
// (render_html_drift.cpp), the top groups and the inputs' identities. Every figure is also in
// the DOM as text, with data-* attributes holding exact byte counts. render_html() is a list of sections (render_html.hpp).
#include <algorithm>

#include <fmt/format.h>

#include "core/scan/render.hpp"
#include "core/scan/render_html.hpp"
#include "core/scan/totals.hpp"
#include "core/util/display.hpp"

namespace core::scan {

namespace {

using html::name;
using html::short_name;

// Status colours: green shares now, amber would share once tagged, red blocked. The bars use the
// first two for saved now and saved once tagged, so the legend covers them too.
constexpr const char* k_style = R"(
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;background:#fff}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}
table{border-collapse:collapse}td,th{padding:3px 8px;text-align:right;border-bottom:1px solid #ddd;vertical-align:top}
th{background:#f0f0f0}td.l,th.l{text-align:left}
code{font-size:12px}#command-line,#identities code{word-break:break-all}
dl#provenance{display:grid;grid-template-columns:max-content auto;gap:2px 12px;font-size:13px}
dl#provenance dt{font-weight:bold}dl#provenance dd{margin:0}
.st{display:inline-block;padding:0 6px;border-radius:3px;font-size:12px;white-space:nowrap;border:1px solid #0003}
span.st-shares_now{background:#2e7d32;color:#fff}
span.st-would_share_once_tagged{background:#f2b233;color:#222}
span.st-blocked{background:#c62828;color:#fff}
tr.st-would_share_once_tagged td{background:#fdf3dc}tr.st-blocked td{background:#fbe3e3}
tr.reason td.advice{max-width:28em}
.track{width:320px;height:16px;background:#f4f4f4}
.bar{position:relative;height:16px;background:#bbb;min-width:1px}
.bar div{position:absolute;top:0;left:0;height:16px}
.now{background:#2e7d32}.tag{background:#f2b233}
.key span.sw{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}
.heat td{width:64px;text-align:center;border:1px solid #fff;font-size:12px}
.heat th{font-weight:normal;font-size:12px;white-space:nowrap}
.heat th.col{vertical-align:bottom;text-align:center}
.heat th.col .name{writing-mode:vertical-rl;transform:rotate(180deg)}
.heat th.row{text-align:left}
)";

// Background for a heat-map cell: white (0) to deep blue (1).
std::string heat_colour(double f) {
  f = std::clamp(f, 0.0, 1.0);
  auto mix = [&](int from, int to) { return static_cast<int>(from + (to - from) * f + 0.5); };
  return fmt::format("#{:02x}{:02x}{:02x}", mix(255, 23), mix(255, 84), mix(255, 160));
}

double share(u64 part, u64 whole) { return whole ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0; }

// One bar: its length the page cache `cache` (of `widest`), green the part saved now, amber up
// to what is saved once tagged; the title says it in words.
std::string savings_bar(u64 cache, u64 now, u64 tagged, u64 widest) {
  return fmt::format("<div class=track><div class=bar style=\"width:{:.1f}%\" title=\"cache {}; saved now {}; "
                     "saved once tagged {}\"><div class=tag style=\"width:{:.1f}%\"></div><div class=now "
                     "style=\"width:{:.1f}%\"></div></div></div>",
                     share(cache, widest), human_bytes(cache), human_bytes(now), human_bytes(tagged),
                     share(tagged, cache), share(now, cache));
}

constexpr const char* k_bar_key =
    "<p class=key><span class=\"sw now\"></span>saved now<span class=\"sw tag\"></span>saved once every file is "
    "tagged<span class=sw style=\"background:#bbb\"></span>still cached (bar length: page cache without "
    "sharing)</p>\n";

void totals_table(std::string& o, const Report& r) {
  const Figures& t = r.totals;
  auto row = [&](const char* id, const char* label, u64 bytes, const std::string& note) {
    o += fmt::format("<tr><td class=l>{}</td><td id=\"{}\" data-bytes=\"{}\">{}</td><td>{}</td><td>{}</td></tr>\n",
                     label, id, bytes, bytes, human_bytes(bytes), note);
  };
  o += "<table id=totals><tr><th class=l>page cache</th><th>bytes</th><th></th><th>saved</th></tr>\n";
  row("cache_bytes_without_sharing", "without sharing", t.cache_bytes_without_sharing, "");
  row("cache_bytes_now", "with sharing now", t.cache_bytes_now,
      fmt::format("<span id=saved_bytes_now data-bytes=\"{}\">{}</span> ({:.2f}%)", t.saved_bytes_now,
                  human_bytes(t.saved_bytes_now), percent(t.saved_bytes_now, t.cache_bytes_without_sharing)));
  row("cache_bytes_if_tagged", "once all are tagged", t.cache_bytes_if_tagged,
      fmt::format("<span id=saved_bytes_if_tagged data-bytes=\"{}\">{}</span> ({:.2f}%)", t.saved_bytes_if_tagged,
                  human_bytes(t.saved_bytes_if_tagged),
                  percent(t.saved_bytes_if_tagged, t.cache_bytes_without_sharing)));
  o += "</table>\n";
}

void input_bars(std::string& o, const Report& r) {
  u64 widest = 1;
  for (const InputRow& in : r.inputs) widest = std::max(widest, in.figures.cache_bytes_without_sharing);
  o += "<h2>Savings per input</h2>\n";
  o += k_bar_key;
  o += "<table id=inputs><tr><th>#</th><th class=l>input</th><th class=l>domain</th><th>cache</th>"
       "<th>saved now</th><th>saved if tagged</th><th class=l>now vs once tagged</th></tr>\n";
  for (std::size_t i = 0; i < r.inputs.size(); ++i) {
    const InputRow& in = r.inputs[i];
    const Figures& f = in.figures;
    o += fmt::format(
        "<tr class=input data-index={}><td>{}</td><td class=l>{}</td><td class=l>{}</td><td data-bytes=\"{}\">{}</td>"
        "<td class=saved-now data-bytes=\"{}\">{}</td><td class=saved-if-tagged data-bytes=\"{}\">{}</td>"
        "<td class=l>{}</td></tr>\n",
        i, i, name(in.name), name(in.domain), f.cache_bytes_without_sharing, human_bytes(f.cache_bytes_without_sharing),
        f.saved_bytes_now, human_bytes(f.saved_bytes_now), f.saved_bytes_if_tagged, human_bytes(f.saved_bytes_if_tagged),
        savings_bar(f.cache_bytes_without_sharing, f.saved_bytes_now, f.saved_bytes_if_tagged, widest));
  }
  o += "</table>\n";
}

// Container images: layer identity for the node, then one row per image with its figures.
void image_table(std::string& o, const Report& r) {
  const LayerFigures& lf = r.layers;
  o += fmt::format(
      "<h2>Container images</h2>\n<p id=layers data-cache-bytes-per-image=\"{}\" data-saved-by-layer-identity=\"{}\" "
      "data-hidden-files=\"{}\" data-hidden-bytes=\"{}\">Each image on its own: {}; one mount per distinct layer saves "
      "{} ({:.2f}%); {} files ({}) no image shows are not counted.</p>\n",
      lf.cache_bytes_per_image, lf.saved_by_layer_identity, lf.hidden_files, lf.hidden_bytes,
      human_bytes(lf.cache_bytes_per_image), human_bytes(lf.saved_by_layer_identity),
      percent(lf.saved_by_layer_identity, lf.cache_bytes_per_image), lf.hidden_files, human_bytes(lf.hidden_bytes));
  u64 widest = 1;
  for (const ImageRow& img : r.images) widest = std::max(widest, img.cache_bytes);
  o += k_bar_key;
  o += "<table id=images><tr><th>#</th><th class=l>image</th><th class=l>platform</th><th class=l>layers</th>"
       "<th>files</th><th>cache</th><th>shared by layers</th><th>saved now</th><th>saved if tagged</th>"
       "<th>hidden</th><th class=l>now vs once tagged</th></tr>\n";
  for (std::size_t i = 0; i < r.images.size(); ++i) {
    const ImageRow& img = r.images[i];
    std::string layers;
    for (u32 p : img.inputs) layers += fmt::format("{}{}", layers.empty() ? "" : " ", p);
    const u64 hidden = hidden_bytes_of(r, img);
    o += fmt::format(
        "<tr class=image data-index={}><td>{}</td><td class=l>{}</td><td class=l>{}</td><td class=l>{}</td><td>{}</td>"
        "<td data-bytes=\"{}\">{}</td><td class=shared-by-layers data-bytes=\"{}\">{}</td>"
        "<td class=saved-now data-bytes=\"{}\">{}</td><td class=saved-if-tagged data-bytes=\"{}\">{}</td>"
        "<td class=hidden data-bytes=\"{}\">{}</td><td class=l>{}</td></tr>\n",
        i, i, name(img.name), name(img.platform), layers, img.files, img.cache_bytes, human_bytes(img.cache_bytes),
        img.shared_by_layers, human_bytes(img.shared_by_layers), img.saved_bytes_now, human_bytes(img.saved_bytes_now),
        img.saved_bytes_if_tagged, human_bytes(img.saved_bytes_if_tagged), hidden, human_bytes(hidden),
        savings_bar(img.cache_bytes, img.saved_bytes_now, img.saved_bytes_if_tagged, widest));
  }
  o += "</table>\n";
}

// The axes carry the inputs' names (shortened, the whole name in the title) and their numbers.
void heat_map(std::string& o, const Report& r) {
  const std::size_t n = r.inputs.size();
  if (n < 2) return;
  o += "<h2>Pair overlap</h2>\n<p>Cell: page cache two inputs would share once both are tagged; shade: share "
       "of the smaller input's cache. Hover for common content and sharing now.</p>\n<table class=heat id=pairs>"
       "<tr><th></th>";
  for (std::size_t b = 0; b < n; ++b)
    o += fmt::format("<th class=col data-index={}>{}<br>{}</th>", b, short_name(r.inputs[b].name), b);
  o += "</tr>\n";
  std::vector<const PairRow*> cell(n * n, nullptr);
  for (const PairRow& p : r.pairs) cell[p.a * n + p.b] = cell[p.b * n + p.a] = &p;
  for (std::size_t a = 0; a < n; ++a) {
    o += fmt::format("<tr><th class=row data-index={}>{} {}</th>", a, a, short_name(r.inputs[a].name));
    for (std::size_t b = 0; b < n; ++b) {
      if (a == b) {
        o += "<td style=\"background:#ddd\">-</td>";
        continue;
      }
      const PairRow& p = *cell[a * n + b];
      u64 smaller = std::min(r.inputs[a].figures.cache_bytes_without_sharing, r.inputs[b].figures.cache_bytes_without_sharing);
      double f = smaller ? static_cast<double>(p.shared_bytes_if_tagged) / static_cast<double>(smaller) : 0;
      o += fmt::format("<td class=pair data-a={} data-b={} data-bytes=\"{}\" style=\"background:{};color:{}\" "
                       "title=\"common {} / shared now {} / if tagged {}\">{}</td>",
                       a, b, p.shared_bytes_if_tagged, heat_colour(f), f > 0.5 ? "#fff" : "#222", human_bytes(p.common_bytes),
                       human_bytes(p.shared_bytes_now), human_bytes(p.shared_bytes_if_tagged), human_bytes(p.shared_bytes_if_tagged));
    }
    o += "</tr>\n";
  }
  o += "</table>\n";
}

void top_groups(std::string& o, const Report& r, std::size_t top) {
  const std::size_t n = std::min(top, r.groups.size());
  o += fmt::format("<h2>Top {} of {} content groups by bytes saved once tagged</h2>\n", n, r.group_count);
  o += "<table id=groups><tr><th class=l>sha256</th><th>size</th><th>copies</th><th>inputs</th><th>saved now</th>"
       "<th>saved if tagged</th><th class=l>copies (input, path, status, reason)</th></tr>\n";
  for (std::size_t i = 0; i < n; ++i) {
    const GroupRow& g = r.groups[i];
    std::string copies;
    for (const CopyRow& c : g.copies)
      copies += fmt::format("[{}] {} {} {}<br>", c.input, name(r.first_path(c)), html::status_badge(c.status),
                            c.reason == Reason::none ? "" : reason_name(c.reason));
    o += fmt::format("<tr class=group><td class=l><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td>"
                     "<td data-bytes=\"{}\">{}</td><td data-bytes=\"{}\">{}</td><td class=l>{}</td></tr>\n",
                     util::to_hex(g.digest).substr(0, 16), g.size, g.copies.size(), g.inputs, g.saved_bytes_now,
                     human_bytes(g.saved_bytes_now), g.saved_bytes_if_tagged, human_bytes(g.saved_bytes_if_tagged), copies);
  }
  o += "</table>\n";
}

}  // namespace

std::string render_html(const Report& r, std::size_t top) {
  std::string o = "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>\n<title>erofs-share scan</title>\n<style>";
  o += k_style;
  o += "</style></head><body>\n<h1>erofs-share scan: page cache sharing</h1>\n";
  html::provenance(o, r);
  o += fmt::format("<p>{} input{}, {} domain{}, page size {}, {} class order; {} regular files, {}.</p>\n",
                   r.inputs.size(), r.inputs.size() == 1 ? "" : "s", r.domains.size(), r.domains.size() == 1 ? "" : "s",
                   r.options.page_size,
                   r.options.assume == Assume::best ? "best" : "command-line", r.files, human_bytes(r.data_bytes));
  html::input_errors(o, r);
  totals_table(o, r);
  html::status_legend(o);
  html::reasons_table(o, r);
  input_bars(o, r);
  if (!r.images.empty()) image_table(o, r);
  heat_map(o, r);
  html::drift_section(o, r);
  top_groups(o, r, top);
  html::identities(o, r);
  o += "</body></html>\n";
  return o;
}

}  // namespace core::scan
