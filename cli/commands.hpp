// One setup function per subcommand; each registers its options and a callback that stores
// the command's exit status in `status`.
#pragma once

#include <CLI/CLI.hpp>

namespace cli {

void setup_inspect(CLI::App& app, int& status);
void setup_lint(CLI::App& app, int& status);
void setup_scan(CLI::App& app, int& status);
void setup_smoke(CLI::App& app, int& status);
void setup_status(CLI::App& app, int& status);
void setup_tag(CLI::App& app, int& status);
void setup_build(CLI::App& app, int& status);

}  // namespace cli
