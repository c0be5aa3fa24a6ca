// A baseline: findings a team has accepted, each with a reason and an optional expiry date
// (in the spirit of .trivyignore.yaml). Matching findings are suppressed; an expired entry no
// longer suppresses anything.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/lint/finding.hpp"

namespace core::lint {

struct BaselineEntry {
  std::string rule;     // a rule id
  std::string image;    // glob on the image path or its file name; "" = any image
  std::string path;     // glob on the path inside the image; "" = any, image-wide findings too
  std::string reason;   // required: why the finding is accepted
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
// notes about expired entries and entries that matched nothing. `today` is "YYYY-MM-DD".
std::vector<std::string> apply_baseline(const Baseline& baseline, std::vector<Finding>& findings,
                                        const std::string& today);

// A baseline document accepting every unsuppressed finding, one entry per (rule, image file
// name, path), with a placeholder reason to be edited.
std::string baseline_document(const std::vector<Finding>& findings);

// Today's date in UTC, "YYYY-MM-DD".
std::string today_utc();

}  // namespace core::lint
