// The rule table (house style, example 11): one row per rule with a stable id, a default
// severity, a one-line summary and the function that checks it. Ids are never reused or
// renamed; `erofs-share lint --list-rules` and man/erofs-share-lint.1 list the same rows.
// The man page has an anchor per rule (its id), which rule_help_uri() points at.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/lint/facts.hpp"
#include "core/lint/finding.hpp"

namespace core::lint {

class Emitter;

// Every rule sees all images at once: image rules loop over them, cross-image rules group.
using CheckFn = void (*)(const Facts& facts, Emitter& out);

struct Rule {
  std::string_view id;
  Severity severity;          // default severity
  bool enabled_by_default;
  std::string_view summary;   // one line, for --list-rules and SARIF shortDescription
  std::string_view details;   // what it checks, why it matters, what to do (SARIF fullDescription)
  CheckFn check;
};

// All rules, in the order --list-rules prints them.
std::span<const Rule> all_rules();
// The rule with this id, or nullptr.
const Rule* find_rule(std::string_view id);
// Where the rule is documented: "man:erofs-share-lint(1)#ID", the rule's paragraph in RULES
// of the man page (the anchor <a id="ID"> in man/erofs-share-lint.1.md).
std::string rule_help_uri(const Rule& rule);

// Where a rule puts its findings: the emitter stamps rule id and (policy) severity.
class Emitter {
public:
  Emitter(const Rule& rule, Severity severity, std::vector<Finding>& out)
      : m_rule(rule), m_severity(severity), m_out(out) {}

  // An image-wide finding.
  void image(const ImageFacts& img, std::string message, std::optional<u64> offset = std::nullopt);
  // A finding about one inode, under its path.
  void file(const ImageFacts& img, const FileFacts& file, std::string message);
  // A finding with explicit coordinates.
  void at(const ImageFacts& img, std::optional<std::string> path, std::optional<u64> nid,
          std::optional<u64> offset, std::string message);

private:
  const Rule& m_rule;
  Severity m_severity;
  std::vector<Finding>& m_out;
};

}  // namespace core::lint
