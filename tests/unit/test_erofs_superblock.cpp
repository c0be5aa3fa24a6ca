#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/erofs/image.hpp"
#include "core/erofs/superblock.hpp"
#include "tests/unit/test_image.hpp"

namespace {

using core::CorruptImage;
using core::Unsupported;
using core::erofs::Image;
using namespace test;

std::string open_error(const std::vector<u8>& bytes) {
  return error_of<CorruptImage>([&] { Image img(bytes, "t.erofs", test_options()); });
}
std::string open_unsupported(const std::vector<u8>& bytes) {
  return error_of<Unsupported>([&] { Image img(bytes, "t.erofs", test_options()); });
}

TEST(Superblock, DecodesTheSample) {
  Sample s;
  auto bytes = s.img.build();
  Image img(bytes, "t.erofs", test_options());
  const auto& sb = img.sb();
  EXPECT_EQ(sb.block_size, 4096u);
  EXPECT_EQ(sb.blkszbits, 12u);
  EXPECT_EQ(sb.sb_size, 128u);
  EXPECT_EQ(sb.root_nid, Sample::k_root);
  EXPECT_EQ(sb.blocks, 8u);
  EXPECT_EQ(sb.meta_blkaddr, 1u);
  EXPECT_EQ(sb.xattr_blkaddr, 3u);
  EXPECT_EQ(sb.inos, 8u);
  EXPECT_EQ(sb.epoch, 1700000000);
  EXPECT_EQ(sb.build_time, 100u);
  EXPECT_EQ(sb.fixed_nsec, 5u);
  EXPECT_EQ(core::erofs::uuid_string(sb.uuid), "10111213-1415-1617-1819-1a1b1c1d1e1f");
  EXPECT_EQ(sb.volume_name, "sample");
  EXPECT_FALSE(sb.compressed_capable);
  EXPECT_EQ(core::erofs::compat_feature_names(sb.feature_compat),
            (std::vector<std::string>{"sb_csum", "plain_xattr_pfx"}));
  EXPECT_EQ(core::erofs::incompat_feature_names(sb.feature_incompat),
            (std::vector<std::string>{"chunked_file", "xattr_prefixes"}));
  ASSERT_EQ(img.long_prefixes().size(), 1u);
  EXPECT_EQ(img.long_prefixes()[0].full, "trusted.overlay.");
  EXPECT_EQ(img.long_prefixes()[0].base_index, 4);
  EXPECT_EQ(img.path(), "t.erofs");
  EXPECT_FALSE(img.fingerprint_xattr_name());
}

TEST(Superblock, UnknownFeatureBitsRenderAsHex) {
  EXPECT_EQ(core::erofs::compat_feature_names(0x41), (std::vector<std::string>{"sb_csum", "0x40"}));
  EXPECT_EQ(core::erofs::incompat_feature_names(0x300), (std::vector<std::string>{"metabox", "0x200"}));
}

TEST(Superblock, BadMagic) {
  Sample s;
  s.img.sb.magic = 0x12345678;
  EXPECT_EQ(open_error(s.img.build()), "not an EROFS image (magic 0x12345678) (byte 0x400)");
}

TEST(Superblock, ImageTooSmall) {
  Sample s;
  auto bytes = s.img.build();
  bytes.resize(1100);
  EXPECT_EQ(open_error(bytes), "image too small for a superblock (byte 0x44c)");
}

TEST(Superblock, UnknownIncompatFeature) {
  Sample s;
  s.img.sb.feature_incompat = u32(s.img.sb.feature_incompat) | 0x200;
  EXPECT_EQ(open_unsupported(s.img.build()), "unsupported incompat feature 0x200 (byte 0x450)");
}

TEST(Superblock, ChecksumMismatch) {
  Sample s;
  auto bytes = s.img.build();
  bytes[0x1000 - 1] ^= 1;  // last byte covered by the checksum (bs 4096)
  core::util::ByteView v(bytes.data(), bytes.size());
  u32 stored = bytes[0x404] | bytes[0x405] << 8 | bytes[0x406] << 16 | u32(bytes[0x407]) << 24;
  EXPECT_EQ(open_error(bytes),
            fmt::format("superblock checksum mismatch (stored {:#010x}, computed {:#010x}) (byte 0x404)", stored,
                        core::erofs::superblock_checksum(v, 12)));
}

TEST(Superblock, ChecksumNotCheckedWithoutFeature) {
  Sample s;
  s.img.sb.feature_compat = u32(s.img.sb.feature_compat) & ~od::k_compat_sb_chksum;
  s.img.sb.checksum = 0xdeadbeef;
  auto bytes = s.img.build();
  EXPECT_NO_THROW(open_and_inspect(bytes));
}

TEST(Superblock, BadBlockSizeBits) {
  for (unsigned bits : {0u, 8u, 17u, 255u}) {
    Sample s;
    s.img.sb.blkszbits = static_cast<u8>(bits);
    EXPECT_EQ(open_error(s.img.build()), fmt::format("unsupported block size 2^{} (byte 0x40c)", bits));
  }
}

TEST(Superblock, EpochOutOfRange) {
  // Times are epoch + u32 offsets: an epoch near the i64 limits would overflow them.
  Sample s;
  s.img.sb.epoch = u64(0x7FFFFFFFFFFFFFFF);
  EXPECT_EQ(open_error(s.img.build()), "epoch 9223372036854775807 out of range (byte 0x418)");
  s.img.sb.epoch = u64(1) << 63;
  EXPECT_EQ(open_error(s.img.build()), "epoch -9223372036854775808 out of range (byte 0x418)");
}

TEST(Superblock, ExtensionSlotsMustFitTheBlock) {
  Sample s;
  s.img.sb.sb_extslots = 255;
  EXPECT_EQ(open_error(s.img.build()), "superblock size 4208 does not fit its block (byte 0x40d)");
}

TEST(Superblock, DirBlkBitsMustBeZero) {
  Sample s;
  s.img.sb.dirblkbits = 1;
  EXPECT_EQ(open_error(s.img.build()), "dirblkbits 1 is not supported (byte 0x45a)");
}

TEST(Superblock, UnknownCompressionAlgorithm) {
  Sample s;
  s.img.sb.feature_incompat = u32(s.img.sb.feature_incompat) | od::k_incompat_compr_cfgs;
  s.img.sb.available_compr_algs = 0x11;
  EXPECT_EQ(open_unsupported(s.img.build()), "unsupported compression algorithms 0x11 (byte 0x454)");
}

TEST(Superblock, PackedNidWithBit63) {
  Sample s;
  s.img.sb.packed_nid = (u64(1) << 63) | 5;
  // The kernel looks at packed_nid only with FRAGMENTS, and then loads it like any nid: a
  // metabox nid needs the metabox feature (kernel-rules.md).
  auto plain = s.img.build();
  EXPECT_NO_THROW(Image(plain, "t.erofs", test_options()));
  s.img.sb.feature_incompat = u32(s.img.sb.feature_incompat) | core::erofs::ondisk::k_incompat_fragments;
  EXPECT_EQ(open_error(s.img.build()), "metabox nid in an image without metabox @ nid 9223372036854775813");
}

TEST(Superblock, IsharePrefixIdBeyondTable) {
  Sample s;
  s.img.sb.feature_compat = u32(s.img.sb.feature_compat) | od::k_compat_ishare_xattrs;
  s.img.sb.ishare_xattr_prefix_id = 1;
  EXPECT_EQ(open_error(s.img.build()), "invalid ishare xattr prefix id 1 (only 1 prefixes) (byte 0x469)");
}

TEST(Superblock, MetaboxNeedsExtension) {
  Sample s;
  s.img.sb.feature_incompat = u32(s.img.sb.feature_incompat) | od::k_incompat_metabox;
  EXPECT_EQ(open_error(s.img.build()), "metabox feature without superblock extension (byte 0x40d)");
}

TEST(Superblock, DeviceTableOutsideTheImage) {
  Sample s;
  s.img.sb.feature_incompat = u32(s.img.sb.feature_incompat) | od::k_incompat_device_table;
  s.img.sb.extra_devices = 1;
  s.img.sb.devt_slotoff = 0xFFFF;
  EXPECT_EQ(open_error(s.img.build()), "device table slot outside the image (byte 0x7fff80)");
}

TEST(Superblock, DeviceTableDecodes) {
  Sample s;
  s.img.sb.feature_incompat = u32(s.img.sb.feature_incompat) | od::k_incompat_device_table;
  s.img.sb.extra_devices = 2;
  s.img.sb.devt_slotoff = 2048 / 128;
  s.img.write(2048, std::string("blob1"));
  s.img.put32(2048 + 0x40, 77);
  s.img.put32(2048 + 0x44, 1000);
  auto bytes = s.img.build();
  Image img(bytes, "t.erofs", test_options());
  ASSERT_EQ(img.sb().devices.size(), 2u);
  EXPECT_EQ(img.sb().devices[0].tag, "blob1");
  EXPECT_EQ(img.sb().devices[0].blocks, 77u);
  EXPECT_EQ(img.sb().devices[0].uniaddr, 1000u);
  EXPECT_EQ(img.sb().devices[1].tag, "");
}

TEST(Superblock, RootNidOutOfRange) {
  Sample s;
  s.img.sb.rootnid_2b = 0xFFFF;
  EXPECT_EQ(open_error(s.img.build()), "inode outside the image @ nid 65535 (byte 0x200fe0)");
}

TEST(Superblock, RootMustBeADirectory) {
  Sample s;
  s.img.sb.rootnid_2b = static_cast<u16>(Sample::k_a);
  EXPECT_EQ(open_error(s.img.build()), "root inode is not a directory @ nid 16");
}

TEST(Superblock, Root48BitNid) {
  Sample s;
  s.img.sb.feature_incompat = u32(s.img.sb.feature_incompat) | od::k_incompat_48bit;
  s.img.sb.rootnid_8b = Sample::k_root;
  s.img.sb.rootnid_2b = 1;  // now blocks_hi
  auto bytes = s.img.build();
  Image img(bytes, "t.erofs", test_options());
  EXPECT_EQ(img.sb().root_nid, Sample::k_root);
  EXPECT_EQ(img.sb().blocks, (u64(1) << 32) | 8);
}

TEST(Superblock, SmallBlocks) {
  // bs 512: the superblock is block 2 and the checksum covers exactly that block.
  TestImage t(9, 4);
  t.sb.rootnid_2b = 0;
  auto blk = TestImage::dir_block({{".", 0, od::k_ft_dir}, {"..", 0, od::k_ft_dir}, {"f", 3, od::k_ft_reg_file}});
  InodeSpec root;
  root.mode = 040755;
  root.size = blk.size();
  root.layout = od::k_layout_flat_inline;
  root.i_nb = 2;
  u64 pos = t.add_inode(0, root);
  t.write(pos + 32, blk);
  InodeSpec f;
  f.size = 700;
  f.layout = od::k_layout_flat_inline;  // one full block at block 6 and a 188-byte inline tail
  f.i_u = 6;
  pos = t.add_inode(3, f);
  t.write(pos + 32, std::string(188, 't'));
  t.write(6 * 512, std::string(512, 'b'));
  auto bytes = t.build();
  Image img(bytes, "t.erofs", test_options());
  EXPECT_EQ(img.block_size(), 512u);
  EXPECT_EQ(img.sb().blocks, 7u);
  EXPECT_NO_THROW(open_and_inspect(bytes));
  bytes[1024 + 511] ^= 0xFF;  // still inside the checksummed block
  EXPECT_NE(open_error(bytes).find("superblock checksum mismatch"), std::string::npos);
}

}  // namespace
