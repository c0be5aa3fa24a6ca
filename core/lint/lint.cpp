#include "core/lint/lint.hpp"

#include <algorithm>
#include <memory>

#include "core/lint/baseline.hpp"
#include "core/lint/collect.hpp"

namespace core::lint {

std::size_t LintReport::count(Severity severity) const {
  return static_cast<std::size_t>(std::count_if(findings.begin(), findings.end(), [&](const Finding& f) {
    return !f.suppressed && f.severity == severity;
  }));
}

bool LintReport::findings_failed() const {
  return std::any_of(findings.begin(), findings.end(),
                     [&](const Finding& f) { return !f.suppressed && fails(f.severity, threshold); });
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

LintReport lint(const LintRequest& req) {
  LintReport rep;
  rep.threshold = req.policy.threshold;
  rep.settings = req.policy.settings;
  if (!req.policy.settings.devices.empty() && req.images.size() != 1)
    throw UsageError("--device needs exactly one IMAGE (the devices belong to it)");
  std::optional<Baseline> baseline;
  if (!req.policy.baseline.empty()) baseline = load_baseline(req.policy.baseline);

  // 1. Metadata of every image (sequential: cheap next to reading content).
  Facts facts;
  facts.settings = req.policy.settings;
  std::vector<std::unique_ptr<erofs::Image>> images;
  for (const std::string& path : req.images) {
    std::unique_ptr<erofs::Image> img;
    try {
      facts.images.push_back(collect_image(path, facts.images.size(), facts.settings, img));
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
    rep.notes = apply_baseline(*baseline, rep.findings, req.today.empty() ? today_utc() : req.today);
    rep.suppressed = static_cast<std::size_t>(
        std::count_if(rep.findings.begin(), rep.findings.end(), [](const Finding& f) { return f.suppressed; }));
    if (!req.show_suppressed)
      std::erase_if(rep.findings, [](const Finding& f) { return f.suppressed; });
  }
  for (const ImageFacts& img : facts.images) rep.images.push_back(summarize(img));
  return rep;
}

}  // namespace core::lint
