#include "core/smoke/probe_log.hpp"

#include <fmt/format.h>

namespace core::smoke {

namespace {

constexpr size_t k_max_line = 64 * 1024;
constexpr size_t k_max_events = 100000;

}  // namespace

ProbeLog parse_probe_log(std::string_view console) {
  ProbeLog log;
  size_t pos = 0;
  size_t line_no = 0;
  while (pos < console.size()) {
    size_t nl = console.find('\n', pos);
    if (nl == std::string_view::npos) nl = console.size();
    std::string_view line = console.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t at = line.find(k_probe_prefix);
    if (at == std::string_view::npos) continue;
    std::string_view body = line.substr(at + k_probe_prefix.size());
    auto reject = [&](const std::string& why) {
      if (log.rejected.size() < 100) log.rejected.push_back(fmt::format("console line {}: {}", line_no, why));
    };
    if (log.events.size() >= k_max_events) {
      reject("too many probe lines");
      break;
    }
    if (body.size() > k_max_line) {
      reject("probe line longer than 64 KiB");
      continue;
    }
    nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      reject("not a JSON object");
      continue;
    }
    auto ev = j.find("ev");
    if (ev == j.end() || !ev->is_string()) {
      reject("no \"ev\" string");
      continue;
    }
    const std::string kind = ev->get<std::string>();
    if (kind == "start") {
      log.started = true;
      log.kernel = get_string(j, "kernel");
    } else if (kind == "end") {
      log.ended = true;
    } else if (kind == "fatal") {
      log.fatal = get_string(j, "error");
    }
    log.events.push_back(std::move(j));
  }
  return log;
}

std::vector<const nlohmann::json*> find_events(const ProbeLog& log, std::string_view ev, std::string_view key,
                                               std::string_view value) {
  std::vector<const nlohmann::json*> out;
  for (const nlohmann::json& j : log.events)
    if (get_string(j, "ev") == ev && (key.empty() || get_string(j, std::string(key).c_str()) == value))
      out.push_back(&j);
  return out;
}

long long get_int(const nlohmann::json& j, const char* key, long long fallback) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<long long>() : fallback;
}

bool get_bool(const nlohmann::json& j, const char* key, bool fallback) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

std::string get_string(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<std::string> get_strings(const nlohmann::json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& v : *it)
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

}  // namespace core::smoke
