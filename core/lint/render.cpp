#include "core/lint/render.hpp"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/util/display.hpp"

namespace core::lint {

std::optional<Format> parse_format(std::string_view text) {
  if (text == "text") return Format::text;
  if (text == "json") return Format::json;
  if (text == "sarif") return Format::sarif;
  if (text == "junit") return Format::junit;
  if (text == "github") return Format::github;
  if (text == "gitlab") return Format::gitlab;
  return std::nullopt;
}

std::string render(const LintReport& report, Format format, const std::string& tool_version) {
  switch (format) {
    case Format::text: return render_text(report);
    case Format::json: return render_json(report, tool_version);
    case Format::sarif: return render_sarif(report, tool_version);
    case Format::junit: return render_junit(report);
    case Format::github: return render_github(report);
    case Format::gitlab: return render_gitlab(report);
  }
  return render_text(report);
}

std::string render_rules(Format format) {
  if (format == Format::json) {
    nlohmann::json rules = nlohmann::json::array();
    for (const Rule& r : all_rules())
      rules.push_back({{"id", r.id},
                       {"severity", severity_name(r.severity)},
                       {"enabled_by_default", r.enabled_by_default},
                       {"description", r.summary}});
    return rules.dump(2) + "\n";
  }
  std::size_t width = 2;
  for (const Rule& r : all_rules()) width = std::max(width, r.id.size());
  std::string out = fmt::format("{:<{}}  {:<8} {:<3}  {}\n", "ID", width, "SEVERITY", "ON", "DESCRIPTION");
  for (const Rule& r : all_rules())
    out += fmt::format("{:<{}}  {:<8} {:<3}  {}\n", r.id, width, severity_name(r.severity),
                       r.enabled_by_default ? "yes" : "no", r.summary);
  return out;
}

ReportPath report_path(const std::string& image) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path p(image);
  if (p.is_absolute()) {
    const fs::path cwd = fs::current_path(ec);
    if (!ec) {
      const fs::path rel = p.lexically_normal().lexically_relative(cwd);
      if (!rel.empty() && *rel.begin() != ".." && !rel.is_absolute()) p = rel;
    }
  } else {
    p = p.lexically_normal();
  }
  if (p.empty() || p.is_absolute() || *p.begin() == "..") {
    const fs::path abs = fs::absolute(image, ec);
    return {ec ? image : abs.lexically_normal().string(), false};
  }
  return {p.string(), true};
}

std::string printable(std::string_view text) { return util::display(text); }

}  // namespace core::lint
