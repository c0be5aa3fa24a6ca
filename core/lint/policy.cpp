#include "core/lint/policy.hpp"

#include "core/lint/config.hpp"
#include "core/util/input_file.hpp"

#include <filesystem>

#include <fmt/format.h>
#include <toml++/toml.h>

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

// One config mistake: "FILE:LINE: KEY: what" (a usage error, exit status 2).
[[noreturn]] void bad(const std::string& file, const toml::node& at, const std::string& key, const std::string& what) {
  throw UsageError(fmt::format("{}:{}: {}: {}", file, at.source().begin.line, key, what));
}

const std::string& string_at(const std::string& file, const std::string& key, const toml::node& v) {
  if (!v.is_string()) bad(file, v, key, "expected a string");
  return v.as_string()->get();
}

bool bool_at(const std::string& file, const std::string& key, const toml::node& v) {
  if (!v.is_boolean()) bad(file, v, key, "expected true or false");
  return v.as_boolean()->get();
}

void apply_rules(const std::string& file, const toml::node& rules, Policy& policy) {
  const toml::table* t = rules.as_table();
  if (!t) bad(file, rules, "rules", "expected a table keyed by rule id ([rules.ID])");
  for (const auto& entry : *t) {
    const std::string id(entry.first.str());
    const toml::node& v = entry.second;
    const std::string key = "rules." + id;
    if (!find_rule(id)) bad(file, v, key, "unknown rule (see erofs-share lint --list-rules)");
    RuleSetting& s = policy.rules[id];
    if (v.is_string() && v.as_string()->get() == "off") {  // shorthand
      s.enabled = false;
      continue;
    }
    const toml::table* r = v.as_table();
    if (!r) bad(file, v, key, "expected a table or \"off\"");
    for (const auto& field : *r) {
      const std::string k(field.first.str());
      if (k == "enabled") {
        s.enabled = bool_at(file, key + ".enabled", field.second);
      } else if (k == "severity") {
        auto sev = parse_severity(string_at(file, key + ".severity", field.second));
        if (!sev) bad(file, field.second, key + ".severity", "expected \"error\", \"warning\" or \"info\"");
        s.severity = *sev;
      } else {
        bad(file, field.second, key + "." + k, "unknown key");
      }
    }
  }
}

}  // namespace

void apply_config(const std::string& path, Policy& policy) {
  const std::string text = util::read_input_file(path);  // a regular file only, not blocking
  toml::table doc;
  try {
    doc = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    throw UsageError(fmt::format("{}:{}: not valid TOML: {}", path, e.source().begin.line, e.description()));
  }
  for (const auto& entry : doc) {
    const std::string key(entry.first.str());
    const toml::node& v = entry.second;
    if (key == "severity_threshold") {
      auto t = parse_threshold(string_at(path, key, v));
      if (!t) bad(path, v, key, "expected \"error\", \"warning\", \"info\" or \"none\"");
      policy.threshold = *t;
    } else if (key == "min_kernel") {
      auto k = parse_kernel_version(string_at(path, key, v));
      if (!k) bad(path, v, key, "expected a version such as \"6.12\"");
      policy.settings.min_kernel = *k;
    } else if (key == "verify") {
      policy.settings.verify = bool_at(path, key, v);
    } else if (key == "jobs") {
      const auto* n = v.as_integer();
      if (!n || n->get() < 0 || n->get() > 4096) bad(path, v, key, "expected an integer from 0 to 4096");
      policy.settings.jobs = static_cast<unsigned>(n->get());
    } else if (key == "rules") {
      apply_rules(path, v, policy);
    } else if (key == "baseline") {
      std::filesystem::path b = string_at(path, key, v);
      if (b.is_relative()) b = std::filesystem::path(path).parent_path() / b;
      policy.baseline = b.lexically_normal().string();
    } else {
      bad(path, v, key, "unknown key");
    }
  }
}

std::optional<std::string> discover_config(const std::filesystem::path& start) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path dir = fs::absolute(start, ec);
  if (ec) return std::nullopt;
  for (;;) {
    const fs::path candidate = dir / k_config_name;
    if (fs::is_regular_file(candidate, ec)) return candidate.string();
    if (fs::exists(dir / ".git", ec)) return std::nullopt;  // the repository's root
    if (!dir.has_relative_path()) return std::nullopt;      // "/"
    dir = dir.parent_path();
  }
}

}  // namespace core::lint
