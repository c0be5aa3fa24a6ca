// scan as a CI gate: --fail-if rules evaluated on a Report, and the comparison with a baseline
// (an earlier `scan --format json` report). Grammar of a rule (erofs-share-scan(1), --fail-if):
//   saved-now<N%  | saved-now<SIZE     saved now below N% of the cache without sharing / SIZE
//   would-share>N% | would-share>SIZE  saved_if_tagged - saved_now above N% / SIZE
//   blocked:REASON                     any copy blocked with REASON
//   not-now:REASON                     any copy not sharing now with REASON (either status)
//   lost>SIZE                          saved now dropped by more than SIZE since the baseline
// SIZE: a whole or decimal number with an optional unit B, K/KiB, M/MiB, G/GiB, T/TiB (1024s).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/scan/report.hpp"

namespace core::scan {

enum class GateKind { saved_now_below, would_share_above, blocked_reason, not_now_reason, lost_above };

struct GateRule {
  std::string text;  // as given
  GateKind kind = GateKind::saved_now_below;
  bool is_percent = false;
  double percent_limit = 0;  // is_percent
  u64 bytes_limit = 0;       // !is_percent
  Reason reason = Reason::none;
};

// Parses one --fail-if rule; throws UsageError naming the rule and what is expected.
GateRule parse_gate_rule(std::string_view text);
// "12", "1.5M", "4KiB" -> bytes; std::nullopt if not a size.
std::optional<u64> parse_size(std::string_view text);

// The figures of a baseline report that a comparison uses.
struct Baseline {
  u64 saved_bytes_now = 0;
  u64 saved_bytes_if_tagged = 0;
  std::vector<std::string> inputs;  // names, report order
};

// Parses the text of a `scan --format json` report (the groups are skipped while parsing).
// Throws UsageError "`where`: not a scan report (...)" for anything else.
Baseline parse_baseline(std::string_view json_text, const std::string& where);
// Reads and parses the file `path` (IoError if it cannot be read).
Baseline read_baseline(const std::string& path);

struct BaselineDiff {
  long long saved_now_change = 0;  // report minus baseline (negative: sharing lost)
  long long saved_if_tagged_change = 0;
  std::vector<std::string> added;    // inputs of the report not in the baseline
  std::vector<std::string> removed;  // inputs of the baseline not in the report
};

BaselineDiff compare(const Report& report, const Baseline& baseline);
// One line, e.g. "this image set lost 12.0 MiB of sharing now and kept its sharing once tagged
// since the baseline; 1 input(s) added (x), 0 removed". Input names are raw (display-escape them).
std::string describe(const BaselineDiff& diff);

// The failure message of `rule` on `report` ("saved now is 12.3% (1.2 MiB of 9.8 MiB)"), or
// std::nullopt if it passes. A lost> rule needs `baseline` (UsageError without one).
std::optional<std::string> evaluate(const GateRule& rule, const Report& report, const BaselineDiff* baseline);

// What --fail-if and --baseline found, for the report JSON ("gate") and the exit status.
struct GateOutcome {
  struct Rule {
    std::string rule;     // as given
    bool failed = false;
    std::string message;  // evaluate()'s, if failed
  };
  std::vector<Rule> rules;               // command-line order
  std::optional<BaselineDiff> baseline;  // with --baseline
  bool failed() const {
    for (const Rule& r : rules)
      if (r.failed) return true;
    return false;
  }
};

// Evaluates every rule (see evaluate) against `report` and `baseline` (compared first, if any).
GateOutcome run_gate(const std::vector<GateRule>& rules, const Report& report, const Baseline* baseline);

}  // namespace core::scan
