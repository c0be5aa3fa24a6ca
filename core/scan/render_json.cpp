// The JSON rendering (schema: share/scan/scan.schema.json). Keys keep a fixed, logical order.
#include <fmt/format.h>

#include "core/scan/render.hpp"
#include "core/scan/gate.hpp"
#include "core/scan/totals.hpp"

namespace core::scan {

using nlohmann::ordered_json;

namespace {

ordered_json figures_json(const Figures& f) {
  return {{"cache_bytes_without_sharing", f.cache_bytes_without_sharing},
          {"cache_bytes_now", f.cache_bytes_now},
          {"cache_bytes_if_tagged", f.cache_bytes_if_tagged},
          {"saved_bytes_now", f.saved_bytes_now},
          {"saved_bytes_if_tagged", f.saved_bytes_if_tagged},
          {"saved_percent_now", percent(f.saved_bytes_now, f.cache_bytes_without_sharing)},
          {"saved_percent_if_tagged", percent(f.saved_bytes_if_tagged, f.cache_bytes_without_sharing)}};
}

// Merges `extra` into `j` (keeps both orders).
void append(ordered_json& j, const ordered_json& extra) {
  for (const auto& [k, v] : extra.items()) j[k] = v;
}

ordered_json input_json(u32 index, const InputRow& in, bool layers) {
  const FingerprintCounts& fc = in.fingerprints;
  ordered_json j = {{"index", index},
                    {"name", in.name},
                    {"kind", kind_name(in.kind)},
                    {"domain", in.domain},
                    {"mount_mode", in.mount_mode == MountMode::fileio ? "fileio" : "block"},
                    {"ishare", in.ishare},
                    {"fingerprint_xattr", in.fingerprint_xattr},
                    {"block_size", in.block_size},
                    {"files", in.files},
                    {"paths", in.paths},
                    {"data_bytes", in.data_bytes},
                    {"directories", in.directories},
                    {"symlinks", in.symlinks},
                    {"special_files", in.special_files},
                    {"empty_files", in.empty_files},
                    {"unreadable_files", in.unreadable},
                    {"fingerprints",
                     {{"usable", fc.usable},
                      {"missing", fc.missing},
                      {"hidden_by_filter", fc.hidden_by_filter},
                      {"empty", fc.empty},
                      {"too_long", fc.too_long},
                      {"not_sha256", fc.not_sha256},
                      {"verified", fc.verified},
                      {"mismatched", fc.mismatched}}}};
  append(j, figures_json(in.figures));
  if (layers) {  // container layers only: the keys of other scans stay as they were
    j["users"] = in.users;
    j["hidden_files"] = in.hidden_files;
    j["hidden_bytes"] = in.hidden_bytes;
  }
  return j;
}

// The container images' keys: "layers", "images", "image_pairs".
void append_images(ordered_json& j, const Report& r) {
  const LayerFigures& lf = r.layers;
  j["layers"] = {{"cache_bytes_per_image", lf.cache_bytes_per_image},
                 {"saved_by_layer_identity", lf.saved_by_layer_identity},
                 {"hidden_files", lf.hidden_files},
                 {"hidden_bytes", lf.hidden_bytes}};
  ordered_json images = ordered_json::array();
  for (const ImageRow& img : r.images)
    images.push_back({{"name", img.name},
                      {"platform", img.platform},
                      {"layers", img.inputs},
                      {"files", img.files},
                      {"cache_bytes", img.cache_bytes},
                      {"shared_by_layers", img.shared_by_layers},
                      {"saved_bytes_now", img.saved_bytes_now},
                      {"saved_bytes_if_tagged", img.saved_bytes_if_tagged}});
  j["images"] = std::move(images);
  ordered_json pairs = ordered_json::array();
  for (const ImagePairRow& p : r.image_pairs)
    pairs.push_back({{"a", p.a},
                     {"b", p.b},
                     {"common_layer_bytes", p.common_layer_bytes},
                     {"shared_bytes_now", p.shared_bytes_now},
                     {"shared_bytes_if_tagged", p.shared_bytes_if_tagged}});
  j["image_pairs"] = std::move(pairs);
}

ordered_json group_json(const Report& r, const GroupRow& g) {
  ordered_json copies = ordered_json::array();
  for (const CopyRow& c : g.copies) {
    copies.push_back({{"input", c.input},
                      {"paths", r.paths(c)},
                      {"io_class", io_class_name(c.io)},
                      {"status", status_name(c.status)},
                      {"reason", c.reason == Reason::none ? ordered_json(nullptr) : ordered_json(reason_name(c.reason))},
                      {"saved_now", c.saved_now},
                      {"saved_if_tagged", c.saved_if_tagged}});
  }
  return {{"sha256", util::to_hex(g.digest)},
          {"size", g.size},
          {"page_bytes", g.page_bytes},
          {"verified", g.verified},
          {"inputs", g.inputs},
          {"saved_bytes_now", g.saved_bytes_now},
          {"saved_bytes_if_tagged", g.saved_bytes_if_tagged},
          {"copies", std::move(copies)}};
}

// A JSON string exactly as nlohmann writes it (invalid UTF-8 becomes U+FFFD).
void append_string(std::string& o, const std::string& s) {
  bool plain = true;
  for (char c : s) plain = plain && c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20 &&
                           static_cast<unsigned char>(c) < 0x80;
  if (plain) {
    o += '"';
    o += s;
    o += '"';
  } else {
    o += nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
}

// A group inside the "groups" array: the text dump(group_json(g)) gives, indented by four
// spaces, written directly (groups are most of a large report).
void append_group(std::string& o, const Report& r, const GroupRow& g) {
  const char* b[2] = {"false", "true"};
  o += fmt::format(
      "    {{\n      \"sha256\": \"{}\",\n      \"size\": {},\n      \"page_bytes\": {},\n      \"verified\": {},\n"
      "      \"inputs\": {},\n      \"saved_bytes_now\": {},\n      \"saved_bytes_if_tagged\": {},\n      \"copies\": [\n",
      util::to_hex(g.digest), g.size, g.page_bytes, b[g.verified], g.inputs, g.saved_bytes_now,
      g.saved_bytes_if_tagged);
  for (std::size_t k = 0; k < g.copies.size(); ++k) {
    const CopyRow& c = g.copies[k];
    o += fmt::format("        {{\n          \"input\": {},\n          \"paths\": [\n", c.input);
    const std::vector<std::string> paths = r.paths(c);
    for (std::size_t p = 0; p < paths.size(); ++p) {
      o += "            ";
      append_string(o, paths[p]);
      o += p + 1 < paths.size() ? ",\n" : "\n";
    }
    o += fmt::format(
        "          ],\n          \"io_class\": \"{}\",\n          \"status\": \"{}\",\n          \"reason\": {},\n"
        "          \"saved_now\": {},\n          \"saved_if_tagged\": {}\n        }}{}",
        io_class_name(c.io), status_name(c.status),
        c.reason == Reason::none ? std::string("null") : fmt::format("\"{}\"", reason_name(c.reason)), b[c.saved_now],
        b[c.saved_if_tagged], k + 1 < g.copies.size() ? ",\n" : "\n");
  }
  o += "      ]\n    }";
}

// scan --resident: the working-set saving of the pages a residency file says were read.
ordered_json resident_json(const ResidentFigures& x) {
  return {{"file", x.file},
          {"format", x.format},
          {"records", x.records},
          {"matched", x.matched},
          {"unmatched", x.unmatched_input + x.unmatched_path},
          {"unmatched_no_input", x.unmatched_input},
          {"unmatched_no_such_file", x.unmatched_path},
          {"unmatched_examples", x.unmatched_examples},
          {"files", x.files},
          {"clamped", x.clamped},
          {"resident_bytes", x.resident_bytes},
          {"saved_bytes_now", x.saved_bytes_now},
          {"saved_bytes_if_tagged", x.saved_bytes_if_tagged},
          {"saved_bytes_now_at_least", x.saved_bytes_now_at_least},
          {"saved_bytes_if_tagged_at_least", x.saved_bytes_if_tagged_at_least},
          {"saved_percent_now", percent(x.saved_bytes_now, x.resident_bytes)},
          {"saved_percent_if_tagged", percent(x.saved_bytes_if_tagged, x.resident_bytes)}};
}

// Build drift (drift.hpp): totals, the top paths and the top prefixes.
ordered_json drift_json(const Drift& d) {
  ordered_json paths = ordered_json::array();
  for (const DriftPath& p : d.rows)
    paths.push_back({{"path", p.path},
                     {"inputs", p.inputs},
                     {"contents", p.contents},
                     {"size_min", p.size_min},
                     {"size_max", p.size_max},
                     {"page_bytes", p.page_bytes},
                     {"saved_bytes_if_reproducible", p.saved_bytes_if_reproducible}});
  ordered_json prefixes = ordered_json::array();
  for (const DriftPrefix& p : d.prefixes)
    prefixes.push_back({{"prefix", p.prefix},
                        {"paths", p.paths},
                        {"copies", p.copies},
                        {"page_bytes", p.page_bytes},
                        {"saved_bytes_if_reproducible", p.saved_bytes_if_reproducible}});
  return {{"path_count", d.paths},
          {"copies", d.copies},
          {"page_bytes", d.page_bytes},
          {"saved_bytes_if_reproducible", d.saved_bytes_if_reproducible},
          {"undetermined_paths", d.undetermined_paths},
          {"prefix_count", d.prefix_count},
          {"paths", std::move(paths)},
          {"prefixes", std::move(prefixes)}};
}

// Everything but the groups.
ordered_json head_json(const Report& r) {
  ordered_json j = ordered_json::object();
  j["schema_version"] = k_schema_version;
  j["tool"] = {{"name", "erofs-share"}, {"version", r.tool_version.empty() ? "unknown" : r.tool_version}};
  j["options"] = {{"page_size", r.options.page_size},
                  {"assume", assume_name(r.options.assume)},
                  {"trust_fingerprints", r.options.trust_fingerprints},
                  {"verify_all", r.options.verify_all}};
  ordered_json totals = {{"files", r.files}, {"data_bytes", r.data_bytes}};
  append(totals, figures_json(r.totals));
  j["totals"] = std::move(totals);
  j["domains"] = r.domains;
  ordered_json inputs = ordered_json::array();
  const bool images = !r.images.empty();
  for (u32 i = 0; i < r.inputs.size(); ++i) inputs.push_back(input_json(i, r.inputs[i], images));
  j["inputs"] = std::move(inputs);
  if (!r.input_errors.empty()) {  // --keep-going: the inputs left out
    ordered_json errors = ordered_json::array();
    for (const InputErrorRow& e : r.input_errors) errors.push_back({{"input", e.input}, {"error", e.error}});
    j["input_errors"] = std::move(errors);
  }
  ordered_json pairs = ordered_json::array();
  for (const PairRow& p : r.pairs)
    pairs.push_back({{"a", p.a},
                     {"b", p.b},
                     {"common_bytes", p.common_bytes},
                     {"shared_bytes_now", p.shared_bytes_now},
                     {"shared_bytes_if_tagged", p.shared_bytes_if_tagged}});
  j["pairs"] = std::move(pairs);
  if (images) append_images(j, r);
  ordered_json reasons = ordered_json::array();
  for (const ReasonRow& x : r.reasons)
    reasons.push_back({{"status", status_name(x.status)},
                       {"reason", reason_name(x.reason)},
                       {"copies", x.copies},
                       {"bytes", x.bytes}});
  j["reasons"] = std::move(reasons);
  j["drift"] = drift_json(r.drift);
  j["group_count"] = r.group_count;
  if (r.resident) j["resident"] = resident_json(*r.resident);  // scan --resident
  return j;
}

// --fail-if and --baseline: {"failed", "rules": [{"rule", "failed", "message"?}], "baseline"?}.
ordered_json gate_json(const GateOutcome& g) {
  ordered_json rules = ordered_json::array();
  for (const GateOutcome::Rule& r : g.rules) {
    ordered_json x = {{"rule", r.rule}, {"failed", r.failed}};
    if (r.failed) x["message"] = r.message;
    rules.push_back(std::move(x));
  }
  ordered_json j = {{"failed", g.failed()}, {"rules", std::move(rules)}};
  if (g.baseline)
    j["baseline"] = {{"saved_bytes_now_change", g.baseline->saved_now_change},
                     {"saved_bytes_if_tagged_change", g.baseline->saved_if_tagged_change},
                     {"inputs_added", g.baseline->added},
                     {"inputs_removed", g.baseline->removed}};
  return j;
}

// Paths are bytes, not always UTF-8: invalid sequences become U+FFFD.
std::string dump(const ordered_json& j) { return j.dump(2, ' ', false, ordered_json::error_handler_t::replace); }

}  // namespace

void to_json(ordered_json& j, const Report& r) {
  j = head_json(r);
  ordered_json groups = ordered_json::array();
  for (const GroupRow& g : r.groups) groups.push_back(group_json(r, g));
  j["groups"] = std::move(groups);
}

// The same bytes as dump(to_json(...)) with two-space indent, written one group at a time.
void write_json(const Report& report, std::size_t top, const Write& out, const GateOutcome* gate) {
  ordered_json j = head_json(report);
  if (gate) j["gate"] = gate_json(*gate);
  std::string head = dump(j);
  head.resize(head.size() - 2);  // the closing "\n}"
  out(head);
  const std::size_t n = top > 0 ? std::min(top, report.groups.size()) : report.groups.size();
  if (n == 0) {
    out(",\n  \"groups\": []\n}\n");
    return;
  }
  out(",\n  \"groups\": [\n");
  std::string text;
  for (std::size_t i = 0; i < n; ++i) {
    text.clear();
    append_group(text, report, report.groups[i]);
    text += i + 1 < n ? ",\n" : "\n";
    out(text);
  }
  out("  ]\n}\n");
}

std::string render_json(const Report& report, std::size_t top) {
  std::string s;
  write_json(report, top, [&](std::string_view piece) { s += piece; });
  return s;
}

}  // namespace core::scan
