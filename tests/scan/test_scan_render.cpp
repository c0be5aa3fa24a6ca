// Renderings of a scan report: JSON written group by group equals the nlohmann document, CSV
// quoting, HTML escaping, text figures, names escaped with util::display().
#include <gtest/gtest.h>

#include <algorithm>

#include "core/erofs/fingerprint.hpp"
#include "core/scan/render.hpp"
#include "core/scan/render_html.hpp"
#include "tests/scan/test_records.hpp"

namespace core::scan {
namespace {

Report sample() {
  auto file = [](std::string path, const std::string& content) {
    testing::TestFile f;
    f.paths = {std::move(path)};
    f.size = content.size();
    f.content = util::sha256({reinterpret_cast<const u8*>(content.data()), content.size()});
    f.fingerprint = StoredValue{erofs::encode_fingerprint(*f.content), false};
    return f;
  };
  InputRecord a;
  a.name = "a \"quoted\", <b>.erofs";
  a.ishare = true;
  a.domain = "default";
  InputRecord b = a;
  testing::add_files(a, {file("/ctl\x01\ttab", "same"), file(std::string("/bad\xff\xc3(utf8", 14), "other")});
  b.name = "b.erofs";
  testing::TestFile other = file("/caf\xc3\xa9,\"x\"", "other");
  other.fingerprint.reset();
  testing::add_files(b, {file("/ctl\x01\ttab", "same"), other});
  return build_report({a, b}, {});
}

TEST(ScanRender, JsonStreamEqualsTheDocument) {
  Report r = sample();
  nlohmann::ordered_json j;
  to_json(j, r);
  EXPECT_EQ(render_json(r), j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n");
  nlohmann::ordered_json top;
  to_json(top, r);
  top["groups"].erase(top["groups"].begin() + 1, top["groups"].end());
  EXPECT_EQ(render_json(r, 1), top.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n");
  Report empty = build_report({}, {});
  nlohmann::ordered_json e;
  to_json(e, empty);
  EXPECT_EQ(render_json(empty), e.dump(2) + "\n");
}

TEST(ScanRender, CsvQuotesFields) {
  std::string csv = render_csv(sample());
  EXPECT_NE(csv.find("\"a \"\"quoted\"\", <b>.erofs\""), std::string::npos) << csv;
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3);  // header + 2 groups
}

TEST(ScanRender, HtmlEscapesAndHoldsFigures) {
  Report r = sample();
  std::string html = render_html(r, 20);
  EXPECT_EQ(html.find("<b>.erofs"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;.erofs"), std::string::npos);
  EXPECT_NE(html.find("id=\"cache_bytes_now\" data-bytes=\"" + std::to_string(r.totals.cache_bytes_now) + "\""),
            std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
}

TEST(ScanRender, TextHasTheExactTotals) {
  Report r = sample();
  std::string text = render_text(r, 10);
  EXPECT_NE(text.find(" " + std::to_string(r.totals.cache_bytes_without_sharing) + " "), std::string::npos) << text;
  EXPECT_NE(text.find("peer_not_tagged"), std::string::npos) << text;
  EXPECT_NE(text.find("fingerprint_missing"), std::string::npos) << text;
}

// Names are shown with util::display() in every non-JSON rendering: no raw control byte and no
// invalid UTF-8 (the sample's "/ctl\x01\ttab" and "/bad\xff\xc3(utf8").
TEST(ScanRender, NamesAreEscapedInTextCsvAndHtml) {
  Report r = sample();
  auto raw_control = [](const std::string& s) {
    return std::any_of(s.begin(), s.end(),
                       [](char c) { return (u8(c) < 0x20 && c != '\n') || c == 0x7f || u8(c) == 0xff; });
  };
  const std::string text = render_text(r, 10), csv = render_csv(r), html = render_html(r, 20);
  EXPECT_FALSE(raw_control(text)) << text;
  EXPECT_FALSE(raw_control(csv)) << csv;
  EXPECT_FALSE(raw_control(html)) << html;
  EXPECT_NE(text.find("/ctl\\x01\\x09tab"), std::string::npos) << text;
  EXPECT_NE(text.find("/bad\\xff\\xc3(utf8"), std::string::npos) << text;
  EXPECT_NE(csv.find("/ctl\\x01\\x09tab"), std::string::npos) << csv;
  EXPECT_NE(html.find("/bad\\xff\\xc3(utf8"), std::string::npos) << html;
}

// Heat-map axes: long names cut in the middle on code-point boundaries, the whole name (displayed
// and escaped) in the title; short names unchanged.
TEST(ScanRender, HtmlShortNames) {
  EXPECT_EQ(html::shorten("a.erofs", 24), "a.erofs");
  EXPECT_EQ(html::shorten("/very/long/directory/name/of/some/image.erofs", 24), "/very/lon\u2026me/image.erofs");
  const std::string accents = "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9";  // six code points, 12 bytes
  EXPECT_EQ(html::shorten(accents, 5), "\xc3\xa9\u2026\xc3\xa9\xc3\xa9\xc3\xa9");
  EXPECT_EQ(html::short_name("<x\x1b>", 24), "<span class=name title=\"&lt;x\\x1b&gt;\">&lt;x\\x1b&gt;</span>");
}

// The reasons table: one row per (status, reason) with its advice; the command line quoted for a
// shell and escaped; the identities of the inputs.
TEST(ScanRender, HtmlExplainsReasonsAndProvenance) {
  Report r = sample();
  r.tool_version = "9.9.9";
  r.command_line = {"erofs-share", "scan", "--format", "html", "it's <b>.erofs"};
  r.inputs[0].identity = {"uuid:0123", "EROFS superblock UUID"};
  const std::string page = render_html(r, 20);
  ASSERT_FALSE(r.reasons.empty());
  for (const ReasonRow& x : r.reasons) {
    const std::string row = std::string("data-status=") + status_name(x.status) + " data-reason=" + reason_name(x.reason);
    EXPECT_NE(page.find(row), std::string::npos) << row;
    EXPECT_NE(page.find(html::escape(reason_advice(x.reason))), std::string::npos) << reason_name(x.reason);
  }
  EXPECT_NE(page.find("<span id=tool-version>9.9.9</span>"), std::string::npos);
  EXPECT_NE(page.find("erofs-share scan --format html &#39;it&#39;&quot;&#39;&quot;&#39;s &lt;b&gt;.erofs&#39;"), std::string::npos)
      << page;
  EXPECT_NE(page.find("<code>uuid:0123</code>"), std::string::npos);
  // Heat-map axes carry the names (escaped); --keep-going's inputs left out are listed.
  EXPECT_NE(page.find("<th class=col data-index=0><span class=name title=\"a &quot;quoted&quot;, &lt;b&gt;.erofs\">"),
            std::string::npos);
  EXPECT_EQ(page.find("id=input-errors"), std::string::npos);
  r.input_errors.push_back({"x.erofs", "x.erofs: bad \x1b[31m magic"});
  EXPECT_NE(render_html(r, 20).find("<li>x.erofs: bad \\x1b[31m magic</li>"), std::string::npos);
}

// Every reason a copy can have comes with a meaning and a sentence of advice.
TEST(ScanRender, EveryReasonHasAdvice) {
  for (int i = 1; i <= static_cast<int>(k_last_reason); ++i) {
    const Reason reason = static_cast<Reason>(i);
    EXPECT_NE(std::string(reason_text(reason)), "") << reason_name(reason);
    const std::string advice = reason_advice(reason);
    EXPECT_TRUE(advice.size() > 10 && advice.back() == '.') << reason_name(reason) << ": " << advice;
  }
  EXPECT_EQ(std::string(reason_advice(Reason::none)), "");
}

TEST(ScanRender, HumanBytes) {
  EXPECT_EQ(human_bytes(0), "0 B");
  EXPECT_EQ(human_bytes(1023), "1023 B");
  EXPECT_EQ(human_bytes(1536), "1.5 KiB");
  EXPECT_EQ(human_bytes(u64(3) << 30), "3.0 GiB");
}

}  // namespace
}  // namespace core::scan
