#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/tag/layer.hpp"
#include "core/util/error.hpp"

namespace {

using core::u8;

// A file in a fresh directory, removed with it.
class LayerFile : public ::testing::Test {
protected:
  void SetUp() override {
    m_dir = std::filesystem::temp_directory_path() / ("layer-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(m_dir);
  }
  void TearDown() override { std::filesystem::remove_all(m_dir); }
  std::string write(const std::string& name, const std::vector<u8>& bytes) {
    std::string path = (m_dir / name).string();
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    return path;
  }
  std::filesystem::path m_dir;
};

// One ustar header for an empty regular file `name`, its checksum right, then the two zero
// blocks that end an archive.
std::vector<u8> tiny_tar(const char* name) {
  std::vector<u8> t(3 * 512, 0);
  std::memcpy(t.data(), name, std::strlen(name));
  std::memcpy(t.data() + 100, "0000644", 7);
  std::memcpy(t.data() + 124, "00000000000", 11);
  t[156] = '0';
  std::memcpy(t.data() + 257, "ustar", 6);
  unsigned sum = 0;
  for (int i = 0; i < 512; ++i) sum += (i >= 148 && i < 156) ? ' ' : t[std::size_t(i)];
  std::snprintf(reinterpret_cast<char*>(t.data() + 148), 8, "%06o", sum);
  return t;
}

std::string message_of(const std::string& path) {
  try {
    core::tag::LayerTar tar(path);
  } catch (const core::UsageError& e) {
    return e.what();
  }
  return "accepted";
}

TEST(LayerDigest, ContainerdUuid) {
  // python3: uuid.uuid5(uuid.NAMESPACE_URL, "erofs:blobs/sha256:" + "0" * 64)
  EXPECT_EQ(core::tag::containerd_layer_uuid("sha256:" + std::string(64, '0')), "c10bde68-dd4e-5792-ba63-78c7b75c15bf");
}

TEST(LayerDigest, Checked) {
  EXPECT_NO_THROW(core::tag::check_layer_digest("sha256:" + std::string(64, 'a')));
  EXPECT_NO_THROW(core::tag::check_layer_digest("sha512:" + std::string(128, '0')));
  const std::vector<std::string> bad_ones{"",
                                          "sha256:",
                                          "sha256:" + std::string(63, 'a'),
                                          "sha256:" + std::string(64, 'A'),
                                          "md5:" + std::string(32, '0'),
                                          std::string(64, 'a')};
  for (const auto& bad : bad_ones) EXPECT_THROW(core::tag::check_layer_digest(bad), core::UsageError) << bad;
}

TEST_F(LayerFile, StreamsATarAndHashesIt) {
  const auto bytes = tiny_tar("hello");
  const std::string path = write("a.tar", bytes);
  core::tag::LayerTar tar(path);
  EXPECT_EQ(tar.compression(), "none");
  std::vector<u8> got;
  tar.pump([&](std::span<const u8> p) { got.insert(got.end(), p.begin(), p.end()); });
  EXPECT_EQ(got, bytes);
  EXPECT_EQ(tar.size(), bytes.size());
  EXPECT_EQ(tar.diff_id(), core::tag::file_digest(path));
}

TEST_F(LayerFile, RefusesWhatIsNoTar) {
  auto bad = tiny_tar("hello");
  bad[0] ^= 1;  // checksum no longer matches
  std::string p = write("bad.tar", bad);
  EXPECT_EQ(message_of(p), p + ": not a tar archive (plain, gzip or zstd): no tar header at byte 0");
  p = write("short.tar", std::vector<u8>(100, 'x'));
  EXPECT_EQ(message_of(p), p + ": not a tar archive (plain, gzip or zstd): 100 bytes, shorter than a header");
  p = write("empty.tar", {});
  EXPECT_NE(message_of(p).find(p + ": not a tar archive (plain, gzip or zstd): "), std::string::npos);
  EXPECT_EQ(message_of(write("zeros.tar", std::vector<u8>(1024, 0))), "accepted");  // an empty archive
}

}  // namespace
