// The overlay view on hand-built layer trees: whiteouts, opaque directories, replaced entries,
// layers used by several images; and the OCI whiteout names.
#include <gtest/gtest.h>

#include "core/container/overlay.hpp"
#include "core/util/error.hpp"

namespace core::container {
namespace {

TreeEntry dir(const std::string& path, bool opaque = false) { return TreeEntry{path, EntryKind::directory, opaque}; }
TreeEntry file(const std::string& path) { return TreeEntry{path, EntryKind::file, false}; }
TreeEntry whiteout(const std::string& path) { return TreeEntry{path, EntryKind::whiteout, false}; }
TreeEntry other(const std::string& path) { return TreeEntry{path, EntryKind::other, false}; }

ContainerImage image(const std::string& name, std::vector<u32> layers) {
  ContainerImage img;
  img.name = name;
  img.layers = std::move(layers);
  return img;
}

// A base layer used by every test: /etc/a, /etc/b, /usr/lib/x, /usr/lib/sub/y, /top.
LayerTree base() {
  return {dir("/"),        dir("/etc"),        file("/etc/a"),      file("/etc/b"),         dir("/usr"),
          dir("/usr/lib"), file("/usr/lib/x"), dir("/usr/lib/sub"), file("/usr/lib/sub/y"), file("/top")};
}

TEST(Overlay, AWhiteoutHidesOneFile) {
  const std::vector<LayerTree> trees = {base(), {dir("/"), dir("/etc"), whiteout("/etc/a")}};
  const OverlayView view({image("i", {0, 1})}, trees);
  EXPECT_FALSE(view.visible(0, "/etc/a"));
  EXPECT_TRUE(view.visible(0, "/etc/b"));
  EXPECT_TRUE(view.visible(0, "/usr/lib/x"));
  // A whiteout hides only what lies below it: the upper layer's own entries show.
  EXPECT_TRUE(view.visible(1, "/etc/a"));
}

TEST(Overlay, AWhiteoutOfADirectoryHidesEverythingBelowIt) {
  const std::vector<LayerTree> trees = {base(), {dir("/"), dir("/usr"), whiteout("/usr/lib")}};
  const OverlayView view({image("i", {0, 1})}, trees);
  EXPECT_FALSE(view.visible(0, "/usr/lib/x"));
  EXPECT_FALSE(view.visible(0, "/usr/lib/sub/y"));
  EXPECT_TRUE(view.visible(0, "/etc/a"));
  EXPECT_TRUE(view.visible(0, "/top"));
  // "/usr/library" is not below "/usr/lib".
  const std::vector<LayerTree> more = {{dir("/"), dir("/usr"), file("/usr/library")}, trees[1]};
  const OverlayView view2({image("i", {0, 1})}, more);
  EXPECT_TRUE(view2.visible(0, "/usr/library"));
}

TEST(Overlay, AnOpaqueDirectoryHidesLowerEntriesBelowItButNotItsOwn) {
  const std::vector<LayerTree> trees = {base(), {dir("/"), dir("/usr"), dir("/usr/lib", true), file("/usr/lib/new")}};
  const OverlayView view({image("i", {0, 1})}, trees);
  EXPECT_FALSE(view.visible(0, "/usr/lib/x"));
  EXPECT_FALSE(view.visible(0, "/usr/lib/sub/y"));
  EXPECT_TRUE(view.visible(1, "/usr/lib/new"));
  EXPECT_TRUE(view.visible(0, "/etc/a"));
  // A later layer stacks on the opaque one as usual: the opaque layer's file is hidden only by
  // an entry above it.
  const std::vector<LayerTree> three = {trees[0], trees[1], {dir("/"), file("/usr/lib/new")}};
  const OverlayView view3({image("i", {0, 1, 2})}, three);
  EXPECT_FALSE(view3.visible(1, "/usr/lib/new"));
  EXPECT_TRUE(view3.visible(2, "/usr/lib/new"));
}

TEST(Overlay, AnOpaqueRootHidesEveryLowerFile) {
  const std::vector<LayerTree> trees = {base(), {dir("/", true), file("/etc/a")}};
  const OverlayView view({image("i", {0, 1})}, trees);
  for (const char* p : {"/etc/a", "/etc/b", "/usr/lib/x", "/usr/lib/sub/y", "/top"})
    EXPECT_FALSE(view.visible(0, p)) << p;
  EXPECT_TRUE(view.visible(1, "/etc/a"));
}

TEST(Overlay, AnUpperFileReplacesALowerOne) {
  const std::vector<LayerTree> trees = {base(), {dir("/"), file("/top")}, {dir("/"), dir("/etc")}};
  const OverlayView view({image("i", {0, 1, 2})}, trees);
  EXPECT_FALSE(view.visible(0, "/top"));
  EXPECT_TRUE(view.visible(1, "/top"));
  // A directory above that does not reach the path hides nothing.
  EXPECT_TRUE(view.visible(0, "/etc/a"));
}

TEST(Overlay, AFileReplacedByADirectoryAndADirectoryReplacedByAFile) {
  // /top (a file) becomes a directory; /usr/lib (a directory) becomes a file; /etc becomes a
  // symlink (other): everything below it goes.
  const std::vector<LayerTree> trees = {
      base(), {dir("/"), dir("/top"), file("/top/inner"), dir("/usr"), file("/usr/lib"), other("/etc")}};
  const OverlayView view({image("i", {0, 1})}, trees);
  EXPECT_FALSE(view.visible(0, "/top"));
  EXPECT_TRUE(view.visible(1, "/top/inner"));
  EXPECT_FALSE(view.visible(0, "/usr/lib/x"));
  EXPECT_FALSE(view.visible(0, "/usr/lib/sub/y"));
  EXPECT_TRUE(view.visible(1, "/usr/lib"));
  EXPECT_FALSE(view.visible(0, "/etc/a"));
  EXPECT_FALSE(view.visible(0, "/etc/b"));
}

TEST(Overlay, ALayerShowsAPathIfAnyImageUsingItShowsIt) {
  // Layer 0 is the base of both images; image "new" hides /etc/a, image "old" does not.
  const std::vector<LayerTree> trees = {
      base(), {dir("/"), dir("/etc"), whiteout("/etc/a")}, {dir("/"), whiteout("/top")}, {dir("/"), file("/unused")}};
  const std::vector<ContainerImage> images = {image("old", {0}), image("new", {0, 1}), image("newer", {0, 1, 2})};
  const OverlayView view(images, trees);
  EXPECT_TRUE(view.visible(0, "/etc/a"));  // "old" shows it
  EXPECT_TRUE(view.visible(0, "/top"));
  EXPECT_EQ(view.users(0), 3u);
  EXPECT_EQ(view.users(1), 2u);
  EXPECT_EQ(view.users(2), 1u);
  EXPECT_EQ(view.users(3), 0u);
  EXPECT_FALSE(view.visible(3, "/unused"));  // no image uses layer 3
  EXPECT_EQ(view.users(9), 0u);
  EXPECT_FALSE(view.visible(9, "/top"));

  // Without "old", every image using the base hides /etc/a; /top is still shown by "new".
  const OverlayView view2({images[1], images[2]}, trees);
  EXPECT_FALSE(view2.visible(0, "/etc/a"));
  EXPECT_TRUE(view2.visible(0, "/top"));
  EXPECT_TRUE(view2.visible(0, "/etc/b"));
  EXPECT_EQ(view2.users(0), 2u);
}

TEST(Overlay, ALayerStackedTwiceInOneImageCountsOnceAndShowsAtItsTop) {
  const std::vector<LayerTree> trees = {base(), {dir("/"), file("/etc/a")}};
  const OverlayView view({image("i", {1, 0, 1})}, trees);
  EXPECT_EQ(view.users(1), 1u);
  EXPECT_TRUE(view.visible(1, "/etc/a"));
  EXPECT_FALSE(view.visible(0, "/etc/a"));
  EXPECT_TRUE(view.visible(0, "/etc/b"));
}

TEST(Overlay, AnImageNamingAMissingLayerIsRefused) {
  try {
    OverlayView view({image("img", {0, 2})}, {base()});
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "image img: layer 2 out of range (1 layers)");
  }
}

TEST(Whiteout, Names) {
  auto w = parse_whiteout("/a/.wh.b");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->path, "/a/b");
  EXPECT_FALSE(w->opaque);

