#include "cli/conventions.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

namespace cli {

namespace {

const char* const k_reset = "\033[0m";

std::string human(core::u64 bytes) {
  static const char* const k_units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = static_cast<double>(bytes);
  unsigned u = 0;
  while (v >= 1024 && u + 1 < std::size(k_units)) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", v, k_units[u]);
}

std::size_t stderr_width() {
  struct winsize ws {};
  if (::isatty(STDERR_FILENO) && ::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1) return ws.ws_col - 1;
  return 79;
}

const char* color_code(std::string_view meaning) {
  if (meaning == "error") return "\033[1;31m";  // bold red
  if (meaning == "warning") return "\033[33m";  // yellow
  if (meaning == "info") return "\033[36m";     // cyan
  if (meaning == "ok") return "\033[32m";       // green
  return "";
}

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Paints every whole-word occurrence of `word` in `line`.
void paint_word(std::string& line, std::string_view word, std::string_view meaning) {
  const std::string painted = paint(word, meaning, true);
  for (std::size_t at = line.find(word); at != std::string::npos; at = line.find(word, at)) {
    const bool starts = at == 0 || !word_char(line[at - 1]);
    const bool ends = at + word.size() == line.size() || !word_char(line[at + word.size()]);
    if (!starts || !ends) {
      at += word.size();
      continue;
    }
    line.replace(at, word.size(), painted);
    at += painted.size();
  }
}

// Applies `fn` to each line of `text` (without its newline).
template <class Fn>
std::string per_line(const std::string& text, Fn fn) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t nl = text.find('\n', pos);
    const std::size_t end = nl == std::string::npos ? text.size() : nl;
    std::string line = text.substr(pos, end - pos);
    fn(line);
    out += line;
    if (nl != std::string::npos) out += '\n';
    pos = end + 1;
  }
  return out;
}

}  // namespace

bool Conventions::show_progress() const {
  if (quiet || no_progress || progress == "never") return false;
  if (progress == "always") return true;
  return ::isatty(STDERR_FILENO) != 0;
}

bool Conventions::use_color(int fd) const {
  if (color == "never") return false;
  if (color == "always") return true;
  // https://no-color.org: any non-empty NO_COLOR turns colour off (an explicit --color wins).
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color && *no_color) return false;
  const char* term = std::getenv("TERM");
  if (term && std::string_view(term) == "dumb") return false;
  return ::isatty(fd) != 0;
}

void add_conventions(CLI::App& sub, Conventions& c) {
  sub.add_flag("-q,--quiet", c.quiet, "No progress and no informational messages on standard error (errors still)");
  sub.add_option("--progress", c.progress, "Progress line on standard error: auto (on a terminal), always or never")
      ->type_name("WHEN")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  sub.add_option("--color", c.color,
                 "Colour in text output: auto (on a terminal, unless NO_COLOR is set), always or never")
      ->type_name("WHEN")
      ->check(CLI::IsMember({"auto", "always", "never"}));
}

void ProgressLine::update(std::string_view phase, core::u64 items_done, core::u64 items_total, core::u64 bytes_done,
                          core::u64 bytes_total, std::string_view items) {
  if (!m_on) return;
  const auto now = std::chrono::steady_clock::now();
  const bool new_phase = m_phase != phase || !m_drawn;
  if (new_phase) {
    m_phase = phase;
    m_phase_start = now;
  } else if (now - m_last_draw < std::chrono::milliseconds(100) && !(bytes_total && bytes_done == bytes_total)) {
    return;  // at most ten redraws a second, but always the first and the last of a phase
  }
  m_last_draw = now;
  if (!m_width) m_width = stderr_width();
  const double secs = std::chrono::duration<double>(now - m_phase_start).count();
  std::string line = fmt::format("erofs-share: {}", phase);
  if (!items.empty() && (items_done || items_total)) {
    line += fmt::format(": {} {}", items_done, items);
    if (items_total) line += fmt::format(" of {}", items_total);
  }
  if (bytes_done || bytes_total) {
    line += fmt::format(", {}", human(bytes_done));
    if (bytes_total) line += fmt::format(" of {}", human(bytes_total));
  }
  double rate = 0, eta = -1;
  if (secs > 0.5 && bytes_done) {
    rate = static_cast<double>(bytes_done) / secs;
    line += fmt::format(", {}/s", human(static_cast<core::u64>(rate)));
    if (bytes_total > bytes_done) eta = static_cast<double>(bytes_total - bytes_done) / rate;
  } else if (secs > 0.5 && items_done && items_total > items_done) {
    eta = static_cast<double>(items_total - items_done) * secs / static_cast<double>(items_done);
  }
  if (eta >= 0) line += fmt::format(", ETA {:.0f} s", eta);
  if (line.size() > m_width) line.resize(m_width);
  fmt::print(stderr, "\r{:<{}}", line, m_width);
  std::fflush(stderr);
  m_drawn = true;
}

