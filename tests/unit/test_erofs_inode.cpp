#include <limits>

#include <gtest/gtest.h>

#include "core/erofs/data.hpp"
#include "core/erofs/image.hpp"
#include "core/erofs/inode.hpp"
#include "tests/unit/test_image.hpp"

namespace {

using core::CorruptImage;
using core::Unsupported;
using core::erofs::FileType;
using core::erofs::Image;
using core::erofs::Layout;
using namespace test;

// Builds the sample, applies `mutate`, opens it and reads inode `nid`.
template <class F>
core::erofs::Inode read_after(F mutate, u64 nid) {
  Sample s;
  mutate(s);
  auto bytes = s.img.build();
  Image img(bytes, "t.erofs", test_options());
  return core::erofs::read_inode(img, nid);
}

template <class E = CorruptImage, class F>
std::string read_error(F mutate, u64 nid) {
  return error_of<E>([&] { (void)read_after(mutate, nid); });
}

template <class E = CorruptImage, class F>
std::string inspect_error(F mutate) {
  Sample s;
  mutate(s);
  auto bytes = s.img.build();
  return error_of<E>([&] { open_and_inspect(bytes); });
}

const auto no_change = [](Sample&) {};

TEST(Inode, DecodesCompact) {
  auto ino = read_after(no_change, Sample::k_big);
  EXPECT_EQ(ino.nid, Sample::k_big);
  EXPECT_EQ(ino.pos, 0x1280u);
  EXPECT_FALSE(ino.extended);
  EXPECT_EQ(ino.inode_size, 32u);
  EXPECT_EQ(ino.type, FileType::file);
  EXPECT_EQ(ino.mode, 0100644);
  EXPECT_EQ(ino.layout, Layout::flat_plain);
  EXPECT_EQ(ino.size, 5000u);
  EXPECT_EQ(ino.startblk, 4u);
  EXPECT_FALSE(ino.startblk_null);
  EXPECT_EQ(ino.uid, 1000u);
  EXPECT_EQ(ino.gid, 100u);
  EXPECT_EQ(ino.nlink, 1u);
  EXPECT_EQ(ino.mtime, 1700000042);
  EXPECT_EQ(ino.mtime_nsec, 5u);
  EXPECT_EQ(ino.xattr_isize, 0u);
}

TEST(Inode, DecodesExtendedChunked) {
  auto ino = read_after(no_change, Sample::k_chunked);
  EXPECT_TRUE(ino.extended);
  EXPECT_EQ(ino.inode_size, 64u);
  EXPECT_EQ(ino.layout, Layout::chunk_based);
  EXPECT_EQ(ino.chunk_format, od::k_chunk_format_indexes);
  EXPECT_EQ(ino.size, 10000u);
  EXPECT_EQ(ino.mtime, 1234567890);
}

TEST(Inode, DecodesInlineXattrsDeviceAndDirectory) {
  auto x = read_after(no_change, Sample::k_x);
  EXPECT_EQ(x.layout, Layout::flat_inline);
  EXPECT_EQ(x.xattr_isize, 36u);
  EXPECT_EQ(x.meta_end(), 0x1444u);
  EXPECT_FALSE(x.startblk_null);  // "no blocks" is a layout-0 notion (kernel erofs_read_inode)
  auto dev = read_after(no_change, Sample::k_dev);
  EXPECT_EQ(dev.type, FileType::chardev);
  EXPECT_EQ(dev.rdev_major(), 1u);
  EXPECT_EQ(dev.rdev_minor(), 3u);
  auto root = read_after(no_change, Sample::k_root);
  EXPECT_EQ(root.type, FileType::dir);
  EXPECT_EQ(root.nlink, 3u);
  EXPECT_FALSE(root.dot_omitted);
  EXPECT_STREQ(core::erofs::layout_name(root.layout), "flat_inline");
  EXPECT_STREQ(core::erofs::file_type_name(root.type), "dir");
}

TEST(Inode, Compact48BitStartBlock) {
  auto ino = read_after(
      [](Sample& s) {
        s.img.sb.feature_incompat = u32(s.img.sb.feature_incompat) | od::k_incompat_48bit;
        s.img.put16(s.img.inode_pos(Sample::k_big), od::k_inode_nlink_1);  // layout 0, NLINK_1
        s.img.put16(s.img.inode_pos(Sample::k_big) + 6, 0x12);            // startblk_hi
      },
      Sample::k_big);
  EXPECT_EQ(ino.startblk, (u64(0x12) << 32) | 4);
  EXPECT_EQ(ino.nlink, 1u);
}

TEST(Inode, BogusMode) {
  auto set_mode = [](Sample& s) { s.img.put16(s.img.inode_pos(Sample::k_a) + 4, 0170644); };
  EXPECT_EQ(read_error(set_mode, Sample::k_a), "bogus i_mode @ nid 16 (byte 0x1204)");
  EXPECT_EQ(inspect_error(set_mode), "bogus i_mode @ nid 16, path /a (byte 0x1204)");
}

TEST(Inode, UnsupportedLayout) {
  auto set = [](Sample& s) { s.img.put16(s.img.inode_pos(Sample::k_a), 5 << 1); };
  EXPECT_EQ(read_error<Unsupported>(set, Sample::k_a), "unsupported data layout 5 @ nid 16 (byte 0x1200)");
}

TEST(Inode, UnknownFormatBits) {
  auto set = [](Sample& s) { s.img.put16(s.img.inode_pos(Sample::k_a), 0x24); };
  EXPECT_EQ(read_error<Unsupported>(set, Sample::k_a), "unsupported i_format 0x24 @ nid 16 (byte 0x1200)");
}

TEST(Inode, InlineDataAcrossBlocks) {
  // /a's tail starts at 0x1220 (offset 544 in its block): 3553 bytes would end past the block.
  // Like the kernel (erofs_map_blocks), the inode loads and reading its data fails.
  auto set = [](Sample& s) { s.img.put32(s.img.inode_pos(Sample::k_a) + 8, 3553); };
  EXPECT_EQ(read_after(set, Sample::k_a).size, 3553u);
  EXPECT_EQ(inspect_error(set), "inline data across blocks @ nid 16, path /a (byte 0x1220)");
  // The same check without reading the data, for structure checks (lint).
  EXPECT_EQ(error_of<CorruptImage>([&] {
              Sample s;
              set(s);
              auto bytes = s.img.build();
              Image img(bytes, "t.erofs", test_options());
              core::erofs::check_flat_layout(img, core::erofs::read_inode(img, Sample::k_a));
            }),
            "inline data across blocks @ nid 16 (byte 0x1220)");
  auto fits = read_after([](Sample& s) { s.img.put32(s.img.inode_pos(Sample::k_a) + 8, 3552); }, Sample::k_a);
  EXPECT_EQ(fits.size, 3552u);
}

TEST(Inode, NegativeSize) {
  auto set = [](Sample& s) { s.img.put64(s.img.inode_pos(Sample::k_chunked) + 8, u64(1) << 63); };
  EXPECT_EQ(read_error(set, Sample::k_chunked), "negative i_size @ nid 36 (byte 0x1488)");
}

TEST(Inode, NidOutOfRange) {
  EXPECT_EQ(read_error(no_change, u64(1) << 59), "nid out of range @ nid 576460752303423488");
  EXPECT_EQ(read_error(no_change, 1024), "inode outside the image @ nid 1024 (byte 0x9000)");
  // A dirent naming a nid past the end is reported with the path it was reached by.
  auto far = [](Sample& s) {
    auto e = s.root_entries();
    e[2].nid = 5000;
    s.set_root(e);
  };
  EXPECT_EQ(inspect_error(far), "inode outside the image @ nid 5000, path /a (byte 0x28100)");
}

TEST(Inode, MetaboxNidWithoutMetabox) {
  EXPECT_EQ(read_error(no_change, (u64(1) << 63) | 4), "metabox nid in an image without metabox @ nid 9223372036854775812");
}

TEST(Inode, MetadataPastTheImage) {
  auto set = [](Sample& s) { s.img.put16(s.img.inode_pos(Sample::k_dev) + 2, 0xFFFF); };
  EXPECT_EQ(read_error(set, Sample::k_dev), "inode metadata outside the image @ nid 40 (byte 0x1500)");
}

TEST(Inode, XattrHeaderOnlyIbody) {
  // The kernel loads such an inode and refuses only its xattrs (erofs_init_inode_xattrs).
  auto set = [](Sample& s) { s.img.put16(s.img.inode_pos(Sample::k_a) + 2, 1); };
  EXPECT_EQ(read_after(set, Sample::k_a).xattr_isize, 12u);
  EXPECT_EQ(inspect_error<Unsupported>(set), "xattr ibody with header only is not supported @ nid 16 (byte 0x1202)");
}

TEST(Inode, SpecialFileWithSize) {
  // The kernel never reads a special file's data, so it checks neither its size nor its layout.
  auto set = [](Sample& s) { s.img.put32(s.img.inode_pos(Sample::k_dev) + 8, 1); };
  EXPECT_EQ(read_after(set, Sample::k_dev).size, 1u);
}

TEST(Inode, SpecialFileLayoutLikeTheKernel) {
  // erofs_read_inode: a device number comes from i_u whatever the layout, and a chunk-based
  // layout's chunk format (the same i_u) is checked for every file type.
  auto chunked = [](u32 i_u) {
    return [i_u](Sample& s) {
      s.img.put16(s.img.inode_pos(Sample::k_dev), 4 << 1);
      s.img.put32(s.img.inode_pos(Sample::k_dev) + 0x10, i_u);
    };
  };
  auto dev = read_after(chunked(5), Sample::k_dev);
  EXPECT_EQ(dev.layout, Layout::chunk_based);
  EXPECT_EQ(dev.rdev, 5u);
  EXPECT_EQ(read_error<Unsupported>(chunked(0x80), Sample::k_dev),
            "unsupported chunk format 0x80 @ nid 40 (byte 0x1510)");
}

TEST(Inode, CompressedInodeInPlainImage) {
  auto set = [](Sample& s) { s.img.put16(s.img.inode_pos(Sample::k_a), 3 << 1); };
  EXPECT_EQ(read_error(set, Sample::k_a), "compressed inode in a plain (uncompressed) filesystem @ nid 16 (byte 0x1200)");
}

TEST(Inode, ChunkBasedWithoutFeature) {
  // mkfs --tar=i writes chunk-based inodes without the chunked_file bit; the kernel reads them.
  auto set = [](Sample& s) {
    s.img.sb.feature_incompat = u32(s.img.sb.feature_incompat) & ~od::k_incompat_chunked_file;
  };
  EXPECT_EQ(read_after(set, Sample::k_chunked).layout, Layout::chunk_based);
}

TEST(Inode, UnsupportedChunkFormat) {
  auto set = [](Sample& s) { s.img.put32(s.img.inode_pos(Sample::k_chunked) + 0x10, 0xA0); };
  EXPECT_EQ(read_error<Unsupported>(set, Sample::k_chunked), "unsupported chunk format 0xa0 @ nid 36 (byte 0x1490)");
}

TEST(Inode, NegativeEpoch) {
  // Compact mtimes are epoch + i_mtime; epochs before 1970 are allowed.
  auto ino = read_after([](Sample& s) { s.img.sb.epoch = static_cast<u64>(-(core::i64(1) << 62)); }, Sample::k_big);
  EXPECT_EQ(ino.mtime, -(core::i64(1) << 62) + 42);
}

}  // namespace
