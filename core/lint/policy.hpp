// Which rules run, at which severity, and what fails the run: defaults from the rule table,
// then a TOML config file (config.hpp), then command-line options (each overrides the one before).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/lint/facts.hpp"
#include "core/lint/rules.hpp"

namespace core::lint {

// The lowest severity that fails the run; `none` never fails (report only). Values line up
// with Severity so a comparison needs no table.
enum class Threshold : u8 { info = 0, warning = 1, error = 2, none = 3 };

const char* threshold_name(Threshold threshold);
std::optional<Threshold> parse_threshold(std::string_view text);
inline bool fails(Severity severity, Threshold threshold) {
  return threshold != Threshold::none && static_cast<u8>(severity) >= static_cast<u8>(threshold);
}

struct RuleSetting {
  std::optional<bool> enabled;
  std::optional<Severity> severity;
};

struct Policy {
  Threshold threshold = Threshold::warning;
  LintSettings settings;
  std::map<std::string, RuleSetting, std::less<>> rules;  // by rule id
  std::string baseline;  // baseline file, "" for none

  bool enabled(const Rule& rule) const;
  Severity severity(const Rule& rule) const;
  // Turns a rule on or off; throws UsageError for an unknown id.
  void set_enabled(std::string_view id, bool on);
};

// Applies the TOML config file `path` on top of `policy` (toml++; keys severity_threshold,
// min_kernel, verify, jobs, baseline, rules.ID = {enabled, severity} or "off"; see
// share/lint/default-config.toml). A relative "baseline" is taken relative to the config
// file. Throws IoError, or UsageError "FILE:LINE: KEY: what" for malformed TOML, a wrong
// type, an unknown key or rule id.
void apply_config(const std::string& path, Policy& policy);

}  // namespace core::lint
