// erofs-share: command-line entry point. Builds the CLI, dispatches, maps errors to exit codes:
// 0 ok, 1 a check failed, 2 usage or input error.
#include <cstdio>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/util/display.hpp"
#include "core/util/error.hpp"

int main(int argc, char** argv) {
  CLI::App app{"erofs-share: measure, tag and check EROFS inode page-cache sharing (Linux 7.0+)"};
  app.set_version_flag("--version", std::string("erofs-share ") + EROFS_SHARE_VERSION);
  app.require_subcommand(1);
  // Parse errors render as one line, like every other error.
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return fmt::format("erofs-share: {} (see --help)\n", core::util::display(e.what()));  // may quote arguments
  });
  app.footer("Run 'erofs-share COMMAND --help' for a command's options. Exit status: 0 ok, 1 a check failed,\n"
             "2 usage error or unreadable/corrupt input.");
  int status = 0;
  cli::setup_inspect(app, status);
  cli::setup_lint(app, status);
  cli::setup_scan(app, status);
  cli::setup_smoke(app, status);
  cli::setup_tag(app, status);
  cli::setup_build(app, status);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 checks "a subcommand is required" before unknown arguments: name them instead.
    if (dynamic_cast<const CLI::RequiredError*>(&e) && app.get_subcommands().empty() && !app.remaining().empty())
      return app.exit(CLI::ExtrasError(app.remaining())) == 0 ? 0 : 2;
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  } catch (const core::Error& e) {
    std::fflush(stdout);
    fmt::print(stderr, "erofs-share: {}\n", core::util::display(e.what()));  // names are raw
    return 2;
  } catch (const std::bad_alloc&) {
    fmt::print(stderr, "erofs-share: out of memory\n");
    return 2;
  } catch (const std::exception& e) {  // a bug, but still one line and exit 2, not abort()
    std::fflush(stdout);
    fmt::print(stderr, "erofs-share: internal error: {}\n", core::util::display(e.what()));
    return 2;
  }
  return status;
}