void ProgressLine::clear() {
  if (!m_drawn) return;
  fmt::print(stderr, "\r{:<{}}\r", "", m_width);
  std::fflush(stderr);
  m_drawn = false;
}

std::string paint(std::string_view word, std::string_view meaning, bool on) {
  const char* code = color_code(meaning);
  if (!on || !*code) return std::string(word);
  return fmt::format("{}{}{}", code, word, k_reset);
}

std::string color_lint_text(const std::string& text, bool on) {
  if (!on) return text;
  return per_line(text, [](std::string& line) {
    // "  SEVERITY RULE: ..." (a rule's findings), "warning: ", "note: ", "error: " (notes),
    // "IMAGE: clean; ..." and the verdict line.
    for (std::string_view sev : {"error", "warning", "info"}) {
      const std::string head = fmt::format("  {} ", sev);
      if (line.starts_with(head)) {
        line = "  " + paint(sev, sev, true) + line.substr(head.size() - 1);
        return;
      }
      if (line.starts_with(fmt::format("{}: ", sev))) {
        line = paint(sev, sev, true) + line.substr(sev.size());
        return;
      }
    }
    if (line.starts_with("note: ")) {
      line = paint("note", "info", true) + line.substr(4);
      return;
    }
    if (line.starts_with("  ") || line.starts_with("    ")) return;  // finding text: names, not painted
    const std::size_t failed = line.rfind("FAILED");
    if (failed != std::string::npos) {
      line.replace(failed, 6, paint("FAILED", "error", true));
    } else if (line.ends_with(": clean") || line.find(": clean;") != std::string::npos) {
      const std::size_t at = line.rfind(": clean");
      line.replace(at + 2, 5, paint("clean", "ok", true));
    }
  });
}

std::string color_scan_text(const std::string& text, bool on) {
  if (!on) return text;
  return per_line(text, [](std::string& line) {
    paint_word(line, "shares_now", "ok");
    paint_word(line, "would_share_once_tagged", "warning");
    paint_word(line, "blocked", "error");
  });
}

std::string error_kind(const core::Error& e) {
  if (const auto* named = dynamic_cast<const NamedError*>(&e)) return named->kind();
  if (dynamic_cast<const core::UsageError*>(&e)) return "usage";
  if (dynamic_cast<const core::CorruptImage*>(&e)) return "corrupt_image";
  if (dynamic_cast<const core::Unsupported*>(&e)) return "unsupported";
  if (dynamic_cast<const core::IoError*>(&e)) return "io";
  if (dynamic_cast<const core::DataUnavailable*>(&e)) return "data_unavailable";
  return "error";
}

namespace {
std::vector<std::string>& recorded_command_line() {
  static std::vector<std::string> args;
  return args;
}
}  // namespace

void set_command_line(int argc, char** argv) {
  std::vector<std::string>& args = recorded_command_line();
  args.assign({"erofs-share"});
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
}

const std::vector<std::string>& command_line() { return recorded_command_line(); }

nlohmann::json tool_json() { return {{"name", "erofs-share"}, {"version", EROFS_SHARE_VERSION}}; }

std::string error_json(const std::string& message, const std::string& kind, const std::string& command,
                       int exit_status) {
  nlohmann::ordered_json j;
  j["schema_version"] = 1;
  j["error"] = {{"message", message}, {"kind", kind}, {"exit_status", exit_status}};
  if (!command.empty()) j["error"]["command"] = command;
  j["tool"] = nlohmann::ordered_json{{"name", "erofs-share"}, {"version", EROFS_SHARE_VERSION}};
  // Messages hold names as bytes: invalid UTF-8 becomes U+FFFD.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

void tidy_help(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    for (CLI::Option* opt : sub->get_options()) {
      if (opt->get_positional()) {
        opt->type_name("");  // "IMAGE ...", not "IMAGE TEXT ..."
        continue;
      }
      const std::string type = opt->get_type_name();
      if (opt->get_lnames().empty() || opt->get_type_size() == 0) continue;  // flags
      std::string name = opt->get_lnames().front();
      for (char& ch : name) ch = ch == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      if (type.starts_with("UINT") || type.starts_with("INT"))
        opt->type_name("N");
      else if (type.starts_with("TEXT"))
        opt->type_name(name);
      else if (type.starts_with("FLOAT"))
        opt->type_name("NUMBER");
    }
  }
}

}  // namespace cli
