#include <gtest/gtest.h>

#include "core/util/error.hpp"

namespace {

using core::CorruptImage;
using core::Where;

TEST(Error, WhereRendersInErofsUtilsStyle) {
  Where w;
  EXPECT_EQ(core::to_string(w), "");
  w.byte = 0x4a0c;
  EXPECT_EQ(core::to_string(w), " (byte 0x4a0c)");
  w.nid = 39;
  w.detail = "lblk 0, index 3";
  EXPECT_EQ(core::to_string(w), " @ nid 39, lblk 0, index 3 (byte 0x4a0c)");
  w.path = "/etc/passwd";
  w.space = "metabox";
  EXPECT_EQ(core::to_string(w), " @ nid 39, path /etc/passwd, lblk 0, index 3 (metabox byte 0x4a0c)");
}

TEST(Error, CorruptImageWhatIsOneLine) {
  Where w;
  w.nid = 7;
  CorruptImage e("bogus i_mode", w);
  EXPECT_STREQ(e.what(), "bogus i_mode @ nid 7");
  EXPECT_EQ(e.reason(), "bogus i_mode");
}

TEST(Error, WithFillsOnlyMissingFields) {
  Where inner;
  inner.byte = 0x10;
  inner.detail = "index 2";
  Where outer;
  outer.nid = 4;
  outer.path = "/";
  outer.detail = "ignored";
  outer.byte = 0x99;
  CorruptImage e = CorruptImage("bad", inner).with(outer);
  EXPECT_STREQ(e.what(), "bad @ nid 4, path /, index 2 (byte 0x10)");
}

TEST(Error, UnsupportedAndIoError) {
  Where w;
  w.byte = 0x450;
  EXPECT_STREQ(core::Unsupported("unsupported incompat feature 0x200", w).what(),
               "unsupported incompat feature 0x200 (byte 0x450)");
  EXPECT_STREQ(core::IoError("/nope", "open", ENOENT).what(), "/nope: open: No such file or directory");
}

}  // namespace
