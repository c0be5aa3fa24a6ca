// Reading a user-supplied JSON file (configs, baselines): errors name the file and say why.
#pragma once

#include <cerrno>
#include <fstream>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/util/error.hpp"

namespace core::util {

// The parsed document; IoError if the file cannot be opened, UsageError if it is not JSON.
inline nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw IoError(path, "open", errno);
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw UsageError(fmt::format("{}: not valid JSON: {}", path, e.what()));
  }
}

}  // namespace core::util
