// --fail-if rules and --baseline comparison (gate.hpp).
#include "core/scan/gate.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/scan/render.hpp"
#include "core/scan/totals.hpp"
#include "core/util/error.hpp"
#include "core/util/mapped_file.hpp"

namespace core::scan {

namespace {

std::string valid_reasons() {
  std::string s;
  for (int r = 1; r <= static_cast<int>(k_last_reason); ++r) {
    if (!s.empty()) s += ", ";
    s += reason_name(static_cast<Reason>(r));
  }
  return s;
}

std::optional<Reason> reason_of(std::string_view name) {
  for (int r = 1; r <= static_cast<int>(k_last_reason); ++r)
    if (name == reason_name(static_cast<Reason>(r))) return static_cast<Reason>(r);
  return std::nullopt;
}

std::optional<double> parse_number(std::string_view s) {
  if (s.empty() || !(std::isdigit(static_cast<unsigned char>(s.front())))) return std::nullopt;
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::fixed);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

[[noreturn]] void bad_rule(std::string_view text, const std::string& why) {
  throw UsageError(fmt::format("--fail-if {}: {}", text, why));
}

const char* k_rule_forms =
    "expected saved-now<N% or <SIZE, would-share>N% or >SIZE, blocked:REASON, not-now:REASON or lost>SIZE";

}  // namespace

std::optional<u64> parse_size(std::string_view text) {
  std::size_t n = 0;
  while (n < text.size() && (std::isdigit(static_cast<unsigned char>(text[n])) || text[n] == '.')) ++n;
  auto number = parse_number(text.substr(0, n));
  if (!number) return std::nullopt;
  std::string unit(text.substr(n));
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  static const std::pair<const char*, int> k_units[] = {
      {"", 0}, {"B", 0}, {"K", 1}, {"KIB", 1}, {"M", 2}, {"MIB", 2}, {"G", 3}, {"GIB", 3}, {"T", 4}, {"TIB", 4}};
  for (const auto& [name, power] : k_units) {
    if (unit != name) continue;
    const double bytes = *number * std::pow(1024.0, power);
    if (bytes >= 18446744073709551615.0) return std::nullopt;
    return static_cast<u64>(std::llround(bytes));
  }
  return std::nullopt;
}

GateRule parse_gate_rule(std::string_view text) {
  GateRule rule;
  rule.text = std::string(text);
  struct Form {
    std::string_view prefix;
    GateKind kind;
  };
  static const Form k_forms[] = {{"saved-now<", GateKind::saved_now_below},
                                 {"would-share>", GateKind::would_share_above},
                                 {"blocked:", GateKind::blocked_reason},
                                 {"not-now:", GateKind::not_now_reason},
                                 {"lost>", GateKind::lost_above}};
  for (const Form& f : k_forms) {
    if (!text.starts_with(f.prefix)) continue;
    rule.kind = f.kind;
    const std::string_view arg = text.substr(f.prefix.size());
    if (f.kind == GateKind::blocked_reason || f.kind == GateKind::not_now_reason) {
      auto reason = reason_of(arg);
      if (!reason) bad_rule(text, fmt::format("unknown reason \"{}\"; the reasons are: {}", arg, valid_reasons()));
      rule.reason = *reason;
      return rule;
    }
    if (arg.ends_with('%') && f.kind != GateKind::lost_above) {
      auto p = parse_number(arg.substr(0, arg.size() - 1));
      if (!p || *p > 100) bad_rule(text, "expected a percentage from 0 to 100 (e.g. 20%)");
      rule.is_percent = true;
      rule.percent_limit = *p;
      return rule;
    }
    auto bytes = parse_size(arg);
    if (!bytes)
      bad_rule(text, f.kind == GateKind::lost_above ? "expected a SIZE (e.g. 10MiB)"
                                                     : "expected N% or a SIZE (e.g. 20% or 10MiB)");
    rule.bytes_limit = *bytes;
    return rule;
  }
  bad_rule(text, k_rule_forms);
}

Baseline parse_baseline(std::string_view json_text, const std::string& where) {
  using nlohmann::json;
  // Skip every group while parsing: a baseline's memory is its head, not its groups.
  json::parser_callback_t skip_groups = [](int depth, json::parse_event_t event, json& parsed) {
    return !(depth == 1 && event == json::parse_event_t::key && parsed == "groups");
  };
  json j = json::parse(json_text.begin(), json_text.end(), skip_groups, false);
  auto bad = [&where](const std::string& why) -> UsageError {
    return UsageError(fmt::format("--baseline {}: not a scan report ({})", where, why));
  };
  if (j.is_discarded()) throw bad("not valid JSON");
  if (!j.is_object() || !j.contains("schema_version")) throw bad("no schema_version");
  if (j["schema_version"] != k_schema_version) throw bad(fmt::format("schema_version is not {}", k_schema_version));
  const auto totals = j.find("totals");
  if (totals == j.end() || !totals->is_object()) throw bad("no totals object");
  Baseline b;
  for (auto [key, field] : {std::pair{"saved_bytes_now", &Baseline::saved_bytes_now},
                            std::pair{"saved_bytes_if_tagged", &Baseline::saved_bytes_if_tagged}}) {
    const auto v = totals->find(key);
    if (v == totals->end() || !v->is_number_unsigned()) throw bad(fmt::format("totals.{} is not a byte count", key));
    b.*field = v->get<u64>();
  }
  const auto inputs = j.find("inputs");
  if (inputs == j.end() || !inputs->is_array()) throw bad("no inputs array");
  for (const auto& in : *inputs) {
    if (!in.is_object() || !in.contains("name") || !in["name"].is_string()) throw bad("an input without a name");
    b.inputs.push_back(in["name"].get<std::string>());
  }
  return b;
}

Baseline read_baseline(const std::string& path) {
  util::MappedFile file(path);
  const util::ByteView v = file.view();
  const auto bytes = v.bytes(0, v.size());
  return parse_baseline(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), path);
}

