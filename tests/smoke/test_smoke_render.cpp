// render_text() of a smoke report: every string that can come from an image, a path or the
// guest is escaped with util::display(); no VM.
#include <gtest/gtest.h>

#include "core/smoke/render.hpp"

namespace {

using namespace core::smoke;

TEST(SmokeRender, NamesFromImagesAreEscaped) {
  SmokeReport r;
  r.kernel_release = "7.0.0\x1b[2J";
  r.accelerator = "tcg";
  r.images = {"a\nb.erofs", "evil\xe2\x80\xae.erofs"};
  r.devices = {{"dev\r1"}};
  Scenario s;
  s.name = "same_domain_shares";
  s.expected = s.verdict = "shared";
  s.pass = true;
  s.evidence = "read /x\x1b]0;title\x07 then /y\xff";
  r.scenarios = {s};
  Observation ob;
  ob.id = "o1";
  ob.read = "a.erofs@m0:/x\x7f";
  ob.target = "b.erofs@m1:/\xc2\x9b"
              "1m";
  ob.observed = "not_shared";
  r.observations = {ob};
  r.observed = 1;
  const std::string text = render_text(r);
  for (unsigned char c : text) ASSERT_TRUE(c == '\n' || (c >= 0x20 && c != 0x7f && c < 0x80)) << text;
  EXPECT_NE(text.find("kernel:      7.0.0\\x1b[2J (accelerator tcg)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  a\\x0ab.erofs\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  evil\\u{202e}.erofs\n"), std::string::npos) << text;
  EXPECT_NE(text.find("    device dev\\x0d1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("    read /x\\x1b]0;title\\x07 then /y\\xff\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  o1: read a.erofs@m0:/x\\x7f, then b.erofs@m1:/\\u{9b}1m: predicted not shared, observed "
                      "not_shared (0/0 pages)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("result:      FAIL\n"), std::string::npos) << text;
}

}  // namespace
