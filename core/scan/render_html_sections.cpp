// Sections of the HTML page that explain it: where it came from (tool version, command line,
// the inputs' identities), what the status colours mean, and what blocks sharing with what to
// do about each reason (reason_text and reason_advice, model.hpp: the same words as the text
// report).
#include <vector>

#include <fmt/format.h>

#include "core/scan/render.hpp"
#include "core/scan/render_html.hpp"
#include "core/util/display.hpp"

namespace core::scan::html {

std::string escape(std::string_view text) {
  std::string o;
  o.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&#39;"; break;
      default: o += c;
    }
  }
  return o;
}

std::string name(std::string_view raw) { return escape(util::display(raw)); }

std::string shorten(std::string_view displayed, std::size_t max_chars) {
  // Code point starts (display() leaves valid UTF-8 only, so no cut splits a character).
  std::vector<std::size_t> starts;
  for (std::size_t i = 0; i < displayed.size(); ++i)
    if ((static_cast<unsigned char>(displayed[i]) & 0xc0) != 0x80) starts.push_back(i);
  if (starts.size() <= max_chars || max_chars < 4) return std::string(displayed);
  const std::size_t head = (max_chars - 1) * 2 / 5;  // 24: 9 before the ellipsis, 14 after
  const std::size_t tail = max_chars - 1 - head;
  return std::string(displayed.substr(0, starts[head])) + "\u2026" +
         std::string(displayed.substr(starts[starts.size() - tail]));
}

std::string short_name(std::string_view raw, std::size_t max_chars) {
  const std::string shown = util::display(raw);
  return fmt::format("<span class=name title=\"{}\">{}</span>", escape(shown), escape(shorten(shown, max_chars)));
}

std::string status_class(Status status) { return fmt::format("st-{}", status_name(status)); }

std::string status_badge(Status status) {
  return fmt::format("<span class=\"st {}\">{}</span>", status_class(status), status_name(status));
}

namespace {

// One argument as a POSIX shell would need it to read it back: bare if it is made of safe
// characters only, else in single quotes (a quote inside as '"'"', so no backslash is added
// that display() would then double).
std::string shell_word(std::string_view arg) {
  if (!arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                            "_@%+=:,./-") == std::string_view::npos)
    return std::string(arg);
  std::string o = "'";
  for (char c : arg) o += c == '\'' ? std::string("'\"'\"'") : std::string(1, c);
  return o + "'";
}

}  // namespace

void provenance(std::string& o, const Report& r) {
  const std::string version = r.tool_version.empty() ? "unknown" : r.tool_version;
  std::string cmd;
  for (const std::string& arg : r.command_line) cmd += (cmd.empty() ? "" : " ") + shell_word(arg);
  o += fmt::format("<dl id=provenance><dt>written by</dt><dd>erofs-share <span id=tool-version>{}</span></dd>"
                   "<dt>command line</dt><dd><code id=command-line>{}</code></dd></dl>\n",
                   escape(version), cmd.empty() ? "(not recorded)" : name(cmd));
}

void status_legend(std::string& o) {
  o += "<p class=legend id=status-legend>Status of each copy of a content held by more than one inode: "
       "<span class=\"st st-shares_now\">shares_now</span> shares its page cache now; "
       "<span class=\"st st-would_share_once_tagged\">would_share_once_tagged</span> would share once every "
       "file is tagged; <span class=\"st st-blocked\">blocked</span> would not share even then.</p>\n";
}

void reasons_table(std::string& o, const Report& r) {
  o += "<h2 id=why>What keeps copies from sharing, and what to do</h2>\n";
  if (r.reasons.empty()) {
    o += "<p id=no-reasons>Every copy of shared content shares now: nothing blocks sharing.</p>\n";
    return;
  }
  u64 copies = 0, bytes = 0;
  for (const ReasonRow& x : r.reasons) {
    copies += x.copies;
    bytes += x.bytes;
  }
  o += fmt::format("<p>{} copies ({} of page cache) do not share now; by status and reason:</p>\n", copies,
                   human_bytes(bytes));
  o += "<table id=reasons><tr><th class=l>status</th><th class=l>reason</th><th>copies</th><th>bytes</th>"
       "<th class=l>meaning</th><th class=l>what to do</th></tr>\n";
  for (const ReasonRow& x : r.reasons)
    o += fmt::format(
        "<tr class=\"reason {}\" data-status={} data-reason={} data-copies=\"{}\" data-bytes=\"{}\"><td class=l>{}</td>"
        "<td class=l><code>{}</code></td><td>{}</td><td>{}</td><td class=l>{}</td>"
        "<td class=\"l advice\">{}</td></tr>\n",
        status_class(x.status), status_name(x.status), reason_name(x.reason), x.copies, x.bytes, status_badge(x.status),
        reason_name(x.reason), x.copies, human_bytes(x.bytes), escape(reason_text(x.reason)),
        escape(reason_advice(x.reason)));
  o += "</table>\n";
}

void input_errors(std::string& o, const Report& r) {
  if (r.input_errors.empty()) return;
  o += fmt::format("<h2>Left out: {} input{} could not be read</h2>\n<ul id=input-errors>\n", r.input_errors.size(),
                   r.input_errors.size() == 1 ? "" : "s");
  for (const InputErrorRow& e : r.input_errors) o += fmt::format("<li>{}</li>\n", name(e.error));
  o += "</ul>\n";
}

void identities(std::string& o, const Report& r) {
  o += "<h2>Inputs and their identity</h2>\n<p>A digest where the scan computed or checked one; the scan does not "
       "read a whole input only to hash it, so other inputs are named by what they carry (the column says "
       "which).</p>\n<table id=identities><tr><th>#</th><th class=l>input</th><th class=l>identity</th>"
       "<th class=l>what it is</th></tr>\n";
  for (std::size_t i = 0; i < r.inputs.size(); ++i) {
    const InputRow& in = r.inputs[i];
    o += fmt::format("<tr class=identity data-index={}><td>{}</td><td class=l>{}</td><td class=l><code>{}</code></td>"
                     "<td class=l>{}</td></tr>\n",
                     i, i, name(in.name), in.identity.value.empty() ? "-" : name(in.identity.value),
                     name(in.identity.what.empty() ? "not recorded" : in.identity.what));
  }
  o += "</table>\n";
}

}  // namespace core::scan::html
