// The lint config file: TOML (parsed by toml++), found by discovery or named by --config.
// apply_config (policy.hpp) reads one; discover_config finds the one a run uses.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace core::lint {

// The config file lint discovers.
inline constexpr const char* k_config_name = ".erofs-share.toml";

// The config file for a run started in `start`: `.erofs-share.toml` in `start` or the nearest
// parent that has one, looking no higher than the repository root (a directory holding
// `.git`) or "/". nullopt when there is none.
std::optional<std::string> discover_config(const std::filesystem::path& start);

}  // namespace core::lint
