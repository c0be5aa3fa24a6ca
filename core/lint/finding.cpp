#include "core/lint/finding.hpp"

#include <map>
#include <set>
#include <tuple>

#include "core/util/sha256.hpp"

namespace core::lint {

void group_across_images(std::vector<Finding>& findings) {
  std::map<std::string, std::set<std::size_t>> images;  // key -> image indices
  auto key = [](const Finding& f) {
    return f.rule + '\0' + (f.path ? "p" + *f.path : std::string("-")) + '\0' + f.message;
  };
  for (const Finding& f : findings) images[key(f)].insert(f.image_index);
  for (Finding& f : findings) {
    const std::string k = key(f);
    if (images[k].size() < 2) continue;
    f.group = util::to_hex(util::sha256({reinterpret_cast<const u8*>(k.data()), k.size()})).substr(0, 16);
  }
}

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
