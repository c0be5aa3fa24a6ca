// open_node/detect_node (core/container/node.hpp) on node directories laid out here (no
// containerd, no root): blob discovery, names of one blob, the -U uuid derivation.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "core/container/node.hpp"
#include "core/erofs/superblock.hpp"
#include "core/util/error.hpp"

namespace fs = std::filesystem;
using namespace core::container;

namespace {

class TempDir {
public:
  TempDir() {
    std::string t = (fs::temp_directory_path() / "es-node-unit-XXXXXX").string();
    if (::mkdtemp(t.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    m_path = t;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(m_path, ec);
  }
  const fs::path& path() const { return m_path; }

private:
  fs::path m_path;
};

void write(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

// A snapshotter directory: snapshots/<id>/layer.erofs for each id, and a metadata.db.
fs::path snapshotter(const fs::path& root, std::initializer_list<const char*> ids) {
  const fs::path s = root / k_erofs_snapshotter_dir;
  for (const char* id : ids) write(s / "snapshots" / id / "layer.erofs", std::string("blob ") + id);
  write(s / "metadata.db", "");
  return s;
}

}  // namespace

TEST(Node, LayerUuidIsContainerdsNameBasedSha1Uuid) {
  // containerd 2.1.9 ran mkfs.erofs -U acb40a44-... for the layer with this digest.
  const std::string d = "sha256:d07b0148cd8f53f2250a5a6167e33a050787393b2d6e9b99fe3c3f280224704c";
  EXPECT_EQ(core::erofs::uuid_string(erofs_layer_uuid(d)), "acb40a44-023b-5bfc-b7e1-6093153aa1be");
}

TEST(Node, DetectsARootAndTheSnapshotterDirectoryOnly) {
  TempDir t;
  EXPECT_FALSE(detect_node(t.path().string()));
  EXPECT_FALSE(detect_node((t.path() / "missing").string()));
  const fs::path s = snapshotter(t.path(), {"1"});
  std::optional<ContainerSpec> root = detect_node(t.path().string());
  ASSERT_TRUE(root);
  EXPECT_EQ(root->kind, SpecKind::containerd_node);
  EXPECT_EQ(root->path, t.path().string());
  EXPECT_TRUE(detect_node(s.string()));
  EXPECT_FALSE(detect_node((s / "snapshots").string()));
  EXPECT_THROW((void)open_node({SpecKind::containerd_node, (s / "snapshots").string(), "", ""}, {}), core::UsageError);
}

TEST(Node, EveryBlobOnceWhateverItsNames) {
  TempDir t;
  const fs::path s = snapshotter(t.path(), {"10", "2", "3"});
  fs::create_directories(s / "snapshots" / "4");
  fs::create_symlink(s / "snapshots" / "2" / "layer.erofs", s / "snapshots" / "4" / "layer.erofs");
  fs::create_directories(s / "snapshots" / "5");
  fs::create_hard_link(s / "snapshots" / "3" / "layer.erofs", s / "snapshots" / "5" / "layer.erofs");
  fs::create_directories(s / "snapshots" / "6");      // an active snapshot: no blob
  write(s / "snapshots" / "7" / "fsmeta.erofs", "");  // an empty fsmeta is a placeholder
  fs::create_directories(s / "snapshots" / "7");

  const ContainerSet set = open_node({SpecKind::containerd_node, t.path().string(), "", "containerd:X"}, {});
  ASSERT_EQ(set.layers.size(), 3U);
  // In numeric snapshot order, id = path (no meta.db: no diffIDs known), the bytes mapped.
  const std::string snaps = t.path().string() + "/" + k_erofs_snapshotter_dir + "/snapshots/";
  EXPECT_EQ(set.layers[0].id, snaps + "2/layer.erofs");
  EXPECT_EQ(set.layers[1].id, snaps + "3/layer.erofs");
  EXPECT_EQ(set.layers[2].id, snaps + "10/layer.erofs");
  for (const Layer& l : set.layers) {
    EXPECT_EQ(l.format, LayerFormat::erofs);
    EXPECT_EQ(l.name, l.id);
    const auto b = l.blob.file->view().bytes(l.blob.offset, l.blob.size);
    EXPECT_EQ(std::string(b.begin(), b.end()).substr(0, 5), "blob ");
  }
  EXPECT_TRUE(set.images.empty());
  EXPECT_EQ(set.images_from, "");
}

TEST(Node, ABadMetaDbIsOneCorruptImageLine) {
  TempDir t;
  snapshotter(t.path(), {"1"});
  write(t.path() / "io.containerd.metadata.v1.bolt" / "meta.db", std::string(8192, 'x'));
  try {
    (void)open_node({SpecKind::containerd_node, t.path().string(), "", ""}, {});
    FAIL() << "no error";
  } catch (const core::CorruptImage& e) {
    EXPECT_EQ(std::string(e.what()),
              "not a bbolt file (meta page 0: not a meta page; meta page 1: not a meta page) @ meta.db");
  }
}
