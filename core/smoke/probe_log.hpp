// Parsing what the probe printed on the guest console: lines "ESPROBE {json}" among kernel
// and boot noise. The console is untrusted text: every line is checked, bad ones are reported.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace core::smoke {

inline constexpr std::string_view k_probe_prefix = "ESPROBE ";

struct ProbeLog {
  std::vector<nlohmann::json> events;  // each an object with a string "ev"
  std::vector<std::string> rejected;   // prefixed lines that were not valid (with the reason)
  std::string kernel;                  // from the "start" event
  bool started = false;
  bool ended = false;  // the "end" event was seen: the plan ran through
  std::string fatal;   // a "fatal" event's error
};

// Extracts the probe's events from console output. Never throws on bad input; events must be
// JSON objects with a string "ev" of at most 64 KiB per line, and at most 100000 lines count.
ProbeLog parse_probe_log(std::string_view console);

// The events of kind `ev` whose field `key` is the string `value`.
std::vector<const nlohmann::json*> find_events(const ProbeLog& log, std::string_view ev, std::string_view key,
                                               std::string_view value);

// Typed field access that tolerates missing or mistyped fields.
long long get_int(const nlohmann::json& j, const char* key, long long fallback = -1);
bool get_bool(const nlohmann::json& j, const char* key, bool fallback = false);
std::string get_string(const nlohmann::json& j, const char* key);
std::vector<std::string> get_strings(const nlohmann::json& j, const char* key);

}  // namespace core::smoke
