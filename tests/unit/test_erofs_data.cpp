#include <gtest/gtest.h>

#include "core/erofs/data.hpp"
#include "core/erofs/image.hpp"
#include "core/inspect/inspect.hpp"
#include "tests/unit/test_image.hpp"

namespace {

using core::CorruptImage;
using core::erofs::Image;
using namespace test;

std::vector<u8> pattern(u64 n, u8 seed) {
  std::vector<u8> v(n);
  for (u64 i = 0; i < n; ++i) v[i] = static_cast<u8>((i * 7 + seed) % 251);
  return v;
}

std::vector<u8> content(const std::vector<u8>& bytes, u64 nid) {
  Image img(bytes, "t.erofs", test_options());
  return core::erofs::read_file(img, core::erofs::read_inode(img, nid), 1 << 20);
}

template <class F>
std::string content_error(F mutate, u64 nid) {
  Sample s;
  mutate(s);
  auto bytes = s.img.build();
  return error_of<CorruptImage>([&] { (void)content(bytes, nid); });
}

std::string str(const std::vector<u8>& v) { return std::string(v.begin(), v.end()); }

// Adds a device table with two extra devices (tags "blob1", "blob2") inside block 0.
void add_devices(Sample& s) {
  s.img.sb.feature_incompat = u32(s.img.sb.feature_incompat) | od::k_incompat_device_table;
  s.img.sb.extra_devices = 2;
  s.img.sb.devt_slotoff = 2048 / 128;
  s.img.write(2048, std::string("blob1"));
  s.img.write(2048 + 128, std::string("blob2"));
}

TEST(Data, FlatPlainInlineAndSymlink) {
  Sample s;
  auto bytes = s.img.build();
  EXPECT_EQ(content(bytes, Sample::k_big), pattern(5000, 1));
  EXPECT_EQ(str(content(bytes, Sample::k_a)), "hello");
  EXPECT_EQ(str(content(bytes, Sample::k_x)), "xyz");
  EXPECT_EQ(str(content(bytes, Sample::k_link)), "../a");
  EXPECT_TRUE(content(bytes, Sample::k_dev).empty());
}

TEST(Data, ChunkIndexesWithHoleAndSharedChunk) {
  Sample s;
  auto bytes = s.img.build();
  std::vector<u8> want = pattern(4096, 2);
  want.resize(8192);
  auto tail = pattern(10000 - 8192, 2);
  want.insert(want.end(), tail.begin(), tail.end());
  EXPECT_EQ(content(bytes, Sample::k_chunked), want);
}

TEST(Data, ChunkBlockMap) {
  Sample s;
  u64 pos = s.img.inode_pos(Sample::k_chunked);
  s.img.put32(pos + 0x10, 1);  // 2-block chunks, 4-byte block map
  s.img.put32(pos + 64, 0xFFFFFFFF);
  s.img.put32(pos + 68, 6);  // the second chunk (1808 bytes) starts at /sub's block
  auto bytes = s.img.build();
  auto got = content(bytes, Sample::k_chunked);
  ASSERT_EQ(got.size(), 10000u);
  EXPECT_EQ(std::vector<u8>(got.begin(), got.begin() + 8192), std::vector<u8>(8192));
  EXPECT_EQ(std::vector<u8>(got.begin() + 8192, got.end()),
            std::vector<u8>(bytes.begin() + 6 * 4096, bytes.begin() + 6 * 4096 + 1808));
}

TEST(Data, ReadRangeStopsEarly) {
  Sample s;
  auto bytes = s.img.build();
  Image img(bytes, "t.erofs", test_options());
  auto got = core::erofs::read_range(img, core::erofs::read_inode(img, Sample::k_big), 4000, 2000);
  auto all = pattern(5000, 1);
  EXPECT_EQ(got, std::vector<u8>(all.begin() + 4000, all.end()));
  EXPECT_TRUE(core::erofs::read_range(img, core::erofs::read_inode(img, Sample::k_big), 5000, 1).empty());
}

TEST(Data, NullStartBlockReadsAsZeros) {
  Sample s;
  s.img.put32(s.img.inode_pos(Sample::k_big) + 0x10, 0xFFFFFFFF);
  EXPECT_EQ(content(s.img.build(), Sample::k_big), std::vector<u8>(5000));
}

TEST(Data, HoleBudget) {
  EXPECT_EQ(content_error(
                [](Sample& s) {
                  u64 pos = s.img.inode_pos(Sample::k_big);
                  s.img.put32(pos + 8, 0x7FFFFFFF);
                  s.img.put32(pos + 0x10, 0xFFFFFFFF);
                },
                Sample::k_big),
            "i_size 2147483647 exceeds the limit of 1048576 bytes @ nid 20");
  Sample s;
  u64 pos = s.img.inode_pos(Sample::k_big);
  s.img.put32(pos + 8, 0x7FFFFFFF);
  s.img.put32(pos + 0x10, 0xFFFFFFFF);
  auto bytes = s.img.build();
  EXPECT_EQ(error_of<CorruptImage>([&] { open_and_inspect(bytes); }),
            "file expands to more than 1048576 bytes of holes @ nid 20, path /big");
}

TEST(Data, HoleBudgetIsImageWide) {
  // Two files of 700 KiB of holes each: both pass the per-file limit (1 MiB in these tests),
  // but together they exceed the image-wide budget.
  Sample s;
  for (u64 nid : {Sample::k_a, Sample::k_big}) {
    u64 pos = s.img.inode_pos(nid);
    s.img.put16(pos, 0);  // compact, flat_plain
    s.img.put32(pos + 8, 700 << 10);
    s.img.put32(pos + 0x10, 0xFFFFFFFF);
  }
  auto bytes = s.img.build();
  EXPECT_EQ(error_of<CorruptImage>([&] { open_and_inspect(bytes); }),
            "image data expands to more than 1048576 bytes beyond its size (holes, shared blocks) @ nid 20, path /big");
}

TEST(Data, DataPastTheEnd) {
  EXPECT_EQ(content_error([](Sample& s) { s.img.put32(s.img.inode_pos(Sample::k_big) + 0x10, 1000); },
                          Sample::k_big),
            "data past end of image @ nid 20 (byte 0x3e8000)");
}

TEST(Data, ChunkIndexDeviceIdOutOfRange) {
  EXPECT_EQ(content_error(
                [](Sample& s) {
                  add_devices(s);
                  s.img.put16(s.chunk_indexes + 2, 3);
                },
                Sample::k_chunked),
            "device id 3 beyond the 2 extra devices @ nid 36, chunk 0 (byte 0x14c0)");
}

TEST(Data, ChunkDeviceIdIsMasked) {
  // device_id_mask = next_pow2(extra_devices + 1) - 1: with no extra devices every id means
  // the primary device.
  Sample s;
  s.img.put16(s.chunk_indexes + 2, 0xFFFF);
  EXPECT_EQ(content(s.img.build(), Sample::k_chunked).size(), 10000u);
}

TEST(Data, DataOnAnExtraDeviceIsUnavailable) {
  Sample s;
  add_devices(s);
  s.img.put16(s.chunk_indexes + 2, 1);
  auto bytes = s.img.build();
  EXPECT_EQ(error_of<core::DataUnavailable>([&] { (void)content(bytes, Sample::k_chunked); }),
            "data is on extra device 1 (blob1); pass it with --device @ nid 36, chunk 0");
  // inspect records it per file instead of failing.
  Image img(bytes, "t.erofs", test_options());
  auto rep = core::inspect::inspect(img, {true, ""});
  bool found = false;
  for (const auto& f : rep.files)
    if (f.path == "/chunked") {
      found = true;
      EXPECT_FALSE(f.node->digest);
      EXPECT_EQ(f.node->digest_error, "data is on extra device 1 (blob1); pass it with --device @ nid 36, chunk 0");
    }
  EXPECT_TRUE(found);
}

TEST(Data, ChunkIndexArrayPastTheImage) {
  // An inode whose chunk index array starts 32 bytes before the end of the image: four of
  // its five indexes fit.
  Sample s;
  const u64 nid = (0x8000 - 96 - 0x1000) / 32;
  InodeSpec ch;
  ch.extended = true;
  ch.size = 5 * 4096;
  ch.layout = od::k_layout_chunk_based;
  ch.i_u = od::k_chunk_format_indexes;
  u64 pos = s.img.add_inode(nid, ch);
  for (unsigned k = 0; k < 4; ++k) s.img.put64(pos + 64 + 8 * k, u64(7) << 32);
  auto bytes = s.img.build();
  EXPECT_EQ(error_of<CorruptImage>([&] { (void)content(bytes, nid); }),
            "chunk index outside the image @ nid 893, chunk 4 (byte 0x8000)");
}

TEST(Data, SharedChunksCannotAmplifyWithoutBound) {
  // Every chunk index names the same block: a 36 KiB image would expand to 2 MiB of data. What
  // is read beyond the image size counts against the hole budget (1 MiB in these tests).
  TestImage t;
  t.sb.feature_incompat = od::k_incompat_chunked_file;
  t.sb.rootnid_2b = 0;
  auto blk = TestImage::dir_block({{".", 0, od::k_ft_dir}, {"..", 0, od::k_ft_dir}, {"f", 4, od::k_ft_reg_file}});
  InodeSpec root;
  root.mode = 040755;
  root.size = blk.size();
  root.layout = od::k_layout_flat_inline;
  root.i_nb = 2;
  t.write(t.add_inode(0, root) + 32, blk);
  InodeSpec f;
  f.extended = true;
  f.size = 2 << 20;
  f.layout = od::k_layout_chunk_based;
  f.i_u = od::k_chunk_format_indexes;
  u64 pos = t.add_inode(4, f);
  for (u64 k = 0; k < 512; ++k) t.put64(pos + 64 + 8 * k, u64(8) << 32);
  t.write(8 * 4096, std::string(4096, 'c'));
  auto bytes = t.build();
  ASSERT_EQ(bytes.size(), 9u * 4096);
  EXPECT_EQ(error_of<CorruptImage>([&] { open_and_inspect(bytes); }),
            "image data expands to more than 1048576 bytes beyond its size (holes, shared blocks) @ nid 4, path /f");
  // Within the budget, shared chunks are fine.
  t.put64(pos + 8, 1 << 20);
  bytes = t.build();
  EXPECT_EQ(content(bytes, 4), std::vector<u8>(1 << 20, 'c'));
}

}  // namespace
