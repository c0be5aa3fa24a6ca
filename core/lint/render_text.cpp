// The text report: one block per image, findings grouped by rule (most severe first), each
// with its path; a finding found in several images (Finding::group) once, in a block of its
// own after the images, "in N images: a, b"; then a one-line verdict.
#include <map>

#include <fmt/format.h>

#include "core/lint/render.hpp"

namespace core::lint {

namespace {

std::string plural(std::size_t n, const char* word) { return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s"); }

std::string counts(std::size_t e, std::size_t w, std::size_t i) {
  return fmt::format("{}, {}, {} info", plural(e, "error"), plural(w, "warning"), i);
}

// One block of findings grouped by rule: most severe first, then table order; findings keep
// their order. `line` renders one finding.
template <class Line>
std::string rule_groups(const LintReport& rep, const std::vector<const Finding*>& found, Line line) {
  std::map<std::string, std::size_t> rank;  // rule id -> table position, for grouping order
  for (std::size_t k = 0; k < rep.rules.size(); ++k) rank[std::string(rep.rules[k].rule->id)] = k;
  std::map<std::pair<int, std::size_t>, std::vector<const Finding*>> groups;
  for (const Finding* f : found) groups[{-int(f->severity), rank[f->rule]}].push_back(f);
  std::string out;
  for (const auto& entry : groups) {
    const Rule& rule = *rep.rules[entry.first.second].rule;
    out += fmt::format("  {} {}: {}\n", severity_name(entry.second.front()->severity), rule.id, rule.summary);
    for (const Finding* f : entry.second) out += "    " + line(*f) + "\n";
  }
  return out;
}

std::string finding_text(const Finding& f) {
  std::string line = f.path ? printable(*f.path) + ": " + printable(f.message) : printable(f.message);
  if (f.suppressed) line = "(accepted: " + printable(f.suppression_reason) + ") " + line;
  return line;
}

std::string image_line(const ImageSummary& s, const std::vector<const Finding*>& found, bool verify) {
  std::size_t e = 0, w = 0, i = 0;
  for (const Finding* f : found) (f->severity == Severity::error ? e : f->severity == Severity::warning ? w : i) += 1;
  std::string head = found.empty() ? "clean" : counts(e, w, i);
  if (!s.opened) return fmt::format("{}: {}; the image could not be opened", printable(s.image), head);
  std::string fp = "no fingerprints";
  if (s.fingerprint_name) {
    fp = fmt::format("fingerprints {} on {} of {} regular files ({:.1f}%)", printable(*s.fingerprint_name),
                     s.fingerprinted, s.regular_files, s.coverage_percent());
    if (verify) {
      fp += fmt::format(", {} verified", s.verified);
      if (s.mismatched) fp += fmt::format(", {} not matching", s.mismatched);
      if (s.unverifiable) fp += fmt::format(", {} unreadable", s.unverifiable);
    } else {
      fp += ", not verified (--no-verify)";
    }
  }
  return fmt::format("{}: {}; {}", printable(s.image), head, fp);
}

std::string location(const Finding& f) {
  std::vector<std::string> parts;
  if (f.nid) parts.push_back(fmt::format("nid {}", *f.nid));
  if (f.offset) parts.push_back(fmt::format("byte {:#x}", *f.offset));
  std::string s;
  for (const auto& p : parts) s += (s.empty() ? "" : ", ") + p;
  return s.empty() ? "" : " [" + s + "]";
}

}  // namespace

std::string render_text(const LintReport& rep) {
  std::string out;
  // Findings of several images (same group): listed once, after the images, with their images.
  std::map<std::string, std::vector<const Finding*>> grouped;  // group -> its findings
  std::vector<const Finding*> group_heads;                     // first finding of each group
  for (const Finding& f : rep.findings) {
    if (f.group.empty()) continue;
    auto& members = grouped[f.group];
    if (members.empty()) group_heads.push_back(&f);
    members.push_back(&f);
  }
  for (std::size_t img = 0; img < rep.images.size(); ++img) {
    std::vector<const Finding*> found, listed;
    for (const Finding& f : rep.findings) {
      if (f.image_index != img) continue;
      found.push_back(&f);
      if (f.group.empty()) listed.push_back(&f);
    }
    std::string line = image_line(rep.images[img], found, rep.settings.verify);
    if (listed.size() < found.size())
      line += fmt::format(" ({} listed under \"in several images\")", found.size() - listed.size());
    out += line + "\n";
    out += rule_groups(rep, listed, [](const Finding& f) { return finding_text(f) + location(f); });
  }
  if (!group_heads.empty()) {
    out += fmt::format("in several images: {}\n", plural(group_heads.size(), "finding"));
    out += rule_groups(rep, group_heads, [&](const Finding& f) {
      const std::vector<const Finding*>& members = grouped[f.group];
      std::string names;
      for (const Finding* m : members) names += (names.empty() ? "" : ", ") + printable(m->image);
      return fmt::format("{} in {} images: {}", finding_text(f), members.size(), names);
    });
  }
  for (const std::string& n : rep.warnings) out += "warning: " + printable(n) + "\n";
  for (const std::string& n : rep.notes) out += "note: " + printable(n) + "\n";
  for (const InputError& x : rep.input_errors) out += "error: " + printable(x.input) + ": " + printable(x.error) + "\n";
  const std::size_t e = rep.count(Severity::error), w = rep.count(Severity::warning), i = rep.count(Severity::info);
  const std::string above = fmt::format("findings at or above {}", threshold_name(rep.threshold));
  std::string verdict = !rep.input_errors.empty()
                            ? fmt::format("FAILED ({} could not be read{})", plural(rep.input_errors.size(), "input"),
                                          rep.findings_failed() ? ", " + above : "")
                        : rep.threshold == Threshold::none ? "report only (--severity-threshold none)"
                        : rep.failed()                     ? fmt::format("FAILED ({})", above)
                                       : fmt::format("passed (nothing at or above {})", threshold_name(rep.threshold));
  const std::string hidden =
      rep.hidden.empty()
          ? ""
          : fmt::format(", {} hidden (below --show {})", plural(rep.hidden.size(), "finding"), severity_name(rep.show));
  out +=
      fmt::format("{}: {}{}{}; {}\n", plural(rep.images.size(), "image"), counts(e, w, i),
                  rep.suppressed ? fmt::format(", {} accepted by the baseline", rep.suppressed) : "", hidden, verdict);
  return out;
}

}  // namespace core::lint
