// SARIF 2.1.0 (OASIS): one run, the enabled rules as reportingDescriptors, one result per
// finding located at the image file (byte offset when known) and the path inside it as a
// logical location. Code-scanning services dedupe results by partialFingerprints.
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/lint/render.hpp"
#include "core/util/sha256.hpp"

namespace core::lint {

namespace {

using nlohmann::json;

const char* level(Severity s) {
  switch (s) {
    case Severity::error: return "error";
    case Severity::warning: return "warning";
    case Severity::info: return "note";
  }
  return "error";
}

// A URI reference for a file path (RFC 3986): relative paths stay relative, absolute ones
// become file:// URIs; everything but unreserved characters and '/' is percent-encoded.
std::string to_uri(const std::string& path) {
  std::string out = path.starts_with('/') ? "file://" : "";
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/')
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

std::string fingerprint_of(const Finding& f) {
  const std::string key = f.rule + '\0' + std::filesystem::path(f.image).filename().string() + '\0' +
                          f.path.value_or("") + '\0' + f.message;
  return util::to_hex(util::sha256({reinterpret_cast<const u8*>(key.data()), key.size()}));
}

}  // namespace

std::string render_sarif(const LintReport& rep, const std::string& tool_version) {
  json rules = json::array();
  std::map<std::string, std::size_t> index;
  for (const ActiveRule& r : rep.rules) {
    index[std::string(r.rule->id)] = rules.size();
    rules.push_back({{"id", r.rule->id},
                     {"shortDescription", {{"text", r.rule->summary}}},
                     {"fullDescription", {{"text", r.rule->summary}}},
                     {"help", {{"text", fmt::format("See erofs-share-lint(1), rule {}.", r.rule->id)}}},
                     {"defaultConfiguration", {{"level", level(r.severity)}}}});
  }
  json results = json::array();
  for (const Finding& f : rep.findings) {
    json physical = {{"artifactLocation", {{"uri", to_uri(f.image)}}}};
    if (f.offset) physical["region"] = {{"byteOffset", *f.offset}, {"byteLength", 1}};
    json location = {{"physicalLocation", std::move(physical)}};
    if (f.path) location["logicalLocations"] = json::array({{{"fullyQualifiedName", *f.path}, {"kind", "object"}}});
    json props = json::object();
    if (f.path) props["path"] = *f.path;
    if (f.nid) props["nid"] = *f.nid;
    json r = {{"ruleId", f.rule},
              {"ruleIndex", index[f.rule]},
              {"level", level(f.severity)},
              {"message", {{"text", f.path ? *f.path + ": " + f.message : f.message}}},
              {"locations", json::array({std::move(location)})},
              {"partialFingerprints", {{"erofsShareLintFinding/v1", fingerprint_of(f)}}},
              {"properties", std::move(props)}};
    if (f.suppressed)
      r["suppressions"] = json::array({{{"kind", "external"}, {"justification", f.suppression_reason}}});
    results.push_back(std::move(r));
  }
  json artifacts = json::array();
  for (const ImageSummary& s : rep.images) artifacts.push_back({{"location", {{"uri", to_uri(s.image)}}}});
  // Inputs that could not be read: the run did not execute successfully (SARIF §3.20.14).
  json notifications = json::array();
  for (const InputError& e : rep.input_errors)
    notifications.push_back(
        {{"level", "error"},
         {"message", {{"text", e.input + ": " + e.error}}},
         {"locations", json::array({{{"physicalLocation", {{"artifactLocation", {{"uri", to_uri(e.input)}}}}}}})}});
  for (const std::string& w : rep.warnings)
    notifications.push_back({{"level", "warning"}, {"message", {{"text", w}}}});
  json invocation = {{"executionSuccessful", rep.input_errors.empty()},
                     {"toolExecutionNotifications", std::move(notifications)}};
  json run = {{"tool",
               {{"driver",
                 {{"name", "erofs-share"},
                  {"fullName", "erofs-share lint"},
                  {"version", tool_version},
                  {"semanticVersion", tool_version},
                  {"rules", std::move(rules)}}}}},
              {"artifacts", std::move(artifacts)},
              {"invocations", json::array({std::move(invocation)})},
              {"results", std::move(results)}};
  json doc = {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
              {"version", "2.1.0"},
              {"runs", json::array({std::move(run)})}};
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace core::lint
