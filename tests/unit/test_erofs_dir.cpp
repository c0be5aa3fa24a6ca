#include <algorithm>

#include <gtest/gtest.h>

#include "core/erofs/dir.hpp"
#include "core/erofs/image.hpp"
#include "tests/unit/test_image.hpp"

namespace {

using core::CorruptImage;
using core::erofs::Image;
using namespace test;

template <class F>
std::string inspect_error(F mutate) {
  Sample s;
  mutate(s);
  auto bytes = s.img.build();
  return error_of<CorruptImage>([&] { open_and_inspect(bytes); });
}

// Offset of field `field` (8 = nameoff, 10 = file_type) of dirent `i` in a block at `block`.
u64 dirent(u64 block, unsigned i, unsigned field = 0) { return block + 12 * i + field; }

TEST(Dir, WalksTheTreeInNameOrder) {
  Sample s;
  auto bytes = s.img.build();
  Image img(bytes, "t.erofs", test_options());
  std::vector<std::string> paths;
  core::erofs::walk_tree(img, [&](const std::string& path, const core::erofs::Inode&) { paths.push_back(path); });
  EXPECT_EQ(paths, (std::vector<std::string>{"/", "/a", "/big", "/chunked", "/dev", "/sub", "/sub/link", "/x"}));
}

TEST(Dir, PathOrderPutsNonDirectoryPathsInByteOrder) {
  // "/sub-x" sorts before "/sub/link" ('-' < '/'), but on disk "sub" comes before "sub-x".
  Sample s;
  std::vector<Dent> root = s.root_entries();
  for (Dent& d : root)
    if (d.name == "x") d.name = "sub-x";
  s.set_root(root);
  auto bytes = s.img.build();
  Image img(bytes, "t.erofs", test_options());
  auto files = [&](core::erofs::WalkOrder order) {
    std::vector<std::string> paths;
    core::erofs::walk_tree(
        img,
        [&](const std::string& path, const core::erofs::Inode& ino) {
          if (ino.type != core::erofs::FileType::dir) paths.push_back(path);
        },
        {}, order);
    return paths;
  };
  std::vector<std::string> by_names = files(core::erofs::WalkOrder::names);
  std::vector<std::string> by_paths = files(core::erofs::WalkOrder::paths);
  EXPECT_FALSE(std::is_sorted(by_names.begin(), by_names.end()));
  EXPECT_TRUE(std::is_sorted(by_paths.begin(), by_paths.end()));
  std::sort(by_names.begin(), by_names.end());
  EXPECT_EQ(by_names, by_paths);  // the same entries, in another order
}

TEST(Dir, ReadsEntriesWithTypes) {
  Sample s;
  auto bytes = s.img.build();
  Image img(bytes, "t.erofs", test_options());
  struct Got {
    std::string name;  // DirEntry::name is valid during the callback only
    u64 nid;
    u8 file_type;
  };
  std::vector<Got> got;
  u64 budget = 1 << 20;
  core::erofs::read_dir(img, core::erofs::read_inode(img, Sample::k_sub), budget,
                        [&](const core::erofs::DirEntry& e) { got.push_back({std::string(e.name), e.nid, e.file_type}); });
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2].name, "link");
  EXPECT_EQ(got[2].nid, Sample::k_link);
  EXPECT_EQ(got[2].file_type, od::k_ft_symlink);
  EXPECT_EQ(budget, (1u << 20) - 43);
}

TEST(Dir, DirectoryBeyondWalkBudget) {
  Sample s;
  auto bytes = s.img.build();
  Image img(bytes, "t.erofs", test_options());
  u64 budget = 42;
  EXPECT_EQ(error_of<CorruptImage>([&] {
              core::erofs::read_dir(img, core::erofs::read_inode(img, Sample::k_sub), budget,
                                    [](const core::erofs::DirEntry&) {});
            }),
            "directory data exceeds the walk budget @ nid 24");
}

TEST(Dir, FirstNameoffTooSmall) {
  EXPECT_EQ(inspect_error([](Sample& s) { s.img.put16(dirent(s.root_dirents, 0, 8), 6); }),
            "invalid dirent nameoff @ nid 4, path / (dir block 0 byte 0x8)");
}

TEST(Dir, FirstNameoffNotAMultipleOfTheDirentSize) {
  EXPECT_EQ(inspect_error([](Sample& s) { s.img.put16(dirent(s.sub_block, 0, 8), 40); }),
            "invalid dirent nameoff @ nid 24, path /sub (dir block 0 byte 0x8)");
}

TEST(Dir, FirstNameoffPastTheBlock) {
  // The root's block is inline and 117 bytes long.
  EXPECT_EQ(inspect_error([](Sample& s) { s.img.put16(dirent(s.root_dirents, 0, 8), 120); }),
            "invalid dirent nameoff @ nid 4, path / (dir block 0 byte 0x8)");
}

