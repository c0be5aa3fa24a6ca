// erofs-share: command-line entry point. Builds the CLI, dispatches, maps errors to exit codes:
// 0 ok, 1 a check failed, 2 usage or input error. A subcommand run with --format json also
// prints its error as one JSON object on stdout (erofs-share(1) CONVENTIONS).
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/completion.hpp"
#include "cli/conventions.hpp"
#include "core/util/display.hpp"
#include "core/util/error.hpp"

namespace {

constexpr int k_error_status = 2;

// The subcommand given, if any.
const CLI::App* chosen(const CLI::App& app) {
  const auto subs = app.get_subcommands();
  return subs.empty() ? nullptr : subs.front();
}

// Whether the subcommand given was asked for --format json (as far as parsing got).
bool wants_json(const CLI::App* sub) {
  const CLI::Option* format = sub ? sub->get_option_no_throw("--format") : nullptr;
  return format && !format->results().empty() && format->results().back() == "json";
}

std::string see_help(std::string msg) {
  if (!msg.ends_with("(see --help)")) msg += " (see --help)";
  return msg;
}

// The one error report: a line on stderr, and the JSON object on stdout under --format json.
int fail(const CLI::App& app, const std::string& message, const std::string& kind) {
  std::fflush(stdout);
  const CLI::App* sub = chosen(app);
  if (wants_json(sub)) {
    fmt::print("{}\n", cli::error_json(message, kind, sub->get_name(), k_error_status));
    std::fflush(stdout);
  }
  fmt::print(stderr, "erofs-share: {}\n", core::util::display(message));  // names are raw
  return k_error_status;
}

// "unknown command 'x'; the commands are: build, inspect, ..." for a first word that names none.
std::string unknown_command(const CLI::App& app, const std::string& word) {
  std::string names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App* s) { return !s->get_group().empty(); }))
    names += (names.empty() ? "" : ", ") + sub->get_name();
  return fmt::format("unknown command '{}'; the commands are: {}", word, names);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"erofs-share: measure, tag and check EROFS inode page-cache sharing (Linux 7.0+)"};
  app.set_version_flag("--version", std::string("erofs-share ") + EROFS_SHARE_VERSION);
  app.require_subcommand(1);
  // Parse errors render as one line, like every other error, and point at --help.
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return fmt::format("erofs-share: {}\n", core::util::display(see_help(e.what())));  // may quote arguments
  });
  app.footer("Run 'erofs-share COMMAND --help' for a command's options. Exit status: 0 ok, 1 a check failed,\n"
             "2 usage error or unreadable/corrupt input. Common options: erofs-share(1) CONVENTIONS.");
  int status = 0;
  cli::setup_inspect(app, status);
  cli::setup_lint(app, status);
  cli::setup_scan(app, status);
  cli::setup_smoke(app, status);
  cli::setup_status(app, status);
  cli::setup_tag(app, status);
  cli::setup_build(app, status);
  cli::setup_completion(app, status);
  cli::tidy_help(app);
  cli::set_command_line(argc, argv);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    // CLI11 checks "a subcommand is required" before unknown arguments: name them instead.
    const std::vector<std::string> rest = app.remaining();
    if (!chosen(app) && !rest.empty() && !rest.front().starts_with("-"))
      return fail(app, see_help(unknown_command(app, rest.front())), "usage");
    if (dynamic_cast<const CLI::RequiredError*>(&e) && !chosen(app) && !rest.empty())
      return fail(app, see_help(CLI::ExtrasError(rest).what()), "usage");
    return fail(app, see_help(e.what()), "usage");
  } catch (const core::UsageError& e) {
    return fail(app, see_help(e.what()), "usage");
  } catch (const core::Error& e) {
    const std::string kind = cli::error_kind(e);
    return fail(app, kind == "usage" ? see_help(e.what()) : e.what(), kind);
  } catch (const std::bad_alloc&) {
    return fail(app, "out of memory", "out_of_memory");
  } catch (const std::exception& e) {  // a bug, but still one line and exit 2, not abort()
    return fail(app, fmt::format("internal error: {}", e.what()), "internal");
  }
  return status;
}
