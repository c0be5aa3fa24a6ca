// SARIF 2.1.0 (OASIS): one run, the enabled rules as reportingDescriptors, one result per
// finding located at the image file and the path inside it as a logical location.
// Code-scanning services dedupe results by partialFingerprints.
//
// GitHub code scanning ("SARIF support for code scanning", docs.github.com) is the strictest
// consumer; these of its upload rules are met and checked by tests/lint/sarif-validates.sh:
//  - every rule (reportingDescriptor) has an id, shortDescription.text, fullDescription.text
//    and help.text (we also give helpUri, the rule's paragraph in erofs-share-lint(1));
//  - every result has ruleId, message.text, partialFingerprints and locations[0] with a
//    physicalLocation whose artifactLocation.uri is relative to the repository root (uriBaseId
//    %SRCROOT%, resolved in originalUriBaseIds to the directory lint ran in) and a region with
//    startLine >= 1. An image is binary, so the region is line 1 (the artifact's start); the
//    byte offset, when one place is to blame, is a relatedLocation with a byte region, so no
//    region mixes text and binary coordinates;
//  - at most 10 locations per result.
// An image outside the current directory keeps an absolute file:// URI, which GitHub cannot
// place in the repository (run lint from the repository root with relative image paths).
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

constexpr const char* k_srcroot = "%SRCROOT%";

// The artifact location of an image: relative to the current directory (%SRCROOT%) when the
// image is in it or below, else an absolute file:// URI.
json artifact_location(const std::string& image) {
  const ReportPath p = report_path(image);
  if (!p.relative) return {{"uri", to_uri(p.path)}};
  return {{"uri", to_uri(p.path)}, {"uriBaseId", k_srcroot}};
}

// The %SRCROOT% base: the current directory as a file:// URI ending in '/' (SARIF 3.14.14).
json original_uri_base_ids() {
  std::error_code ec;
  std::string cwd = std::filesystem::current_path(ec).string();
  json base = {{"description", {{"text", "the directory erofs-share lint ran in; relative image paths start there"}}}};
  if (!ec && !cwd.empty()) base["uri"] = to_uri(cwd.ends_with('/') ? cwd : cwd + "/");
  return {{k_srcroot, std::move(base)}};
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
    rules.push_back(
        {{"id", r.rule->id},
         {"shortDescription", {{"text", r.rule->summary}}},
         {"fullDescription", {{"text", r.rule->details}}},
         {"helpUri", rule_help_uri(*r.rule)},
         {"help", {{"text", fmt::format("{} See erofs-share-lint(1), RULES, {}.", r.rule->details, r.rule->id)}}},
         {"defaultConfiguration", {{"level", level(r.severity)}}}});
  }
  json results = json::array();
  for (const Finding& f : rep.findings) {
    const json artifact = artifact_location(f.image);
    json location = {{"physicalLocation", {{"artifactLocation", artifact}, {"region", {{"startLine", 1}}}}}};
    if (f.path) location["logicalLocations"] = json::array({{{"fullyQualifiedName", *f.path}, {"kind", "object"}}});
    json props = json::object();
    if (f.path) props["path"] = *f.path;
    if (f.nid) props["nid"] = *f.nid;
    if (f.offset) props["offset"] = *f.offset;
    if (!f.group.empty()) props["group"] = f.group;
    json r = {{"ruleId", f.rule},
              {"ruleIndex", index[f.rule]},
              {"level", level(f.severity)},
              {"message", {{"text", f.path ? *f.path + ": " + f.message : f.message}}},
              {"locations", json::array({std::move(location)})},
              {"partialFingerprints", {{"erofsShareLintFinding/v1", fingerprint_of(f)}}},
              {"properties", std::move(props)}};
    if (f.offset)
      r["relatedLocations"] = json::array(
          {{{"id", 1},
            {"message", {{"text", fmt::format("byte 0x{:x} of the image", *f.offset)}}},
            {"physicalLocation",
             {{"artifactLocation", artifact}, {"region", {{"byteOffset", *f.offset}, {"byteLength", 1}}}}}}});
    if (f.suppressed)
      r["suppressions"] = json::array({{{"kind", "external"}, {"justification", f.suppression_reason}}});
    results.push_back(std::move(r));
  }
  json artifacts = json::array();
  for (const ImageSummary& s : rep.images) artifacts.push_back({{"location", artifact_location(s.image)}});
  // Inputs that could not be read: the run did not execute successfully (SARIF §3.20.14).
  json notifications = json::array();
  for (const InputError& e : rep.input_errors)
    notifications.push_back(
        {{"level", "error"},
         {"message", {{"text", e.input + ": " + e.error}}},
         {"locations", json::array({{{"physicalLocation", {{"artifactLocation", artifact_location(e.input)}}}}})}});
  for (const std::string& w : rep.warnings) notifications.push_back({{"level", "warning"}, {"message", {{"text", w}}}});
  json invocation = {{"executionSuccessful", rep.input_errors.empty()},
                     {"toolExecutionNotifications", std::move(notifications)}};
  json run = {{"tool",
               {{"driver",
                 {{"name", "erofs-share"},
                  {"fullName", "erofs-share lint"},
                  {"version", tool_version},
                  {"semanticVersion", tool_version},
                  {"rules", std::move(rules)}}}}},
              {"originalUriBaseIds", original_uri_base_ids()},
              {"artifacts", std::move(artifacts)},
              {"invocations", json::array({std::move(invocation)})},
              {"results", std::move(results)}};
  json doc = {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
              {"version", "2.1.0"},
              {"runs", json::array({std::move(run)})}};
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace core::lint
