#include <limits>

#include <gtest/gtest.h>

#include "core/util/byte_view.hpp"

namespace {

using core::u64;
using core::u8;
using core::util::ByteView;

TEST(ByteView, ContainsHasNoOverflow) {
  const u8 data[16] = {};
  ByteView v(data, sizeof data);
  EXPECT_TRUE(v.contains(0, 16));
  EXPECT_TRUE(v.contains(16, 0));
  EXPECT_FALSE(v.contains(17, 0));
  EXPECT_FALSE(v.contains(8, 9));
  EXPECT_FALSE(v.contains(8, std::numeric_limits<u64>::max()));
  EXPECT_FALSE(v.contains(std::numeric_limits<u64>::max(), 2));
}

TEST(ByteView, ReadsLittleEndianAndReportsTheOffset) {
  const u8 data[6] = {1, 2, 3, 4, 5, 6};
  ByteView v(data, sizeof data, "metabox");
  EXPECT_EQ(v.read<core::ul32>(2), 0x06050403u);
  core::Where ctx;
  ctx.nid = 9;
  try {
    (void)v.read<core::ul32>(3, "xattr entry outside the image", ctx);
    FAIL() << "no exception";
  } catch (const core::CorruptImage& e) {
    EXPECT_STREQ(e.what(), "xattr entry outside the image @ nid 9 (metabox byte 0x3)");
    EXPECT_EQ(*e.where().byte, 3u);
  }
}

TEST(ByteView, BytesChecksTheWholeRange) {
  const u8 data[4] = {};
  ByteView v(data, sizeof data);
  EXPECT_EQ(v.bytes(1, 3).size(), 3u);
  EXPECT_THROW((void)v.bytes(1, 4), core::CorruptImage);
}

}  // namespace
