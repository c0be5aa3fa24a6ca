// GitLab Code Quality (the `artifacts:reports:codequality` report, docs.gitlab.com "Code
// Quality", "Code Quality report format"): a JSON array of issues, each with the fields GitLab
// documents as required: `description`, `check_name` (the rule id), `fingerprint` (unique in
// the report and stable across runs), `severity` (info, minor, major, critical or blocker) and
// `location.path` with `location.lines.begin`. An image has no lines, so the line is 1.
// Findings a baseline accepts are left out (GitLab has no suppressions); an input that cannot
// be read is a `blocker` issue named `input-error`, so the merge request shows the failure.
#include <map>

#include <nlohmann/json.hpp>

#include "core/lint/render.hpp"
#include "core/util/sha256.hpp"

namespace core::lint {

namespace {

using nlohmann::json;

// error: the kernel refuses the image or would mix contents; warning: sharing is lost.
const char* gitlab_severity(Severity s) {
  switch (s) {
    case Severity::error: return "critical";
    case Severity::warning: return "minor";
    case Severity::info: return "info";
  }
  return "critical";
}

std::string hex_sha256(const std::string& key) {
  return util::to_hex(util::sha256({reinterpret_cast<const u8*>(key.data()), key.size()}));
}

// SHA-256 of what identifies the finding (rule, image path as reported, path inside it,
// message); a repeated key gets its occurrence number, so fingerprints stay unique.
class Fingerprints {
public:
  std::string next(const std::string& key) {
    const std::size_t n = m_seen[key]++;
    return hex_sha256(n ? key + '\0' + std::to_string(n) : key);
  }

private:
  std::map<std::string, std::size_t> m_seen;
};

json issue(std::string description, const std::string& check, std::string fingerprint, const char* severity,
           const std::string& path) {
  return {{"description", std::move(description)},
          {"check_name", check},
          {"fingerprint", std::move(fingerprint)},
          {"severity", severity},
          {"location", {{"path", path}, {"lines", {{"begin", 1}}}}}};
}

}  // namespace

std::string render_gitlab(const LintReport& rep) {
  json issues = json::array();
  Fingerprints fingerprints;
  for (const Finding& f : rep.findings) {
    if (f.suppressed) continue;
    const std::string path = report_path(f.image).path;
    std::string text = f.path ? *f.path + ": " + f.message : f.message;
    if (f.nid) text += " [nid " + std::to_string(*f.nid) + "]";
    const std::string key = std::string("erofs-share-lint/v1") + '\0' + f.rule + '\0' + path + '\0' +
                            f.path.value_or("") + '\0' + f.message;
    issues.push_back(issue(f.rule + ": " + text, f.rule, fingerprints.next(key), gitlab_severity(f.severity), path));
  }
  for (const InputError& e : rep.input_errors) {
    const std::string path = report_path(e.input).path;
    const std::string key = std::string("erofs-share-lint/v1") + '\0' + "input-error" + '\0' + path;
    issues.push_back(
        issue("input-error: " + e.input + ": " + e.error, "input-error", fingerprints.next(key), "blocker", path));
  }
  return issues.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace core::lint