TEST(Dir, NameoffGoingBackwards) {
  EXPECT_EQ(inspect_error([](Sample& s) { s.img.put16(dirent(s.root_dirents, 3, 8), 97); }),
            "bogus dirent nameoff @ nid 4, path /, index 2 (dir block 0 byte 0x20)");
}

TEST(Dir, NameoffPastTheUsedArea) {
  EXPECT_EQ(inspect_error([](Sample& s) { s.img.put16(dirent(s.root_dirents, 7, 8), 200); }),
            "bogus dirent nameoff @ nid 4, path /, index 6 (dir block 0 byte 0x50)");
}

TEST(Dir, EmptyName) {
  EXPECT_EQ(inspect_error([](Sample& s) { s.img.put16(dirent(s.root_dirents, 3, 8), 99); }),
            "bogus dirent name length @ nid 4, path /, index 2 (dir block 0 byte 0x20)");
}

TEST(Dir, NameLongerThan255) {
  EXPECT_EQ(inspect_error([](Sample& s) {
              auto e = s.sub_entries();
              e[2].name = std::string(256, 'l');
              s.set_sub(e);
            }),
            "bogus dirent name length @ nid 24, path /sub, index 2 (dir block 0 byte 0x20)");
}

TEST(Dir, NameWithSlash) {
  EXPECT_EQ(inspect_error([](Sample& s) {
              auto e = s.sub_entries();
              e[2].name = "li/nk";
              s.set_sub(e);
            }),
            "dirent name contains '/' or NUL @ nid 24, path /sub, index 2 (dir block 0 byte 0x27)");
}

TEST(Dir, NameWithNul) {
  EXPECT_EQ(inspect_error([](Sample& s) {
              auto e = s.root_entries();
              e[2].name = std::string("a\0", 2);
              s.set_root(e);
            }),
            "dirent name contains '/' or NUL @ nid 4, path /, index 2 (dir block 0 byte 0x63)");
}

TEST(Dir, InvalidFileType) {
  EXPECT_EQ(inspect_error([](Sample& s) { s.img.put8(dirent(s.sub_block, 2, 10), 9); }),
            "invalid dirent file type @ nid 24, path /sub, index 2 (dir block 0 byte 0x22)");
}

TEST(Dir, FileTypeDisagreesWithInode) {
  EXPECT_EQ(inspect_error([](Sample& s) { s.img.put8(dirent(s.root_dirents, 2, 10), od::k_ft_dir); }),
            "dirent file type does not match the inode @ nid 16, path /a");
}

TEST(Dir, UnsortedEntries) {
  EXPECT_EQ(inspect_error([](Sample& s) {
              auto e = s.root_entries();
              std::swap(e[2], e[3]);
              s.set_root(e);
            }),
            "dirents not sorted (or duplicate name) @ nid 4, path /, index 3 (dir block 0 byte 0x66)");
}

TEST(Dir, DuplicateName) {
  EXPECT_EQ(inspect_error([](Sample& s) {
              auto e = s.root_entries();
              e[3] = e[2];
              s.set_root(e);
            }),
            "dirents not sorted (or duplicate name) @ nid 4, path /, index 3 (dir block 0 byte 0x64)");
}

TEST(Dir, CycleThroughASubdirectory) {
  EXPECT_EQ(inspect_error([](Sample& s) {
              auto e = s.sub_entries();
              e.push_back({"loop", Sample::k_root, od::k_ft_dir});
              s.set_sub(e);
            }),
            "directory reached twice (cycle or second parent) @ nid 4, path /sub/loop");
}

TEST(Dir, DirectoryWithTwoParents) {
  EXPECT_EQ(inspect_error([](Sample& s) {
              auto e = s.root_entries();
              e.push_back({"y", Sample::k_sub, od::k_ft_dir});
              s.set_root(e);
            }),
            "directory reached twice (cycle or second parent) @ nid 24, path /y");
}

TEST(Dir, DotDotNotTheParent) {
  EXPECT_EQ(inspect_error([](Sample& s) {
              auto e = s.sub_entries();
              e[1].nid = Sample::k_sub;
              s.set_sub(e);
            }),
            "\"..\" does not point to the parent @ nid 24, path /sub");
}

TEST(Dir, DotNotTheDirectory) {
  EXPECT_EQ(inspect_error([](Sample& s) {
              auto e = s.sub_entries();
              e[0].nid = Sample::k_root;
              s.set_sub(e);
            }),
            "bad \".\" entry @ nid 24, path /sub");
}

TEST(Dir, MissingDotDot) {
  EXPECT_EQ(inspect_error([](Sample& s) {
              auto e = s.sub_entries();
              e.erase(e.begin() + 1);
              s.set_sub(e);
            }),
            "directory lacks \".\" or \"..\" @ nid 24, path /sub");
}

TEST(Dir, DotOmittedIsAccepted) {
  Sample s;
  auto e = s.sub_entries();
  e.erase(e.begin());
  s.set_sub(e);
  s.img.put16(s.img.inode_pos(Sample::k_sub), od::k_inode_dot_omitted);
  EXPECT_NO_THROW(open_and_inspect(s.img.build()));
}

