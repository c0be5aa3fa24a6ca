#include "core/lint/baseline.hpp"

#include <fnmatch.h>

#include <cerrno>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/lint/rules.hpp"
#include "core/util/error.hpp"
#include "core/util/json_file.hpp"

namespace core::lint {

namespace {

using nlohmann::json;

bool valid_date(const std::string& d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (d[i] < '0' || d[i] > '9') return false;
  const int month = std::stoi(d.substr(5, 2)), day = std::stoi(d.substr(8, 2));
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

// `*` and `?` match any character, `/` included, so "/usr/lib/*" covers the whole subtree.
bool glob(const std::string& pattern, const std::string& text) { return fnmatch(pattern.c_str(), text.c_str(), 0) == 0; }

bool matches(const BaselineEntry& e, const Finding& f) {
  if (e.rule != f.rule) return false;
  if (!e.image.empty() && !glob(e.image, f.image) &&
      !glob(e.image, std::filesystem::path(f.image).filename().string()))
    return false;
  if (e.path.empty()) return true;
  return f.path && glob(e.path, *f.path);
}

bool expired(const BaselineEntry& e, const std::string& today) {
  return !e.expires.empty() && e.expires < today;  // ISO dates compare as text
}

std::string describe(const BaselineEntry& e, std::size_t index) {
  std::string s = fmt::format("baseline entry {} (rule {}", index + 1, e.rule);
  if (!e.image.empty()) s += ", image " + e.image;
  if (!e.path.empty()) s += ", path " + e.path;
  return s + ")";
}

// A literal for glob(): escapes the characters fnmatch treats specially.
std::string glob_literal(const std::string& text) {
  std::string s;
  for (char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == '\\') s += '\\';
    s += c;
  }
  return s;
}

}  // namespace

Baseline load_baseline(const std::string& path) {
  const json doc = util::read_json_file(path);
  auto bad = [&](const std::string& where, const std::string& what) {
    throw UsageError(fmt::format("{}: {}: {}", path, where, what));
  };
  if (!doc.is_object() || !doc.contains("accepted") || !doc["accepted"].is_array())
    bad("(top level)", "expected an object with an \"accepted\" array");
  for (const auto& [key, v] : doc.items())
    if (key != "accepted" && key != "schema_version" && key != "$schema" && key != "$comment") bad(key, "unknown key");
  Baseline b;
  b.file = path;
  const json& list = doc["accepted"];
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string where = fmt::format("accepted[{}]", i);
    const json& x = list[i];
    if (!x.is_object()) bad(where, "expected an object");
    BaselineEntry e;
    for (const auto& [key, v] : x.items()) {
      if (!v.is_string()) bad(where + "." + key, "expected a string");
      const std::string& s = v.get_ref<const std::string&>();
      if (key == "rule") e.rule = s;
      else if (key == "image") e.image = s;
      else if (key == "path") e.path = s;
      else if (key == "reason") e.reason = s;
      else if (key == "expires") e.expires = s;
      else bad(where + "." + key, "unknown key");
    }
    if (e.rule.empty()) bad(where, "\"rule\" is required");
    if (!find_rule(e.rule)) bad(where + ".rule", "unknown rule '" + e.rule + "' (see --list-rules)");
    if (!x.contains("reason")) bad(where, "\"reason\" is required: say why the finding is accepted");
    if (!e.expires.empty() && !valid_date(e.expires)) bad(where + ".expires", "expected a date YYYY-MM-DD");
    b.entries.push_back(std::move(e));
  }
  return b;
}

