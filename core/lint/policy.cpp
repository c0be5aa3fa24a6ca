#include "core/lint/policy.hpp"

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/util/json_file.hpp"

namespace core::lint {

const char* threshold_name(Threshold threshold) {
  switch (threshold) {
    case Threshold::info: return "info";
    case Threshold::warning: return "warning";
    case Threshold::error: return "error";
    case Threshold::none: return "none";
  }
  return "warning";
}

std::optional<Threshold> parse_threshold(std::string_view text) {
  if (text == "none") return Threshold::none;
  if (auto s = parse_severity(text)) return static_cast<Threshold>(*s);
  return std::nullopt;
}

bool Policy::enabled(const Rule& rule) const {
  auto it = rules.find(rule.id);
  return it != rules.end() && it->second.enabled ? *it->second.enabled : rule.enabled_by_default;
}

Severity Policy::severity(const Rule& rule) const {
  auto it = rules.find(rule.id);
  return it != rules.end() && it->second.severity ? *it->second.severity : rule.severity;
}

void Policy::set_enabled(std::string_view id, bool on) {
  if (!find_rule(id)) throw UsageError(fmt::format("unknown lint rule '{}' (see --list-rules)", id));
  rules[std::string(id)].enabled = on;
}

namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& file, const std::string& key, const std::string& what) {
  throw UsageError(fmt::format("{}: {}: {}", file, key, what));
}

const std::string& string_at(const std::string& file, const std::string& key, const json& v) {
  if (!v.is_string()) bad(file, key, "expected a string");
  return v.get_ref<const std::string&>();
}

void apply_rules(const std::string& file, const json& rules, Policy& policy) {
  if (!rules.is_object()) bad(file, "rules", "expected an object keyed by rule id");
  for (const auto& [id, v] : rules.items()) {
    const std::string key = "rules." + id;
    if (!find_rule(id)) bad(file, key, "unknown rule (see erofs-share lint --list-rules)");
    RuleSetting& s = policy.rules[id];
    if (v.is_string() && v.get<std::string>() == "off") {  // shorthand
      s.enabled = false;
      continue;
    }
    if (!v.is_object()) bad(file, key, "expected an object or \"off\"");
    for (const auto& [k, x] : v.items()) {
      if (k == "enabled") {
        if (!x.is_boolean()) bad(file, key + ".enabled", "expected true or false");
        s.enabled = x.get<bool>();
      } else if (k == "severity") {
        auto sev = parse_severity(string_at(file, key + ".severity", x));
        if (!sev) bad(file, key + ".severity", "expected \"error\", \"warning\" or \"info\"");
        s.severity = *sev;
      } else {
        bad(file, key + "." + k, "unknown key");
      }
    }
  }
}

}  // namespace

void apply_config(const std::string& path, Policy& policy) {
  const json doc = util::read_json_file(path);
  if (!doc.is_object()) bad(path, "(top level)", "expected an object");
  for (const auto& [key, v] : doc.items()) {
    if (key == "$schema" || key == "$comment") continue;
    if (key == "schema_version") {
      if (!v.is_number_integer() || v.get<int>() != 1) bad(path, key, "only version 1 is known");
    } else if (key == "severity_threshold") {
      auto t = parse_threshold(string_at(path, key, v));
      if (!t) bad(path, key, "expected \"error\", \"warning\", \"info\" or \"none\"");
      policy.threshold = *t;
    } else if (key == "min_kernel") {
      auto k = parse_kernel_version(string_at(path, key, v));
      if (!k) bad(path, key, "expected a version such as \"6.12\"");
      policy.settings.min_kernel = *k;
    } else if (key == "verify") {
      if (!v.is_boolean()) bad(path, key, "expected true or false");
      policy.settings.verify = v.get<bool>();
    } else if (key == "jobs") {
      if (!v.is_number_unsigned()) bad(path, key, "expected a non-negative integer");
      policy.settings.jobs = v.get<unsigned>();
    } else if (key == "rules") {
      apply_rules(path, v, policy);
    } else if (key == "baseline") {
      std::filesystem::path b = string_at(path, key, v);
      if (b.is_relative()) b = std::filesystem::path(path).parent_path() / b;
      policy.baseline = b.lexically_normal().string();
    } else {
      bad(path, key, "unknown key");
    }
  }
}

}  // namespace core::lint
