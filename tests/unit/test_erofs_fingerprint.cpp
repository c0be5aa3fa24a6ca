#include <gtest/gtest.h>

#include "core/erofs/fingerprint.hpp"
#include "core/erofs/image.hpp"
#include "core/inspect/inspect.hpp"
#include "tests/unit/test_image.hpp"

namespace {

using core::erofs::FingerprintState;
using core::erofs::Image;
using namespace test;

constexpr const char* k_sha256_hello = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
constexpr const char* k_sha256_xyz = "3608bca1e44ea6c4d268eb6db02260269892c0b42b86bbf1e77a6fa16c3c9282";

// Replaces /x's ibody with one fingerprint entry (long prefix 1 = "erofs.fingerprint.v1",
// base index 0) holding `value`, and declares ISHARE_XATTRS.
void add_fingerprint(Sample& s, const std::string& value, u32 filter = 0) {
  s.img.sb.feature_compat = u32(s.img.sb.feature_compat) | od::k_compat_ishare_xattrs;
  s.img.sb.xattr_prefix_count = 2;
  s.img.sb.ishare_xattr_prefix_id = 1;
  const std::string name = "erofs.fingerprint.v1";
  s.img.put16(s.prefix_table + 12, static_cast<u16>(1 + name.size()));
  s.img.put8(s.prefix_table + 14, 0);
  s.img.write(s.prefix_table + 15, name);
  auto ibody = TestImage::xattr_ibody({}, TestImage::xattr_entry(od::k_xattr_long_prefix | 1, "", value), filter);
  InodeSpec x;
  x.size = 3;
  x.layout = od::k_layout_flat_inline;
  x.i_u = 0xFFFFFFFF;
  x.xattr_icount = TestImage::icount_for(ibody.size());
  u64 pos = s.img.add_inode(Sample::k_x, x);
  s.img.write(pos + 32, ibody);
  s.img.write(pos + 32 + ibody.size(), std::string("xyz"));
}

TEST(Fingerprint, ContentDigest) {
  Sample s;
  auto bytes = s.img.build();
  Image img(bytes, "t.erofs", test_options());
  EXPECT_EQ(core::util::to_hex(core::erofs::content_digest(img, core::erofs::read_inode(img, Sample::k_a))),
            k_sha256_hello);
  EXPECT_EQ(core::util::to_hex(core::erofs::content_digest(img, core::erofs::read_inode(img, Sample::k_x))),
            k_sha256_xyz);
}

TEST(Fingerprint, EncodeIsSchemePlusRawDigest) {
  core::util::Digest d{};
  d[0] = 0xAB;
  auto v = core::erofs::encode_fingerprint(d);
  ASSERT_EQ(v.size(), core::erofs::k_fingerprint_size);
  EXPECT_EQ(std::string(v.begin(), v.begin() + 7), "sha256:");
  EXPECT_EQ(v[7], 0xAB);
}

TEST(Fingerprint, NoneWithoutTheFeature) {
  Sample s;
  auto bytes = s.img.build();
  Image img(bytes, "t.erofs", test_options());
  auto fp = core::erofs::stored_fingerprint(img, core::erofs::read_xattrs(img, core::erofs::read_inode(img, Sample::k_x)));
  EXPECT_EQ(fp.state, FingerprintState::none);
}

TEST(Fingerprint, ValidStoredValueMatchesContent) {
  Sample s;
  core::util::Digest d = core::util::sha256(std::span<const u8>(reinterpret_cast<const u8*>("xyz"), 3));
  auto value = core::erofs::encode_fingerprint(d);
  add_fingerprint(s, std::string(value.begin(), value.end()));
  auto bytes = s.img.build();
  Image img(bytes, "t.erofs", test_options());
  EXPECT_EQ(img.fingerprint_xattr_name(), "erofs.fingerprint.v1");
  auto ino = core::erofs::read_inode(img, Sample::k_x);
  auto fp = core::erofs::stored_fingerprint(img, core::erofs::read_xattrs(img, ino));
  EXPECT_EQ(fp.state, FingerprintState::valid);
  EXPECT_EQ(core::util::to_hex(fp.digest), k_sha256_xyz);
  EXPECT_FALSE(fp.hidden_by_filter);
  auto rep = core::inspect::inspect(img, {true, "/x"});
  ASSERT_EQ(rep.files.size(), 1u);
  ASSERT_TRUE(rep.files[0].node->digest);
  EXPECT_EQ(*rep.files[0].node->digest, fp.digest);
}

TEST(Fingerprint, InvalidValueAndFilteredName) {
  Sample s;
  s.img.sb.feature_compat = u32(s.img.sb.feature_compat) | od::k_compat_xattr_filter;
  add_fingerprint(s, "sha1:abc", u32(1) << 8);  // bit 8 = erofs.fingerprint.v1 is "absent"
  auto bytes = s.img.build();
  Image img(bytes, "t.erofs", test_options());
  auto fp = core::erofs::stored_fingerprint(img, core::erofs::read_xattrs(img, core::erofs::read_inode(img, Sample::k_x)));
  EXPECT_EQ(fp.state, FingerprintState::invalid);
  EXPECT_EQ(std::string(fp.raw.begin(), fp.raw.end()), "sha1:abc");
  EXPECT_TRUE(fp.hidden_by_filter);
}

}  // namespace
