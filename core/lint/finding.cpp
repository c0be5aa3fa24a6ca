#include "core/lint/finding.hpp"

#include <tuple>

namespace core::lint {

const char* severity_name(Severity severity) {
  switch (severity) {
    case Severity::info: return "info";
    case Severity::warning: return "warning";
    case Severity::error: return "error";
  }
  return "error";
}

std::optional<Severity> parse_severity(std::string_view text) {
  if (text == "info") return Severity::info;
  if (text == "warning") return Severity::warning;
  if (text == "error") return Severity::error;
  return std::nullopt;
}

bool finding_less(const Finding& a, const Finding& b) {
  // An absent path (image-wide finding) sorts before every path.
  return std::tie(a.image_index, a.path, a.rule, a.message) < std::tie(b.image_index, b.path, b.rule, b.message);
}

}  // namespace core::lint