std::vector<std::string> apply_baseline(const Baseline& baseline, std::vector<Finding>& findings,
                                        const std::string& today) {
  std::vector<std::string> notes;
  std::vector<bool> used(baseline.entries.size(), false);
  for (Finding& f : findings) {
    for (std::size_t i = 0; i < baseline.entries.size(); ++i) {
      const BaselineEntry& e = baseline.entries[i];
      if (!matches(e, f)) continue;
      used[i] = true;
      if (expired(e, today)) continue;
      f.suppressed = true;
      f.suppression_reason = e.reason;
      break;
    }
  }
  for (std::size_t i = 0; i < baseline.entries.size(); ++i)
    if (!used[i] && !expired(baseline.entries[i], today))
      notes.push_back(
          fmt::format("{}: {} matches no finding; remove it?", baseline.file, describe(baseline.entries[i], i)));
  return notes;
}

std::vector<std::string> baseline_warnings(const Baseline& baseline, const std::string& today) {
  std::vector<std::string> warnings;
  for (std::size_t i = 0; i < baseline.entries.size(); ++i) {
    const BaselineEntry& e = baseline.entries[i];
    if (placeholder_reason(e.reason))
      warnings.push_back(fmt::format("{}: {} has a placeholder reason \"{}\": say why the finding is accepted",
                                     baseline.file, describe(e, i), e.reason));
    if (expired(e, today))
      warnings.push_back(fmt::format("{}: {} expired on {} and no longer applies", baseline.file, describe(e, i),
                                     e.expires));
  }
  return warnings;
}

bool placeholder_reason(const std::string& reason) {
  std::string word;
  for (char c : reason) {
    if (std::isalnum(static_cast<unsigned char>(c))) word += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    else if (!word.empty() || !std::isspace(static_cast<unsigned char>(c))) break;
  }
  if (word.empty()) return reason.find_first_not_of(" \t\r\n") == std::string::npos;
  return word == "TODO" || word == "FIXME" || word == "TBD" || word == "XXX";
}

namespace {

using Key = std::tuple<std::string, std::string, std::string>;

Key key_of(const Finding& f) {
  return {f.rule, std::filesystem::path(f.image).filename().string(), f.path.value_or("")};
}

json new_entry(const Finding& f) {
  json e = {{"rule", f.rule}, {"image", glob_literal(std::get<1>(key_of(f)))}};
  if (f.path) e["path"] = glob_literal(*f.path);
  e["reason"] = std::string(k_placeholder_reason);
  return e;
}

json old_entry(const BaselineEntry& b) {
  json e = {{"rule", b.rule}};
  if (!b.image.empty()) e["image"] = b.image;
  if (!b.path.empty()) e["path"] = b.path;
  e["reason"] = b.reason;
  if (!b.expires.empty()) e["expires"] = b.expires;
  return e;
}

std::string dump(json list) {
  json doc = {{"schema_version", 1}, {"accepted", std::move(list)}};
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace

std::string baseline_document(const std::vector<Finding>& findings) {
  std::set<Key> seen;
  json list = json::array();
  for (const Finding& f : findings)
    if (!f.suppressed && seen.insert(key_of(f)).second) list.push_back(new_entry(f));
  return dump(std::move(list));
}

BaselineMerge merge_baseline(const Baseline* old, const std::vector<Finding>& findings) {
  BaselineMerge m;
  json list = json::array();
  std::vector<bool> covered(findings.size(), false);
  if (old) {
    for (const BaselineEntry& e : old->entries) {
      bool used = false;
      for (std::size_t k = 0; k < findings.size(); ++k)
        if (matches(e, findings[k])) used = covered[k] = true;
      if (!used) {
        ++m.dropped;
        continue;
      }
      ++m.kept;
      list.push_back(old_entry(e));
    }
  }
  std::set<Key> seen;
  for (std::size_t k = 0; k < findings.size(); ++k) {
    if (covered[k] || !seen.insert(key_of(findings[k])).second) continue;
    ++m.added;
    list.push_back(new_entry(findings[k]));
  }
  m.document = dump(std::move(list));
  return m;
}

std::string today_utc() {
  const auto days = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  const std::chrono::year_month_day ymd{days};
  return fmt::format("{:04}-{:02}-{:02}", int(ymd.year()), unsigned(ymd.month()), unsigned(ymd.day()));
}

}  // namespace core::lint