BaselineDiff compare(const Report& report, const Baseline& baseline) {
  BaselineDiff d;
  d.saved_now_change = static_cast<long long>(report.totals.saved_bytes_now) -
                       static_cast<long long>(baseline.saved_bytes_now);
  d.saved_if_tagged_change = static_cast<long long>(report.totals.saved_bytes_if_tagged) -
                             static_cast<long long>(baseline.saved_bytes_if_tagged);
  std::set<std::string> now, before(baseline.inputs.begin(), baseline.inputs.end());
  for (const InputRow& in : report.inputs) now.insert(in.name);
  for (const InputRow& in : report.inputs)
    if (!before.contains(in.name)) d.added.push_back(in.name);
  for (const std::string& name : baseline.inputs)
    if (!now.contains(name)) d.removed.push_back(name);
  return d;
}

namespace {

// "lost 12.0 MiB of sharing now", "gained ...", "kept its sharing now"; `when`: now, once tagged.
std::string change_words(long long change, const char* when) {
  if (change < 0) return fmt::format("lost {} of sharing {}", human_bytes(static_cast<u64>(-change)), when);
  if (change > 0) return fmt::format("gained {} of sharing {}", human_bytes(static_cast<u64>(change)), when);
  return fmt::format("kept its sharing {}", when);
}

std::string names(const std::vector<std::string>& list) {
  std::string s;
  for (const auto& n : list) s += (s.empty() ? "" : ", ") + n;
  return s.empty() ? "" : " (" + s + ")";
}

}  // namespace

std::string describe(const BaselineDiff& d) {
  return fmt::format("this image set {} and {} since the baseline; {} input(s) added{}, {} removed{}",
                     change_words(d.saved_now_change, "now"), change_words(d.saved_if_tagged_change, "once tagged"),
                     d.added.size(),
                     names(d.added), d.removed.size(), names(d.removed));
}

std::optional<std::string> evaluate(const GateRule& rule, const Report& report, const BaselineDiff* baseline) {
  const Figures& t = report.totals;
  const u64 whole = t.cache_bytes_without_sharing;
  switch (rule.kind) {
    case GateKind::saved_now_below:
    case GateKind::would_share_above: {
      const bool below = rule.kind == GateKind::saved_now_below;
      const u64 value = below ? t.saved_bytes_now : t.saved_bytes_if_tagged - std::min(t.saved_bytes_now, t.saved_bytes_if_tagged);
      const double pct = whole ? 100.0 * static_cast<double>(value) / static_cast<double>(whole) : 0.0;
      const bool failed = rule.is_percent ? (below ? pct < rule.percent_limit : pct > rule.percent_limit)
                                          : (below ? value < rule.bytes_limit : value > rule.bytes_limit);
      if (!failed) return std::nullopt;
      return fmt::format("{} is {:.1f}% ({} of {})", below ? "saved now" : "would share once tagged", pct,
                         human_bytes(value), human_bytes(whole));
    }
    case GateKind::blocked_reason:
    case GateKind::not_now_reason: {
      u64 copies = 0, bytes = 0;
      for (const ReasonRow& r : report.reasons) {
        if (r.reason != rule.reason) continue;
        if (rule.kind == GateKind::blocked_reason && r.status != Status::blocked) continue;
        if (r.status == Status::shares_now) continue;
        copies += r.copies;
        bytes += r.bytes;
      }
      if (copies == 0) return std::nullopt;
      return fmt::format("{} cop{} ({}) {} with {}", copies, copies == 1 ? "y" : "ies", human_bytes(bytes),
                         rule.kind == GateKind::blocked_reason ? "blocked" : "not sharing now", reason_name(rule.reason));
    }
    case GateKind::lost_above: {
      if (!baseline) throw UsageError(fmt::format("--fail-if {}: needs --baseline FILE", rule.text));
      const long long lost = -baseline->saved_now_change;
      if (lost <= 0 || static_cast<u64>(lost) <= rule.bytes_limit) return std::nullopt;
      return fmt::format("saved now dropped by {} since the baseline", human_bytes(static_cast<u64>(lost)));
    }
  }
  return std::nullopt;
}

GateOutcome run_gate(const std::vector<GateRule>& rules, const Report& report, const Baseline* baseline) {
  GateOutcome g;
  if (baseline) g.baseline = compare(report, *baseline);
  for (const GateRule& rule : rules) {
    auto why = evaluate(rule, report, g.baseline ? &*g.baseline : nullptr);
    g.rules.push_back({rule.text, why.has_value(), why.value_or("")});
  }
  return g;
}

}  // namespace core::scan