TEST(Dir, BlockTooSmallForADirent) {
  EXPECT_EQ(inspect_error([](Sample& s) { s.img.put32(s.img.inode_pos(Sample::k_sub) + 8, 5); }),
            "directory block too small @ nid 24, path /sub (dir block 0 byte 0x0)");
}

TEST(Dir, EmptyDirectory) {
  EXPECT_EQ(inspect_error([](Sample& s) { s.img.put32(s.img.inode_pos(Sample::k_sub) + 8, 0); }),
            "directory lacks \".\" or \"..\" @ nid 24, path /sub");
}

// 300 DOT_OMITTED directories sharing one dirent block; `compressed` makes the image
// compressed-capable (the directories stay stored as they are).
std::vector<u8> shared_dirent_blocks(bool compressed) {
  TestImage t;
  t.sb.rootnid_2b = 0;
  if (compressed) t.sb.available_compr_algs = 0xFFFF;  // lz4_max_distance
  std::vector<Dent> first{{".", 0, od::k_ft_dir}, {"..", 0, od::k_ft_dir}}, second;
  for (unsigned i = 0; i < 300; ++i) {
    char name[8];
    std::snprintf(name, sizeof name, "d%03u", i);
    (i < 200 ? first : second).push_back({name, 2 + i, od::k_ft_dir});
  }
  auto b1 = TestImage::dir_block(first), b2 = TestImage::dir_block(second);
  InodeSpec root;
  root.mode = 040755;
  root.size = 4096 + b2.size();
  root.i_u = 4;
  root.i_nb = 302;
  t.add_inode(0, root);
  t.write(4 * 4096, b1);
  t.write(5 * 4096, b2);
  InodeSpec file;
  t.add_inode(1, file);
  auto shared = TestImage::dir_block({{"..", 0, od::k_ft_dir}, {"f", 1, od::k_ft_reg_file}});
  t.write(6 * 4096, shared);
  t.reserve(7 * 4096);
  for (unsigned i = 0; i < 300; ++i) {
    InodeSpec d;
    d.mode = 040755;
    d.extra_format = od::k_inode_dot_omitted;
    d.size = 4096;
    d.i_u = 6;
    d.i_nb = 2;
    t.add_inode(2 + i, d);
  }
  return t.build();
}

TEST(Dir, SharedDirentBlocksAreBoundedByTheImageSize) {
  // The walk may read at most the image size (+1 MiB) of stored directory data, not 300 times
  // the block.
  auto bytes = shared_dirent_blocks(false);
  ASSERT_EQ(bytes.size(), 7u * 4096);
  EXPECT_EQ(error_of<CorruptImage>([&] { open_and_inspect(bytes); }),
            "directory data exceeds the walk budget @ nid 263, path /d261");
}

TEST(Dir, SharedDirentBlocksAreBoundedInCompressedCapableImagesToo) {
  // Only compressed directories get the expansion factor; stored ones in an image that could
  // hold compressed inodes are bounded like in a plain image.
  EXPECT_EQ(error_of<CorruptImage>([&] { open_and_inspect(shared_dirent_blocks(true)); }),
            "directory data exceeds the walk budget @ nid 263, path /d261");
}

TEST(Dir, PathsLongerThanPathMaxAreRefused) {
  // A chain of directories with 255-byte names: level 17 would make a path of
  // 17 * 256 > 4096 bytes.
  TestImage t;
  t.sb.rootnid_2b = 0;
  const std::string name(255, 'n');
  constexpr unsigned k_levels = 20;
  for (unsigned i = 0; i <= k_levels; ++i) {
    std::vector<Dent> e{{".", i, od::k_ft_dir}, {"..", i ? i - 1 : 0, od::k_ft_dir}};
    if (i < k_levels) e.push_back({name, i + 1, od::k_ft_dir});
    auto blk = TestImage::dir_block(e);
    InodeSpec d;
    d.mode = 040755;
    d.size = blk.size();
    d.i_u = 2 + i;
    d.i_nb = 2;
    t.add_inode(i, d);
    t.write((2 + i) * 4096, blk);
  }
  auto bytes = t.build();
  EXPECT_EQ(error_of<CorruptImage>([&] { open_and_inspect(bytes); }),
            "path longer than 4096 bytes @ nid 17, in directory nid 16");
  // lint's kind of walk reports it and goes on with the rest.
  Image img(bytes, "t.erofs", test_options());
  std::vector<std::string> errors;
  std::size_t visited = 0;
  core::erofs::walk_tree(
      img, [&](std::string&, const core::erofs::Inode&) { ++visited; },
      [&](const std::string&, const core::Error& e) { errors.push_back(e.what()); });
  EXPECT_EQ(visited, 17u);
  EXPECT_EQ(errors, std::vector<std::string>{"path longer than 4096 bytes @ nid 17, in directory nid 16"});
}

}  // namespace
