// The --fail-if rule grammar and the baseline parser (core/scan/gate.hpp).
#include <gtest/gtest.h>

#include "core/scan/gate.hpp"
#include "core/util/error.hpp"

using namespace core::scan;

TEST(ScanGate, ParsesEveryRuleKind) {
  GateRule r = parse_gate_rule("saved-now<20%");
  EXPECT_EQ(r.kind, GateKind::saved_now_below);
  EXPECT_TRUE(r.is_percent);
  EXPECT_DOUBLE_EQ(r.percent_limit, 20);
  r = parse_gate_rule("saved-now<1.5MiB");
  EXPECT_FALSE(r.is_percent);
  EXPECT_EQ(r.bytes_limit, 1572864u);
  r = parse_gate_rule("would-share>4K");
  EXPECT_EQ(r.kind, GateKind::would_share_above);
  EXPECT_EQ(r.bytes_limit, 4096u);
  r = parse_gate_rule("would-share>0.5%");
  EXPECT_TRUE(r.is_percent);
  EXPECT_DOUBLE_EQ(r.percent_limit, 0.5);
  r = parse_gate_rule("blocked:other_domain");
  EXPECT_EQ(r.kind, GateKind::blocked_reason);
  EXPECT_EQ(r.reason, Reason::other_domain);
  r = parse_gate_rule("not-now:fingerprint_missing");
  EXPECT_EQ(r.kind, GateKind::not_now_reason);
  EXPECT_EQ(r.reason, Reason::fingerprint_missing);
  r = parse_gate_rule("lost>10m");
  EXPECT_EQ(r.kind, GateKind::lost_above);
  EXPECT_EQ(r.bytes_limit, 10u << 20);
  EXPECT_EQ(parse_size("7"), 7u);
  EXPECT_EQ(parse_size("2G"), 2ull << 30);
  EXPECT_EQ(parse_size("3 MiB"), std::nullopt);
}

TEST(ScanGate, RejectsBadRules) {
  for (const char* bad : {"", "saved-now", "saved-now<", "saved-now>20%", "saved-now<101%", "saved-now<-1",
                          "saved-now<20%%", "would-share>abc", "would-share>1XB", "blocked:", "blocked:nonsense",
                          "not-now:none", "lost>5%", "lost>", "lost", "fast", "saved-now<1e3"})
    EXPECT_THROW(parse_gate_rule(bad), core::UsageError) << bad;
  try {
    parse_gate_rule("blocked:nonsense");
  } catch (const core::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("other_domain"), std::string::npos) << e.what();  // lists the reasons
  }
}

TEST(ScanGate, BaselineMustBeAScanReport) {
  const std::string good =
      R"({"schema_version":1,"totals":{"saved_bytes_now":8192,"saved_bytes_if_tagged":12288},)"
      R"("inputs":[{"name":"a.erofs"},{"name":"b.erofs"}],"groups":[{"x":[1,2,3]}]})";
  Baseline b = parse_baseline(good, "good.json");
  EXPECT_EQ(b.saved_bytes_now, 8192u);
  EXPECT_EQ(b.saved_bytes_if_tagged, 12288u);
  EXPECT_EQ(b.inputs, (std::vector<std::string>{"a.erofs", "b.erofs"}));
  for (const char* bad : {"", "[]", "{", R"({"schema_version":2,"totals":{},"inputs":[]})",
                          R"({"totals":{"saved_bytes_now":1,"saved_bytes_if_tagged":1},"inputs":[]})",
                          R"({"schema_version":1,"totals":{"saved_bytes_now":-1,"saved_bytes_if_tagged":1},"inputs":[]})",
                          R"({"schema_version":1,"totals":{"saved_bytes_now":1,"saved_bytes_if_tagged":1}})",
                          R"({"schema_version":1,"totals":{"saved_bytes_now":1,"saved_bytes_if_tagged":1},"inputs":[3]})"})
    EXPECT_THROW(parse_baseline(bad, "bad.json"), core::UsageError) << bad;
}
