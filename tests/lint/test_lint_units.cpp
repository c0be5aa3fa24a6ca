// Unit tests of the parts of core/lint that need no image: versions, thresholds, the policy
// file, baseline matching and expiry, ordering and the escaping of every output format.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "core/lint/baseline.hpp"
#include "core/lint/describe.hpp"
#include "core/lint/policy.hpp"
#include "core/lint/render.hpp"
#include "core/util/error.hpp"

namespace core::lint {
namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  auto path = std::filesystem::temp_directory_path() / ("erofs-share-lint-unit-" + name);
  std::ofstream(path) << text;
  return path.string();
}

Finding finding(std::string rule, std::string image, std::optional<std::string> path, Severity s = Severity::error) {
  Finding f;
  f.rule = std::move(rule);
  f.image = std::move(image);
  f.path = std::move(path);
  f.severity = s;
  f.message = "m";
  return f;
}

TEST(LintKernel, ParsesVersions) {
  EXPECT_EQ(parse_kernel_version("6.12"), (KernelVersion{6, 12}));
  EXPECT_EQ(parse_kernel_version("7.0.3"), (KernelVersion{7, 0}));
  EXPECT_FALSE(parse_kernel_version("7"));
  EXPECT_FALSE(parse_kernel_version("7.x"));
  EXPECT_FALSE(parse_kernel_version("6.12."));
  EXPECT_FALSE(parse_kernel_version(" 6.1"));
  EXPECT_LT((KernelVersion{6, 9}), (KernelVersion{6, 10}));
  EXPECT_EQ(to_string(KernelVersion{6, 4}), "6.4");
}

TEST(LintPolicy, ThresholdOrder) {
  EXPECT_TRUE(fails(Severity::error, Threshold::warning));
  EXPECT_TRUE(fails(Severity::warning, Threshold::warning));
  EXPECT_FALSE(fails(Severity::info, Threshold::warning));
  EXPECT_TRUE(fails(Severity::info, Threshold::info));
  EXPECT_FALSE(fails(Severity::error, Threshold::none));
  EXPECT_EQ(parse_threshold("none"), Threshold::none);
  EXPECT_FALSE(parse_threshold("fatal"));
}

TEST(LintPolicy, ConfigOverridesDefaults) {
  Policy p;
  apply_config(write_temp("cfg.toml", R"(severity_threshold = "info"
min_kernel = "6.1"
verify = false
[rules]
fingerprint-missing = { severity = "error" }
fingerprint-format = "off"
[rules.fingerprint-name-nondefault]
enabled = true
)"),
               p);
  EXPECT_EQ(p.threshold, Threshold::info);
  EXPECT_EQ(p.settings.min_kernel, (KernelVersion{6, 1}));
  EXPECT_FALSE(p.settings.verify);
  EXPECT_EQ(p.severity(*find_rule("fingerprint-missing")), Severity::error);
  EXPECT_FALSE(p.enabled(*find_rule("fingerprint-format")));
  EXPECT_TRUE(p.enabled(*find_rule("fingerprint-name-nondefault")));
  EXPECT_TRUE(p.enabled(*find_rule("fingerprint-mismatch")));
}

TEST(LintPolicy, ConfigErrorsNameFileAndKey) {
  Policy p;
  const std::string f = write_temp("bad.toml", "[rules]\nfingerprint-missing = { severty = \"error\" }\n");
  try {
    apply_config(f, p);
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()), f + ":2: rules.fingerprint-missing.severty: unknown key");
  }
  EXPECT_THROW(p.set_enabled("no-such-rule", true), UsageError);
}

TEST(LintBaseline, MatchesGlobsAndExpires) {
  Baseline b;
  b.file = "b.json";
  b.entries = {
      {"fingerprint-missing", "*.erofs", "/usr/*", "docs", ""},
      {"fingerprint-mismatch", "", "/a", "until then", "2026-01-31"},
      {"fingerprints-absent", "base.erofs", "", "legacy", ""},
      {"corrupt-inode", "", "", "unused", ""},
  };
  std::vector<Finding> fs = {
      finding("fingerprint-missing", "out/app.erofs", "/usr/lib/x"),   // glob on the file name, '*' spans '/'
      finding("fingerprint-missing", "out/app.img", "/usr/lib/x"),     // image glob does not match
      finding("fingerprint-mismatch", "app.erofs", "/a"),
      finding("fingerprints-absent", "dir/base.erofs", std::nullopt),  // no path in entry: image-wide ok
  };
  auto notes = apply_baseline(b, fs, "2026-01-31");  // the expiry day itself still applies
  EXPECT_TRUE(fs[0].suppressed);
  EXPECT_EQ(fs[0].suppression_reason, "docs");
  EXPECT_FALSE(fs[1].suppressed);
  EXPECT_TRUE(fs[2].suppressed);
  EXPECT_TRUE(fs[3].suppressed);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("entry 4 (rule corrupt-inode) matches no finding"), std::string::npos);

  EXPECT_TRUE(baseline_warnings(b, "2026-01-31").empty());

  for (auto& f : fs) f.suppressed = false;
  notes = apply_baseline(b, fs, "2026-02-01");
  EXPECT_FALSE(fs[2].suppressed);
  const auto warnings = baseline_warnings(b, "2026-02-01");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("entry 2 (rule fingerprint-mismatch, path /a) expired on 2026-01-31"), std::string::npos);
}

