// GitHub Actions workflow commands: one annotation per finding (error / warning / notice),
// attached to the image file, with the rule id as title.
#include <fmt/format.h>

#include "core/lint/render.hpp"

namespace core::lint {

namespace {

// Workflow-command escaping: data escapes %, CR, LF; property values also ':' and ','.
std::string escape_data(std::string_view s) {
  std::string out;
  for (char c : printable(s)) {
    if (c == '%') out += "%25";
    else if (c == '\r') out += "%0D";
    else if (c == '\n') out += "%0A";
    else out += c;
  }
  return out;
}

std::string escape_property(std::string_view s) {
  std::string out;
  for (char c : escape_data(s)) {
    if (c == ':') out += "%3A";
    else if (c == ',') out += "%2C";
    else out += c;
  }
  return out;
}

const char* command(Severity s) {
  switch (s) {
    case Severity::error: return "error";
    case Severity::warning: return "warning";
    case Severity::info: return "notice";
  }
  return "error";
}

}  // namespace

std::string render_github(const LintReport& rep) {
  std::string out;
  for (const Finding& f : rep.findings) {
    if (f.suppressed) continue;
    std::string text = f.path ? *f.path + ": " + f.message : f.message;
    if (f.nid) text += fmt::format(" [nid {}]", *f.nid);
    out += fmt::format("::{} file={},title={}::{}\n", command(f.severity), escape_property(f.image),
                       escape_property("erofs-share lint: " + f.rule), escape_data(text));
  }
  for (const std::string& n : rep.warnings) out += "::warning title=erofs-share lint baseline::" + escape_data(n) + "\n";
  for (const std::string& n : rep.notes) out += "::notice title=erofs-share lint::" + escape_data(n) + "\n";  // inputs, baseline
  for (const InputError& e : rep.input_errors)
    out += fmt::format("::error file={},title={}::{}\n", escape_property(e.input),
                       escape_property("erofs-share lint: input error"), escape_data(e.input + ": " + e.error));
  out += fmt::format("erofs-share lint: {} errors, {} warnings, {} info, {} accepted{}; {}\n", rep.count(Severity::error),
                     rep.count(Severity::warning), rep.count(Severity::info), rep.suppressed,
                     rep.input_errors.empty() ? "" : fmt::format(", {} inputs unreadable", rep.input_errors.size()),
                     rep.failed() ? "failed" : "passed");
  return out;
}

}  // namespace core::lint
