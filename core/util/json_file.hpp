// Reading a user-supplied JSON file (configs, baselines): errors name the file and say why.
#pragma once

#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/util/error.hpp"
#include "core/util/input_file.hpp"

namespace core::util {

// The parsed document; IoError if the file cannot be opened, UsageError if it is not JSON or
// not a file (a FIFO, a character device: refused without blocking, input_file.hpp).
inline nlohmann::json read_json_file(const std::string& path) {
  const std::string text = read_input_file(path);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw UsageError(fmt::format("{}: not valid JSON: {}", path, e.what()));
  }
}

}  // namespace core::util
