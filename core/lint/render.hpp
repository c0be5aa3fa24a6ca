// Rendering a lint report: text for people, JSON, SARIF 2.1.0, JUnit XML, GitHub Actions
// workflow commands and GitLab Code Quality JSON for machines. Output is deterministic (no times, sorted findings).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/lint/lint.hpp"

namespace core::lint {

enum class Format { text, json, sarif, junit, github, gitlab };

std::optional<Format> parse_format(std::string_view text);  // "text", "json", ...

// The whole report in `format`. `tool_version` names erofs-share's version in SARIF and JSON.
std::string render(const LintReport& report, Format format, const std::string& tool_version);

// The rule table (--list-rules): an aligned text table, or a JSON array for --format json.
std::string render_rules(Format format);

// One renderer per file (render_<format>.cpp).
std::string render_text(const LintReport& report);
std::string render_json(const LintReport& report, const std::string& tool_version);
std::string render_sarif(const LintReport& report, const std::string& tool_version);
std::string render_junit(const LintReport& report);
std::string render_github(const LintReport& report);
std::string render_gitlab(const LintReport& report);

// An image path for CI reports that want paths relative to the repository: relative to the
// current directory (lexically normalized) when the image is in it or below it; otherwise
// absolute, with `relative` false.
struct ReportPath {
  std::string path;
  bool relative = false;
};
ReportPath report_path(const std::string& image);

// Text with control characters and invalid UTF-8 made visible (\xNN), for line formats.
std::string printable(std::string_view text);

}  // namespace core::lint