TEST(LintBaseline, PlaceholderReasons) {
  for (const char* r : {"", "  ", "TODO", "todo: later", "FIXME why", "TBD", "xxx", " TODO"})
    EXPECT_TRUE(placeholder_reason(r)) << r;
  for (const char* r : {"docs are never read", "TODOS are done", "tbd2", "legacy image (TODO list)"})
    EXPECT_FALSE(placeholder_reason(r)) << r;
  EXPECT_TRUE(placeholder_reason(std::string(k_placeholder_reason)));
  Baseline b;
  b.file = "b.json";
  b.entries = {{"fingerprint-missing", "", "/a", "TODO", ""}, {"fingerprint-missing", "", "/b", "real", ""}};
  const auto warnings = baseline_warnings(b, "2026-01-01");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("entry 1 (rule fingerprint-missing, path /a) has a placeholder reason"), std::string::npos);
}

TEST(LintBaseline, MergeKeepsAddsDrops) {
  Baseline b;
  b.file = "b.json";
  b.entries = {
      {"fingerprint-missing", "", "/usr/*", "docs", "2030-01-01"},  // matches /usr/x: kept as it is
      {"fingerprint-mismatch", "", "/gone", "old", ""},              // matches nothing: dropped
  };
  std::vector<Finding> fs = {finding("fingerprint-missing", "out/app.erofs", "/usr/x"),
                             finding("fingerprint-mismatch", "out/app.erofs", "/new"),
                             finding("fingerprint-mismatch", "other/app.erofs", "/new")};  // same entry
  fs[0].suppressed = true;
  const BaselineMerge m = merge_baseline(&b, fs);
  EXPECT_EQ(m.kept, 1u);
  EXPECT_EQ(m.added, 1u);
  EXPECT_EQ(m.dropped, 1u);
  const Baseline w = load_baseline(write_temp("merged.json", m.document));
  ASSERT_EQ(w.entries.size(), 2u);
  EXPECT_EQ(w.entries[0].path, "/usr/*");
  EXPECT_EQ(w.entries[0].reason, "docs");
  EXPECT_EQ(w.entries[0].expires, "2030-01-01");
  EXPECT_EQ(w.entries[1].path, "/new");
  EXPECT_EQ(w.entries[1].image, "app.erofs");
  EXPECT_EQ(w.entries[1].reason, k_placeholder_reason);
  const BaselineMerge fresh = merge_baseline(nullptr, fs);
  EXPECT_EQ(fresh.kept + fresh.dropped, 0u);
  EXPECT_EQ(fresh.added, 2u);
}

TEST(LintBaseline, WrittenPathsAreLiteral) {
  std::vector<Finding> fs = {finding("fingerprint-missing", "/x/a.erofs", "/[a]*?")};
  const std::string doc = baseline_document(fs);
  Baseline b = load_baseline(write_temp("written.json", doc));
  ASSERT_EQ(b.entries.size(), 1u);
  EXPECT_EQ(b.entries[0].image, "a.erofs");
  std::vector<Finding> other = {finding("fingerprint-missing", "a.erofs", "/ab"), fs[0]};
  apply_baseline(b, other, "2026-01-01");
  EXPECT_FALSE(other[0].suppressed);
  EXPECT_TRUE(other[1].suppressed);
}

TEST(LintFinding, OrderIsImagePathRuleMessage) {
  Finding a = finding("z", "i", std::nullopt), b = finding("a", "i", "/a"), c = finding("a", "i", "/b");
  Finding d = finding("a", "j", std::nullopt);
  d.image_index = 1;
  EXPECT_TRUE(finding_less(a, b));  // image-wide first
  EXPECT_TRUE(finding_less(b, c));
  EXPECT_TRUE(finding_less(c, d));
}

TEST(LintRender, PrintableEscapesControlAndInvalidUtf8) {
  EXPECT_EQ(printable("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(printable("a\nb\x7f"), "a\\x0ab\\x7f");
  EXPECT_EQ(printable("\xff\xc3"), "\\xff\\xc3");
  EXPECT_EQ(printable("\xe2\x82"), "\\xe2\\x82");
}

TEST(LintRender, ValuesAreDescribed) {
  std::vector<u8> v = {'s', 'h', 'a', '2', '5', '6', ':'};
  v.resize(39, 0xab);
  std::string hex;
  for (int i = 0; i < 32; ++i) hex += "ab";
  EXPECT_EQ(describe_value(v), "sha256:" + hex);
  std::vector<u8> text = {'s', 'e', 'r', 'i', 'a', 'l', '-', '1'};
  EXPECT_EQ(describe_value(text), "\"serial-1\"");
  std::vector<u8> bin = {0, 1, 2};
  EXPECT_EQ(describe_value(bin), "0x000102");
}

TEST(LintRender, OutputsEscapeHostileNames) {
  LintReport rep;
  static const Rule* rule = find_rule("fingerprint-mismatch");
  rep.rules.push_back({rule, Severity::error});
  rep.images.push_back({});
  rep.images[0].image = "a,b:c.erofs";
  Finding f = finding("fingerprint-mismatch", "a,b:c.erofs", "/x\n::error::y<&>\"");
  rep.findings.push_back(f);
  const std::string gh = render_github(rep);
  EXPECT_EQ(gh.substr(0, gh.find('\n')),
            "::error file=a%2Cb%3Ac.erofs,title=erofs-share lint%3A fingerprint-mismatch::/x\\x0a::error::y<&>\": m");
  const std::string junit = render_junit(rep);
  EXPECT_NE(junit.find("/x\\x0a::error::y&lt;&amp;&gt;&quot;: m"), std::string::npos) << junit;
  EXPECT_NE(render_text(rep).find("/x\\x0a::error::y<&>\": m"), std::string::npos);
}

}  // namespace
}  // namespace core::lint
