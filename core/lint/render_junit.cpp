// JUnit XML: one <testsuite> per image and one <testcase> per enabled rule in it, so one
// failure holds all of a rule's findings for the image (kics#3902's complaint about JUnit).
// Findings below the threshold do not fail their test case; they go to <system-out>.
#include <fmt/format.h>

#include "core/lint/render.hpp"

namespace core::lint {

namespace {

// printable() first (no control characters, valid UTF-8), then the five XML entities.
std::string xml(std::string_view text) {
  std::string out;
  for (char c : printable(text)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string line(const Finding& f) {
  std::string s = fmt::format("{}: {}", severity_name(f.severity), f.path ? *f.path + ": " + f.message : f.message);
  if (f.nid) s += fmt::format(" [nid {}]", *f.nid);
  if (f.suppressed) s += " (accepted: " + f.suppression_reason + ")";
  return s;
}

}  // namespace

std::string render_junit(const LintReport& rep) {
  std::string suites;
  std::size_t total_tests = 0, total_failures = 0;
  std::vector<bool> reported(rep.input_errors.size(), false);
  // An input error as an erroring test case "read" (in the image's suite when it has one).
  auto read_case = [&](const InputError& e) {
    return fmt::format("    <testcase classname=\"{}\" name=\"read\">\n      <error message=\"{}\"/>\n    </testcase>\n",
                       xml(e.input), xml(e.input + ": " + e.error));
  };
  for (std::size_t img = 0; img < rep.images.size(); ++img) {
    const std::string& name = rep.images[img].image;
    std::string cases;
    std::size_t failures = 0, errors = 0;
    for (std::size_t k = 0; k < rep.input_errors.size(); ++k) {
      if (reported[k] || rep.input_errors[k].input != name || rep.images[img].opened) continue;
      reported[k] = true;
      ++errors;
      cases += read_case(rep.input_errors[k]);
      break;
    }
    for (const ActiveRule& r : rep.rules) {
      std::vector<const Finding*> failing, other;
      for (const Finding& f : rep.findings)
        if (f.image_index == img && f.rule == r.rule->id)
          (!f.suppressed && fails(f.severity, rep.threshold) ? failing : other).push_back(&f);
      cases += fmt::format("    <testcase classname=\"{}\" name=\"{}\"", xml(name), xml(r.rule->id));
      if (failing.empty() && other.empty()) {
        cases += "/>\n";
        continue;
      }
      cases += ">\n";
      if (!failing.empty()) {
        ++failures;
        cases += fmt::format("      <failure type=\"{}\" message=\"{} finding{}: {}\">", severity_name(r.severity),
                             failing.size(), failing.size() == 1 ? "" : "s", xml(r.rule->summary));
        for (const Finding* f : failing) cases += xml(line(*f)) + "\n";
        cases += "</failure>\n";
      }
      if (!other.empty()) {
        cases += "      <system-out>";
        for (const Finding* f : other) cases += xml(line(*f)) + "\n";
        cases += "</system-out>\n";
      }
      cases += "    </testcase>\n";
    }
    total_tests += rep.rules.size() + errors;
    total_failures += failures;
    suites += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"0\">\n{}  </testsuite>\n",
                          xml(name), rep.rules.size() + errors, failures, errors, cases);
  }
  // Files that could not be read at all: a suite of one erroring test case each.
  for (std::size_t k = 0; k < rep.input_errors.size(); ++k) {
    if (reported[k]) continue;
    ++total_tests;
    suites += fmt::format("  <testsuite name=\"{}\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\">\n{}  </testsuite>\n",
                          xml(rep.input_errors[k].input), read_case(rep.input_errors[k]));
  }
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"erofs-share lint\" tests=\"{}\" failures=\"{}\" "
      "errors=\"{}\">\n{}</testsuites>\n",
      total_tests, total_failures, rep.input_errors.size(), suites);
}

}  // namespace core::lint
