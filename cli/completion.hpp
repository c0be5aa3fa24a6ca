// Shell completion generated from the CLI definition: the hidden `erofs-share completion
// bash|zsh|fish` subcommand walks the CLI11 App tree (subcommands, options, the choices of
// options such as --format) and prints the script. The build writes the three scripts into
// <build>/share/completions/ (erofs-share.bash, _erofs-share, erofs-share.fish).
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace cli {

// Registers the hidden `completion SHELL` subcommand (call after every other setup_*).
void setup_completion(CLI::App& app, int& status);

// The completion script of `shell` ("bash", "zsh" or "fish") for `app`, named `program`.
std::string completion_script(const CLI::App& app, const std::string& shell, const std::string& program);

}  // namespace cli
