// The options and behaviour every subcommand shares (erofs-share(1) CONVENTIONS): -q/--quiet,
// --progress, --color, the one progress line, severity colours, the JSON error object and the
// help placeholders.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "core/util/error.hpp"
#include "core/util/ints.hpp"

namespace cli {

// What -q, --progress and --color asked for (one per subcommand).
struct Conventions {
  bool quiet = false;             // -q: no progress, no informational messages on stderr
  std::string progress = "auto";  // auto: on a terminal only; always; never
  std::string color = "auto";     // auto: on a terminal, unless NO_COLOR is set; always; never
  bool no_progress = false;       // scan --no-progress (deprecated alias of --progress never)

  // Whether the progress line is drawn on stderr.
  bool show_progress() const;
  // Whether text written to `fd` (stdout or stderr) is coloured.
  bool use_color(int fd) const;
};

// Registers -q/--quiet, --progress and --color on `sub`, stored in `c`.
void add_conventions(CLI::App& sub, Conventions& c);

// One progress line on stderr, rewritten in place and cleared when done: phase, items, bytes,
// rate and ETA (each part only once known). Does nothing when constructed off.
class ProgressLine {
public:
  explicit ProgressLine(bool on) : m_on(on) {}
  ~ProgressLine() { clear(); }
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // A snapshot; totals are 0 while unknown. `items` names what is counted ("files").
  void update(std::string_view phase, core::u64 items_done, core::u64 items_total, core::u64 bytes_done,
              core::u64 bytes_total, std::string_view items = "files");
  // A phase with nothing counted (yet).
  void phase(std::string_view phase) { update(phase, 0, 0, 0, 0, ""); }
  // Erases the line (spaces, then carriage return) if one was drawn.
  void clear();

private:
  bool m_on;
  bool m_drawn = false;
  std::string m_phase;
  std::chrono::steady_clock::time_point m_phase_start;
  std::chrono::steady_clock::time_point m_last_draw;
  std::size_t m_width = 0;
};

// Severity colours of text output. Both return `text` unchanged when `on` is false.
std::string color_lint_text(const std::string& text, bool on);  // severities, clean / FAILED
std::string color_scan_text(const std::string& text, bool on);  // shares_now, would_share_once_tagged, blocked
// `word` in a colour by its meaning: "error", "warning", "info", "ok" (green).
std::string paint(std::string_view word, std::string_view meaning, bool on);

// An error re-thrown by a command with the input's name in front, keeping the kind of the
// original (as error_kind says it).
class NamedError : public core::Error {
public:
  NamedError(const std::string& what, std::string kind) : core::Error(what), m_kind(std::move(kind)) {}
  const std::string& kind() const { return m_kind; }

private:
  std::string m_kind;
};

// The "kind" of the JSON error object for `e` (see error_json).
std::string error_kind(const core::Error& e);

// The JSON a subcommand run with --format json prints on stdout when it fails (one line).
// `kind`: usage, corrupt_image, unsupported, io, data_unavailable, error, out_of_memory, internal.
std::string error_json(const std::string& message, const std::string& kind, const std::string& command,
                       int exit_status);

// Help shows each placeholder once: positionals show their name only, options without a
// type name of their own get one from their long name (TEXT -> FORMAT, UINT -> N).
void tidy_help(CLI::App& app);

// The arguments erofs-share was run with (argv[0] as "erofs-share"), raw, for reports that say
// how they were made (scan --format html). main() records them once, before parsing.
void set_command_line(int argc, char** argv);
const std::vector<std::string>& command_line();

// The tool's name and version, as every JSON output carries them: {"name", "version"}.
nlohmann::json tool_json();

}  // namespace cli
