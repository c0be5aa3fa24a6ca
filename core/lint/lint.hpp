// `erofs-share lint`: check images against the rule table and return findings as data.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/lint/baseline.hpp"
#include "core/lint/finding.hpp"
#include "core/lint/policy.hpp"
#include "core/lint/rules.hpp"

namespace core::lint {

inline constexpr int k_schema_version = 2;  // of the JSON report (share/lint/report.schema.json)

// One image to lint: a file, or an image held in memory (a container's EROFS layer), or an input
// the caller already knows it cannot read.
struct LintInput {
  LintInput(std::string path) : name(std::move(path)) {}  // implicit: a path is an input
  LintInput(const char* path) : name(path) {}
  LintInput(std::string name_, std::span<const u8> bytes_) : name(std::move(name_)), bytes(bytes_) {}
  // An input error to report as is (InputError::error), e.g. a layer whose digest is wrong.
  static LintInput failed(std::string name, std::string error);

  std::string name;                          // the path, or what names the bytes in findings
  std::optional<std::span<const u8>> bytes;  // in memory: must stay valid while lint() runs
  std::string error;                         // non-empty: not read, an input error
};

struct LintRequest {
  std::vector<LintInput> images;   // command-line order
  std::vector<std::string> notes;  // put first in LintReport::notes (e.g. container layers skipped)
  Policy policy;
  bool show_suppressed = false;  // keep baseline-suppressed findings in the report (flagged)
  std::string today;             // "YYYY-MM-DD" for baseline expiry; "" = today (UTC)
  // --write-baseline FILE: make LintReport::baseline_out, merged with policy.baseline or, when
  // there is none, with the baseline already at FILE (if FILE exists and is not empty).
  std::string write_baseline;
  // --show: findings below this severity are not listed in the report (LintReport::hidden);
  // they still count towards the exit status and the summary counts.
  Severity show = Severity::info;
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

// An input that could not be read (missing, not EROFS, or an image that cannot be opened).
struct InputError {
  std::string input;  // as given on the command line
  std::string error;  // why, without the input's name
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
  std::vector<InputError> input_errors;   // inputs that could not be read (exit 2), command-line order
  std::vector<std::string> notes;         // LintRequest::notes, then baseline housekeeping
  std::vector<std::string> warnings;      // baseline problems: placeholder reasons, expired entries
  std::vector<Finding> accepted;          // suppressed findings not in `findings` (no --show-suppressed)
  std::vector<Finding> hidden;            // findings below `show`, not listed (they still count)
  Severity show = Severity::info;         // LintRequest::show
  std::optional<BaselineMerge> baseline_out;  // with LintRequest::write_baseline
  Threshold threshold = Threshold::warning;
  LintSettings settings;

  std::size_t count(Severity severity) const;  // unsuppressed findings of a severity, hidden ones too
  // An unsuppressed finding at or above the threshold (listed or hidden).
  bool findings_failed() const;
  // The run failed: an input could not be read, or findings_failed().
  bool failed() const { return !input_errors.empty() || findings_failed(); }
  // 2 if an input could not be read, else 1 if findings_failed(), else 0.
  int exit_status() const;
};

// Lints the images together. Unreadable files (IoError, not an image) are listed in
// input_errors and the rest is still checked. An image that cannot be opened is an input
// error too (besides its image-unreadable finding). Throws UsageError if the file to write
// the baseline to exists, is not empty and is not a baseline. Throws UsageError/IoError for a bad baseline.
LintReport lint(const LintRequest& request);

}  // namespace core::lint
