// `erofs-share lint`: check images against the rule table and return findings as data.
#pragma once

#include <string>
#include <vector>

#include "core/lint/finding.hpp"
#include "core/lint/policy.hpp"
#include "core/lint/rules.hpp"

namespace core::lint {

inline constexpr int k_schema_version = 1;  // of the JSON report (share/lint/report.schema.json)

struct LintRequest {
  std::vector<std::string> images;
  Policy policy;
  bool show_suppressed = false;  // keep baseline-suppressed findings in the report (flagged)
  std::string today;             // "YYYY-MM-DD" for baseline expiry; "" = today (UTC)
};

// Per image: what was checked, for the report header and coverage.
struct ImageSummary {
  std::string image;
  bool opened = false;
  std::optional<std::string> fingerprint_name;
  u64 regular_files = 0;   // regular files with content (what mkfs fingerprints)
  u64 fingerprinted = 0;   // ... of which carry a fingerprint
  u64 verified = 0;        // fingerprints whose content digest was computed
  u64 mismatched = 0;      // ... and did not match
  u64 unverifiable = 0;    // fingerprints whose content could not be read
  double coverage_percent() const { return regular_files ? 100.0 * double(fingerprinted) / double(regular_files) : 100.0; }
};

// An enabled rule and the severity the policy gives it.
struct ActiveRule {
  const Rule* rule;
  Severity severity;
};

struct LintReport {
  std::vector<ImageSummary> images;       // command-line order; inputs that failed are absent
  std::vector<ActiveRule> rules;          // enabled rules, table order
  std::vector<Finding> findings;          // sorted (finding_less); suppressed ones only on request
  std::size_t suppressed = 0;             // findings a baseline accepted
  std::vector<std::string> input_errors;  // files that could not be read at all (exit 2)
  std::vector<std::string> notes;         // baseline housekeeping
  Threshold threshold = Threshold::warning;
  LintSettings settings;

  std::size_t count(Severity severity) const;  // unsuppressed findings of a severity
  bool failed() const;                          // an unsuppressed finding at or above the threshold
  // 2 if an input could not be read, else 1 if failed(), else 0.
  int exit_status() const;
};

// Lints the images together. Unreadable files (IoError, not an image) are listed in
// input_errors and the rest is still checked. Throws UsageError/IoError for a bad baseline.
LintReport lint(const LintRequest& request);

}  // namespace core::lint
