#include "core/lint/lint.hpp"

#include <algorithm>
#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "core/lint/baseline.hpp"
#include "core/lint/collect.hpp"

namespace core::lint {

std::size_t LintReport::count(Severity severity) const {
  auto counted = [&](const Finding& f) { return !f.suppressed && f.severity == severity; };
  return static_cast<std::size_t>(std::count_if(findings.begin(), findings.end(), counted) +
                                  std::count_if(hidden.begin(), hidden.end(), counted));
}

bool LintReport::findings_failed() const {
  auto failing = [&](const Finding& f) { return !f.suppressed && fails(f.severity, threshold); };
  return std::any_of(findings.begin(), findings.end(), failing) || std::any_of(hidden.begin(), hidden.end(), failing);
}

int LintReport::exit_status() const {
  if (!input_errors.empty()) return 2;
  return findings_failed() ? 1 : 0;
}

namespace {

// An error message without the input's own name in front ("IMG: open: ..." -> "open: ...").
InputError input_error(const std::string& input, const std::string& what) {
  const std::string prefix = input + ": ";
  return {input, what.starts_with(prefix) ? what.substr(prefix.size()) : what};
}

// The baseline already at `path`, if there is a non-empty file there; it must be one.
std::optional<Baseline> existing_baseline(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec) || std::filesystem::file_size(path, ec) == 0 || ec)
    return std::nullopt;
  try {
    return load_baseline(path);
  } catch (const UsageError& e) {
    throw UsageError(fmt::format("--write-baseline: {} exists and is not a baseline ({}); remove it or choose another "
                                 "file",
                                 path, e.what()));
  }
}

ImageSummary summarize(const ImageFacts& img) {
  ImageSummary s;
  s.image = img.image;
  s.opened = img.opened;
  s.fingerprint_name = img.fingerprint_name;
  for (const FileFacts& f : img.files) {
    if (!ImageFacts::shareable(f)) continue;
    ++s.regular_files;
    if (!f.has_fingerprint()) continue;
    ++s.fingerprinted;
    if (f.content) {
      ++s.verified;
      if (f.fingerprint.state == erofs::FingerprintState::valid && *f.content != f.fingerprint.digest) ++s.mismatched;
    } else if (f.verify_wanted) {
      ++s.unverifiable;
    }
  }
  return s;
}

}  // namespace

LintInput LintInput::failed(std::string name, std::string error) {
  LintInput in(std::move(name));
  in.error = std::move(error);
  return in;
}

LintReport lint(const LintRequest& req) {
  LintReport rep;
  rep.threshold = req.policy.threshold;
  rep.settings = req.policy.settings;
  if (!req.policy.settings.devices.empty() && req.images.size() != 1)
    throw UsageError("--device needs exactly one IMAGE (the devices belong to it)");
  std::optional<Baseline> baseline;
  if (!req.policy.baseline.empty()) baseline = load_baseline(req.policy.baseline);
  std::optional<Baseline> existing;  // what --write-baseline merges with when there is no --baseline
  if (!req.write_baseline.empty() && !baseline) existing = existing_baseline(req.write_baseline);
  const std::string today = req.today.empty() ? today_utc() : req.today;
  rep.notes = req.notes;

  // 1. Metadata of every image (sequential: cheap next to reading content).
  Facts facts;
  facts.settings = req.policy.settings;
  std::vector<std::unique_ptr<erofs::Image>> images;
  for (const LintInput& in : req.images) {
    const std::string& path = in.name;
    if (!in.error.empty()) {
      rep.input_errors.push_back({path, in.error});
      continue;
    }
    std::unique_ptr<erofs::Image> img;
    try {
      facts.images.push_back(collect_image(path, in.bytes, facts.images.size(), facts.settings, img));
      images.push_back(std::move(img));
    } catch (const IoError& e) {
      rep.input_errors.push_back(input_error(path, e.what()));
      continue;
    } catch (const NotAnImage& e) {
      rep.input_errors.push_back(input_error(path, e.what()));
      continue;
    }
    if (!facts.images.back().opened)
      rep.input_errors.push_back({path, "cannot open the image: " + facts.images.back().open_error});
  }
  // 2. Content digests, all images at once, in parallel.
  if (facts.settings.verify) verify_contents(facts.images, images, facts.settings.jobs);

  // 3. The rules, in table order.
  for (const Rule& rule : all_rules()) {
    if (!req.policy.enabled(rule)) continue;
    rep.rules.push_back({&rule, req.policy.severity(rule)});
    Emitter out(rule, req.policy.severity(rule), rep.findings);
    rule.check(facts, out);
  }
  std::sort(rep.findings.begin(), rep.findings.end(), finding_less);

  // 4. Accepted findings.
  if (baseline) {
    for (std::string& n : apply_baseline(*baseline, rep.findings, today)) rep.notes.push_back(std::move(n));
    rep.warnings = baseline_warnings(*baseline, today);
    rep.suppressed = static_cast<std::size_t>(
        std::count_if(rep.findings.begin(), rep.findings.end(), [](const Finding& f) { return f.suppressed; }));
    if (!req.show_suppressed) {
      for (const Finding& f : rep.findings)
        if (f.suppressed) rep.accepted.push_back(f);
      std::erase_if(rep.findings, [](const Finding& f) { return f.suppressed; });
    }
  }
  // 5. The baseline to write.
  if (!req.write_baseline.empty()) {
    std::vector<Finding> all = rep.findings;
    all.insert(all.end(), rep.accepted.begin(), rep.accepted.end());
    const Baseline* old = baseline ? &*baseline : existing ? &*existing : nullptr;
    rep.baseline_out = merge_baseline(old, all);
    const BaselineMerge& m = *rep.baseline_out;
    rep.notes.push_back(fmt::format("{}: baseline written{}: {} kept, {} added with a placeholder reason, {} dropped "
                                    "(matching no finding)",
                                    req.write_baseline, old ? " from " + old->file : "", m.kept, m.added, m.dropped));
  }
  // 6. Findings in several images share a group id; then the display filter (--show).
  group_across_images(rep.findings);
  rep.show = req.show;
  for (const Finding& f : rep.findings)
    if (f.severity < req.show) rep.hidden.push_back(f);
  std::erase_if(rep.findings, [&](const Finding& f) { return f.severity < req.show; });
  for (const ImageFacts& img : facts.images) rep.images.push_back(summarize(img));
  return rep;
}

}  // namespace core::lint
