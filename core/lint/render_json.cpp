// The JSON report (share/lint/report.schema.json): images with coverage, then a flat,
// sorted "findings" array. Names that are not UTF-8 are rendered with U+FFFD.
#include <nlohmann/json.hpp>

#include "core/lint/render.hpp"

namespace core::lint {

namespace {

using nlohmann::json;

template <class T>
json or_null(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

}  // namespace

std::string render_json(const LintReport& rep, const std::string& tool_version) {
  json images = json::array();
  for (const ImageSummary& s : rep.images)
    images.push_back({{"image", s.image},
                      {"opened", s.opened},
                      {"fingerprint_xattr", or_null(s.fingerprint_name)},
                      {"regular_files", s.regular_files},
                      {"fingerprinted", s.fingerprinted},
                      {"coverage_percent", s.coverage_percent()},
                      {"verified", s.verified},
                      {"mismatched", s.mismatched},
                      {"unverifiable", s.unverifiable}});
  json findings = json::array();
  for (const Finding& f : rep.findings) {
    json j = {{"rule", f.rule},        {"severity", severity_name(f.severity)},
              {"image", f.image},      {"path", or_null(f.path)},
              {"nid", or_null(f.nid)}, {"offset", or_null(f.offset)},
              {"message", f.message}};
    if (!f.group.empty()) j["group"] = f.group;
    if (f.suppressed) {
      j["suppressed"] = true;
      j["suppression_reason"] = f.suppression_reason;
    }
    findings.push_back(std::move(j));
  }
  json input_errors = json::array();
  for (const InputError& e : rep.input_errors) input_errors.push_back({{"input", e.input}, {"error", e.error}});
  json rules = json::array();
  for (const ActiveRule& r : rep.rules) rules.push_back({{"id", r.rule->id}, {"severity", severity_name(r.severity)}});
  json doc = {
      {"schema_version", k_schema_version},
      {"tool", {{"name", "erofs-share lint"}, {"version", tool_version}}},
      {"settings",
       {{"severity_threshold", threshold_name(rep.threshold)},
        {"verify", rep.settings.verify},
        {"min_kernel", to_string(rep.settings.min_kernel)},
        {"show", severity_name(rep.show)}}},
      {"rules", std::move(rules)},
      {"images", std::move(images)},
      {"findings", std::move(findings)},
      {"summary",
       {{"error", rep.count(Severity::error)},
        {"warning", rep.count(Severity::warning)},
        {"info", rep.count(Severity::info)},
        {"suppressed", rep.suppressed},
        {"hidden", rep.hidden.size()},
        {"failed", rep.failed()}}},
      {"notes", rep.notes},
      {"baseline_warnings", rep.warnings},
      {"input_errors", std::move(input_errors)},
  };
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace core::lint