  w = parse_whiteout("/.wh.b");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->path, "/b");
  EXPECT_FALSE(w->opaque);

  w = parse_whiteout("/a/b/.wh..wh..opq");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->path, "/a/b");
  EXPECT_TRUE(w->opaque);

  w = parse_whiteout("/.wh..wh..opq");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->path, "/");
  EXPECT_TRUE(w->opaque);

  // A whiteout of a name that itself starts with a dot.
  w = parse_whiteout("/a/.wh..hidden");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->path, "/a/.hidden");
}

TEST(Whiteout, OrdinaryNames) {
  EXPECT_FALSE(parse_whiteout("/a/.wh."));  // names nothing
  EXPECT_FALSE(parse_whiteout("/.wh."));
  EXPECT_FALSE(parse_whiteout("/a/x.wh.y"));  // merely contains .wh.
  EXPECT_FALSE(parse_whiteout("/a/b.wh."));
  EXPECT_FALSE(parse_whiteout("/a/.wh.b/c"));       // below a directory so named
  EXPECT_FALSE(parse_whiteout("/a/.wh..wh.plnk"));  // AUFS metadata
  EXPECT_FALSE(parse_whiteout("/a/.wh..wh..opqx"));
  EXPECT_FALSE(parse_whiteout("/a/.wh"));
  EXPECT_FALSE(parse_whiteout("/"));
  EXPECT_FALSE(parse_whiteout(""));
}

}  // namespace
}  // namespace core::container
