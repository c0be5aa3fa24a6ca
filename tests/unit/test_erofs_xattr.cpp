#include <gtest/gtest.h>

#include "core/erofs/image.hpp"
#include "core/erofs/xattr.hpp"
#include "tests/unit/test_image.hpp"

namespace {

using core::CorruptImage;
using core::erofs::Image;
using namespace test;

template <class F>
core::erofs::XattrSet xattrs_after(F mutate, u64 nid = Sample::k_x) {
  Sample s;
  mutate(s);
  auto bytes = s.img.build();
  Image img(bytes, "t.erofs", test_options());
  return core::erofs::read_xattrs(img, core::erofs::read_inode(img, nid));
}

template <class F>
std::string inspect_error(F mutate) {
  Sample s;
  mutate(s);
  auto bytes = s.img.build();
  return error_of<CorruptImage>([&] { open_and_inspect(bytes); });
}

std::string str(const std::vector<u8>& v) { return std::string(v.begin(), v.end()); }

TEST(Xattr, ReadsInlineSharedAndLongPrefixEntries) {
  auto set = xattrs_after([](Sample&) {});
  EXPECT_TRUE(set.has_ibody);
  ASSERT_EQ(set.items.size(), 3u);
  EXPECT_EQ(set.items[0].name, "user.k");
  EXPECT_EQ(str(set.items[0].value), "v");
  EXPECT_FALSE(set.items[0].shared);
  EXPECT_EQ(set.items[1].name, "trusted.overlay.opaque");
  EXPECT_EQ(set.items[1].name_index, 0x80);
  EXPECT_EQ(set.items[1].base_index, 4);
  EXPECT_EQ(set.items[1].suffix, "overlay.opaque");
  EXPECT_EQ(set.items[2].name, "trusted.s");
  EXPECT_TRUE(set.items[2].shared);
  EXPECT_EQ(str(set.items[2].value), "1");
  const core::erofs::Xattr* x = core::erofs::find_xattr(set, 4, "overlay.opaque");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(str(x->value), "y");
  EXPECT_EQ(core::erofs::find_xattr(set, 1, "s"), nullptr);
}

TEST(Xattr, NoIbody) {
  auto set = xattrs_after([](Sample&) {}, Sample::k_a);
  EXPECT_FALSE(set.has_ibody);
  EXPECT_TRUE(set.items.empty());
}

TEST(Xattr, TrailingZeroPaddingIsNotAnEntry) {
  Sample s;
  auto ibody = TestImage::xattr_ibody({}, TestImage::xattr_entry(1, "k", "v"));
  ibody.resize(ibody.size() + 8);
  InodeSpec a;
  a.size = 5;
  a.layout = od::k_layout_flat_inline;
  a.xattr_icount = TestImage::icount_for(ibody.size());
  u64 pos = s.img.add_inode(Sample::k_a, a);
  s.img.write(pos + 32, ibody);
  s.img.write(pos + 32 + ibody.size(), std::string("hello"));
  auto bytes = s.img.build();
  Image img(bytes, "t.erofs", test_options());
  auto set = core::erofs::read_xattrs(img, core::erofs::read_inode(img, Sample::k_a));
  ASSERT_EQ(set.items.size(), 1u);
  EXPECT_EQ(set.items[0].name, "user.k");
}

TEST(Xattr, InvalidSharedCount) {
  EXPECT_EQ(inspect_error([](Sample& s) { s.img.put8(s.x_ibody + 4, 7); }),
            "invalid h_shared_count @ nid 32, path /x (byte 0x1424)");
}

TEST(Xattr, EntryBeyondXattrIsize) {
  EXPECT_EQ(inspect_error([](Sample& s) { s.img.put16(s.x_ibody + 16 + 2, 100); }),
            "xattr entry beyond xattr_isize @ nid 32, path /x (byte 0x1430)");
}

TEST(Xattr, UnknownNameIndex) {
  EXPECT_EQ(inspect_error([](Sample& s) { s.img.put8(s.x_ibody + 16 + 1, 7); }),
            "unknown xattr name index @ nid 32, path /x (byte 0x1431)");
}

TEST(Xattr, SharedIdOutsideTheImage) {
  EXPECT_EQ(inspect_error([](Sample& s) { s.img.put32(s.x_ibody + 12, 0x10000000); }),
            "xattr entry outside the image @ nid 32, path /x, shared xattr 268435456 (byte 0x40003000)");
}

TEST(Xattr, SharedValueOutsideTheImage) {
  EXPECT_EQ(inspect_error([](Sample& s) { s.img.put16(s.shared_xattrs + 2, 0xFFFF); }),
            "xattr value outside the image @ nid 32, path /x, shared xattr 0 (byte 0x3005)");
}

TEST(Xattr, LongPrefixIndexBeyondTableIsKeptUnresolved) {
  auto set = xattrs_after([](Sample& s) { s.img.put8(s.x_ibody + 24 + 1, 0x85); });
  ASSERT_EQ(set.items.size(), 3u);
  EXPECT_FALSE(set.items[1].resolved);
  EXPECT_EQ(set.items[1].name, "<long prefix 5>opaque");
}

TEST(Xattr, PrefixRecordLength) {
  for (u16 len : {u16(0), u16(257)}) {
    Sample s;
    s.img.put16(s.prefix_table, len);
    auto bytes = s.img.build();
    EXPECT_EQ(error_of<CorruptImage>([&] { Image img(bytes, "t.erofs", test_options()); }),
              "invalid xattr prefix length @ xattr prefix 0 (byte 0x480)");
  }
}

TEST(Xattr, PrefixTableOutsideTheImage) {
  Sample s;
  s.img.sb.xattr_prefix_start = 0x3FFFFFFF;
  auto bytes = s.img.build();
  EXPECT_EQ(error_of<CorruptImage>([&] { Image img(bytes, "t.erofs", test_options()); }),
            "xattr prefix table outside its container @ xattr prefix 0 (byte 0xfffffffc)");
}

TEST(Xattr, FilterBitsOfKnownNames) {
  // §4.7, values verified against mkfs.erofs output.
  EXPECT_EQ(core::erofs::xattr_filter_bit(0, "erofs.fingerprint.v1"), 8u);
  EXPECT_EQ(core::erofs::xattr_filter_bit(6, "selinux"), 11u);
  EXPECT_EQ(core::erofs::xattr_filter_bit(6, "ima"), 0u);
  EXPECT_EQ(core::erofs::xattr_filter_bit(6, "capability"), 29u);
  EXPECT_EQ(core::erofs::xattr_filter_bit(4, "overlay.opaque"), 20u);
  EXPECT_EQ(core::erofs::xattr_filter_bit(2, ""), 30u);
  EXPECT_EQ(core::erofs::xattr_filter_bit(3, ""), 21u);
  EXPECT_EQ(core::erofs::xattr_filter_bit(4, "fp"), 2u);
}

TEST(Xattr, FilterHidesOnlyWithTheFeature) {
  for (bool feature : {false, true}) {
    Sample s;
    if (feature) s.img.sb.feature_compat = u32(s.img.sb.feature_compat) | od::k_compat_xattr_filter;
    s.img.put32(s.x_ibody, u32(1) << 20);
    auto bytes = s.img.build();
    Image img(bytes, "t.erofs", test_options());
    auto set = core::erofs::read_xattrs(img, core::erofs::read_inode(img, Sample::k_x));
    EXPECT_EQ(set.name_filter, u32(1) << 20);
    EXPECT_EQ(core::erofs::filter_hides(img, set, 4, "overlay.opaque"), feature);
    EXPECT_FALSE(core::erofs::filter_hides(img, set, 1, "k"));
  }
}

}  // namespace
