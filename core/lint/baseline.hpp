// A baseline: findings a team has accepted, each with a reason and an optional expiry date
// (in the spirit of .trivyignore.yaml). Matching findings are suppressed; an expired entry no
// longer suppresses anything.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/lint/finding.hpp"

namespace core::lint {

struct BaselineEntry {
  std::string rule;     // a rule id
  std::string image;    // glob on the image path or its file name; "" = any image
  std::string path;     // glob on the path inside the image; "" = any, image-wide findings too
  std::string reason;   // required: why the finding is accepted (a placeholder is a warning)
  std::string expires;  // "YYYY-MM-DD" (last day it applies), "" = never
};

struct Baseline {
  std::string file;
  std::vector<BaselineEntry> entries;
};

// Reads a baseline file (share/lint/baseline.schema.json). Throws IoError, or UsageError
// naming the file, the entry and the problem.
Baseline load_baseline(const std::string& path);

// Marks findings matched by a live entry as suppressed (first matching entry wins) and returns
// notes about live entries that matched nothing. `today` is "YYYY-MM-DD".
std::vector<std::string> apply_baseline(const Baseline& baseline, std::vector<Finding>& findings,
                                        const std::string& today);

// Warnings about the baseline itself: an entry whose reason is a placeholder, an entry that
// expired (the findings it accepted are reported again).
std::vector<std::string> baseline_warnings(const Baseline& baseline, const std::string& today);

// The reason --write-baseline gives a new entry.
inline constexpr std::string_view k_placeholder_reason = "TODO: say why this is accepted (added by --write-baseline)";
// Empty or blank, or starting with TODO, FIXME, TBD or XXX (any case): not a real reason yet.
bool placeholder_reason(const std::string& reason);

// A baseline document accepting every unsuppressed finding, one entry per (rule, image file
// name, path), with a placeholder reason to be edited.
std::string baseline_document(const std::vector<Finding>& findings);

struct BaselineMerge {
  std::string document;  // the new baseline file
  std::size_t kept = 0;     // entries of the old baseline that still match a finding
  std::size_t added = 0;    // new entries (placeholder reason) for findings no kept entry matches
  std::size_t dropped = 0;  // entries of the old baseline that match no finding
};

// The baseline for `findings` (suppressed ones included) that keeps what `old` (may be null)
// says: each old entry that matches a finding stays as it is (reason and expiry, in order),
// each finding no kept entry matches gets a new entry as in baseline_document, and old
// entries that match nothing are dropped.
BaselineMerge merge_baseline(const Baseline* old, const std::vector<Finding>& findings);

// Today's date in UTC, "YYYY-MM-DD".
std::string today_utc();

}  // namespace core::lint
