// display(): the one escaping rule of every text output (core/util/display.hpp).
#include <gtest/gtest.h>

#include <string>

#include "core/util/display.hpp"

namespace {

using core::util::display;

// True if `s` holds a byte a terminal could act on, or invalid UTF-8: what display() removes.
bool unsafe(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f || c >= 0x80) return true;  // display() output of these inputs is ASCII
  return false;
}

TEST(Display, PrintableTextPassesUnchanged) {
  EXPECT_EQ(display(""), "");
  EXPECT_EQ(display("/usr/lib/libc.so.6 -> x, y; z=\"q\" 'r' %s {}"), "/usr/lib/libc.so.6 -> x, y; z=\"q\" 'r' %s {}");
  EXPECT_EQ(display("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80"),
            "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80");
  EXPECT_EQ(display("\xc2\xa0 \xef\xbf\xbd \xf4\x8f\xbf\xbf"),
            "\xc2\xa0 \xef\xbf\xbd \xf4\x8f\xbf\xbf");  // U+00A0, U+FFFD, U+10FFFF
}

TEST(Display, BackslashIsDoubled) {
  EXPECT_EQ(display("a\\b"), "a\\\\b");
  // A name that spells an escape cannot be mistaken for the escaped byte.
  EXPECT_EQ(display("\\x1b"), "\\\\x1b");
  EXPECT_NE(display("\\x1b"), display("\x1b"));
}

TEST(Display, ControlBytesAreHexEscaped) {
  EXPECT_EQ(display("a\tb\nc\rd"), "a\\x09b\\x0ac\\x0dd");
  EXPECT_EQ(display("\x1b[31mred\x1b[0m"), "\\x1b[31mred\\x1b[0m");
  EXPECT_EQ(display(std::string("\x00\x01\x1f\x7f", 4)), "\\x00\\x01\\x1f\\x7f");
  for (int c = 0; c < 0x20; ++c) EXPECT_FALSE(unsafe(display(std::string(1, char(c))))) << c;
}

TEST(Display, InvalidUtf8IsHexEscapedBytePerByte) {
  EXPECT_EQ(display("bad\xffname"), "bad\\xffname");
  EXPECT_EQ(display("\x80"), "\\x80");  // stray continuation byte
  EXPECT_EQ(display("\xc3"), "\\xc3");  // truncated at the end
  EXPECT_EQ(display("\xe2\x82"), "\\xe2\\x82");
  EXPECT_EQ(display("\xe2\x82x"), "\\xe2\\x82x");                  // truncated before ASCII
  EXPECT_EQ(display("\xc3\xc3\xa9"), "\\xc3\xc3\xa9");             // the next byte starts a valid sequence
  EXPECT_EQ(display("\xc0\xaf"), "\\xc0\\xaf");                    // overlong '/'
  EXPECT_EQ(display("\xe0\x80\xaf"), "\\xe0\\x80\\xaf");           // overlong, 3 bytes
  EXPECT_EQ(display("\xed\xa0\x80"), "\\xed\\xa0\\x80");           // UTF-16 surrogate U+D800
  EXPECT_EQ(display("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // beyond U+10FFFF
  EXPECT_EQ(display("\xf8\x88\x80\x80\x80"), "\\xf8\\x88\\x80\\x80\\x80");
  for (int c = 0x80; c < 0x100; ++c) EXPECT_FALSE(unsafe(display(std::string(1, char(c))))) << c;
}

TEST(Display, C1AndBidiControlsAreCodePointEscaped) {
  EXPECT_EQ(display("\xc2\x80"), "\\u{80}");
  EXPECT_EQ(display("a\xc2\x85z"), "a\\u{85}z");  // NEL
  EXPECT_EQ(display("\xc2\x9b"
                    "31m"),
            "\\u{9b}31m");  // CSI
  EXPECT_EQ(display("\xc2\x9f\xc2\xa0"), "\\u{9f}\xc2\xa0");
  EXPECT_EQ(display("evil\xe2\x80\xaetxt.exe"), "evil\\u{202e}txt.exe");  // RLO
  EXPECT_EQ(display("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad"), "\\u{202a}\\u{202b}\\u{202c}\\u{202d}");
  EXPECT_EQ(display("\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9"), "\\u{2066}\\u{2067}\\u{2068}\\u{2069}");
  EXPECT_EQ(display("\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c"), "\\u{200e}\\u{200f}\\u{61c}");
  EXPECT_EQ(display("\xe2\x80\xa8\xe2\x80\xa9"), "\\u{2028}\\u{2029}");
  // Neighbours of the ranges pass.
  EXPECT_EQ(display("\xe2\x80\x8d\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa"),
            "\xe2\x80\x8d\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa");
}

TEST(Display, EveryByteValueInEveryPositionGivesSafeOutput) {
  // Each single byte, each byte after a lead byte and each byte before ASCII: the output never
  // holds a control byte, and holds bytes >= 0x80 only as copies of valid, visible sequences.
  for (int a = 0; a < 0x100; ++a)
    for (int b = 0; b < 0x100; ++b) {
      const std::string in{char(a), char(b)};
      const std::string out = display(in);
      for (unsigned char c : out) ASSERT_TRUE(c >= 0x20 && c != 0x7f) << a << " " << b;
      const bool valid_pair = a >= 0xc2 && a <= 0xdf && b >= 0x80 && b <= 0xbf;
      const bool control = (a == 0xc2 && b < 0xa0) || (a == 0xd8 && b == 0x9c);  // C1, U+061C
      if (valid_pair && !control) {
        EXPECT_EQ(out, in);
      } else {
        EXPECT_FALSE(unsafe(out)) << a << " " << b << ": " << out;
      }
    }
}

TEST(Display, AppendAddsToTheEnd) {
  std::string s = "path ";
  core::util::append_display(s, "a\nb");
  EXPECT_EQ(s, "path a\\x0ab");
}

}  // namespace
