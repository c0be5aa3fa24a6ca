// Container input names, archive member indexing and the differ's mkfs_options, on inputs made
// here byte by byte (no tool), with the exact errors users see.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "core/container/archive_index.hpp"
#include "core/container/container.hpp"
#include "core/container/store.hpp"
#include "core/scan/input_container.hpp"
#include "core/util/error.hpp"
#include "tests/support/temp_dir.hpp"

namespace core::container {
namespace {

using test_support::TempDir;

// One ustar header + data, padded to 512 bytes.
std::string tar_member(const std::string& name, const std::string& data, char type = '0') {
  std::string h(512, '\0');
  h.replace(0, name.size(), name);
  h.replace(100, 7, "0000644");
  h.replace(108, 7, "0000000");
  h.replace(116, 7, "0000000");
  char size[12];
  std::snprintf(size, sizeof size, "%011o", static_cast<unsigned>(data.size()));
  h.replace(124, 11, size);
  h.replace(136, 11, "00000000000");
  h[156] = type;
  h.replace(257, 6, std::string("ustar\0", 6));
  h.replace(263, 2, "00");
  h.replace(148, 8, "        ");
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  char cks[8];
  std::snprintf(cks, sizeof cks, "%06o", sum);
  h.replace(148, 7, std::string(cks, 6) + '\0');
  std::string out = h + data;
  out.resize((out.size() + 511) / 512 * 512, '\0');
  return out;
}

std::string write(const TempDir& t, const std::string& name, const std::string& bytes) {
  const std::string path = (t.path() / name).string();
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

TEST(ContainerInputs, TransportsNameTheirPathAndRef) {
  auto s = parse_transport("oci:/no/such/dir:v1");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->kind, SpecKind::oci_layout);
  EXPECT_EQ(s->path, "/no/such/dir");
  EXPECT_EQ(s->ref, "v1");
  s = parse_transport("docker-archive:a.tar");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->kind, SpecKind::docker_archive);
  EXPECT_EQ(s->path, "a.tar");
  EXPECT_EQ(s->ref, "");
  s = parse_transport("containerd:/var/lib/containerd");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->path, "/var/lib/containerd");
  EXPECT_FALSE(parse_transport("image.erofs"));
  EXPECT_FALSE(parse_transport("ocifile:x"));
  try {
    parse_transport("oci-archive:");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "oci-archive:: no path after \"oci-archive:\"");
  }
}

TEST(ContainerInputs, AnExistingPathWithAColonIsNotSplit) {
  TempDir t("container-inputs");
  const std::string dir = (t.path() / "a:b").string();
  std::filesystem::create_directory(dir);
  auto s = parse_transport("oci:" + dir);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->path, dir);
  EXPECT_EQ(s->ref, "");
}

TEST(ContainerInputs, MemberNamesAndDotDot) {
  EXPECT_EQ(member_name("./blobs//sha256/x"), "blobs/sha256/x");
  EXPECT_EQ(member_name("index.json"), "index.json");
  EXPECT_TRUE(has_dotdot("../x"));
  EXPECT_TRUE(has_dotdot("a/../b"));
  EXPECT_TRUE(has_dotdot("a/.."));
  EXPECT_FALSE(has_dotdot("a/..b/c"));
  EXPECT_FALSE(has_dotdot("...")) ;
}

TEST(ContainerInputs, ArchiveMembersAreSlicesOfTheMapping) {
  TempDir t("container-inputs");
  const std::string bytes = tar_member("./oci-layout", "{}") + tar_member("blobs/sha256/ab", "hello") +
                            tar_member("dir/", "", '5') + std::string(1024, '\0');
  const std::string path = write(t, "a.tar", bytes);
  ArchiveIndex index(std::make_shared<util::MappedFile>(path));
  auto b = index.find("blobs/sha256/ab");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->offset, 512u * 3);
  EXPECT_EQ(b->size, 5u);
  EXPECT_EQ(std::string(b->bytes().begin(), b->bytes().end()), "hello");
  EXPECT_TRUE(index.find("oci-layout"));
  EXPECT_FALSE(index.find("dir"));
  EXPECT_FALSE(index.find("missing"));
}

TEST(ContainerInputs, ATruncatedArchiveMemberIsAnError) {
  TempDir t("container-inputs");
  std::string bytes = tar_member("blob", std::string(2000, 'x'));
  bytes.resize(512 + 1000);
  const std::string path = write(t, "cut.tar", bytes);
  EXPECT_THROW(ArchiveIndex(std::make_shared<util::MappedFile>(path)), Error);
}

TEST(ContainerInputs, ACompressedArchiveSaysToDecompressIt) {
  TempDir t("container-inputs");
  const std::string path = write(t, "a.tar.gz", std::string("\x1f\x8b\x08\0\0\0\0\0", 8) + std::string(600, 'z'));
  try {
    ArchiveIndex index(std::make_shared<util::MappedFile>(path));
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()), path + ": a gzip-compressed archive: decompress it first (zcat " + path +
                                         " > ARCHIVE.tar)");
  }
}

TEST(ContainerInputs, DigestsAreCheckedAndMustBeSha256Hex) {
  EXPECT_EQ(blob_name("sha256:" + std::string(64, 'a'), "x"), "blobs/sha256/" + std::string(64, 'a'));
  EXPECT_THROW(blob_name("sha256:../../etc/passwd", "x"), Error);
  EXPECT_THROW(blob_name("sha512:" + std::string(128, 'a'), "x"), Error);
  EXPECT_THROW(blob_name("sha256:" + std::string(64, 'A'), "x"), Error);
  TempDir t("container-inputs");
  const std::string path = write(t, "blob", "hello");
  Blob b;
  b.file = std::make_shared<util::MappedFile>(path);
  b.size = 5;
  b.where = "blob";
  check_digest(b, "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", "layer 0");
  try {
    check_digest(b, "sha256:" + std::string(64, '0'), "layer 0");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "layer 0: digest mismatch: blob has "
              "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824, expected sha256:" +
                  std::string(64, '0'));
  }
}

TEST(ContainerInputs, DetectTellsLayoutsArchivesAndPlainTarsApart) {
  TempDir t("container-inputs");
  const std::string layout = (t.path() / "layout").string();
  std::filesystem::create_directory(layout);
  write(t, "layout/oci-layout", "{}");
  write(t, "layout/index.json", "{}");
  auto d = detect(layout);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->kind, SpecKind::oci_layout);
  const std::string oci = write(t, "oci.tar", tar_member("oci-layout", "{}") + tar_member("index.json", "{}") +
                                                  std::string(1024, '\0'));
  d = detect(oci);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->kind, SpecKind::oci_archive);
  const std::string docker =
      write(t, "docker.tar", tar_member("manifest.json", R"([{"Config":"c.json","Layers":[]}])") + std::string(1024, '\0'));
  d = detect(docker);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->kind, SpecKind::docker_archive);
  // A layer tar that happens to hold a manifest.json of another shape stays a tar.
  const std::string layer = write(t, "layer.tar", tar_member("manifest.json", R"({"name":"app"})") + std::string(1024, '\0'));
  EXPECT_FALSE(detect(layer));
  EXPECT_FALSE(detect(t.path().string()));
}

TEST(ContainerInputs, DifferMkfsOptionsAreModelledOrRefused) {
  using scan::parse_layer_mkfs_options;
  auto m = parse_layer_mkfs_options("");
  EXPECT_FALSE(m.compressed);
  EXPECT_FALSE(m.tagged);
  m = parse_layer_mkfs_options("-zlz4hc,12 --xattr-inode-digest -Eall-fragments");
  EXPECT_TRUE(m.compressed);
  EXPECT_TRUE(m.tagged);
  EXPECT_EQ(m.xattr_name, "erofs.fingerprint.v1");
  m = parse_layer_mkfs_options("-z lzma --xattr-inode-digest=trusted.fp -b 512");
  EXPECT_TRUE(m.compressed);
  EXPECT_EQ(m.xattr_name, "trusted.fp");
  EXPECT_EQ(m.block_size, 512u);
  try {
    parse_layer_mkfs_options("--chunksize=4096");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_TRUE(std::string(e.what()).starts_with("--layer-mkfs-options: --chunksize=4096 is not modelled")) << e.what();
  }
  EXPECT_THROW(parse_layer_mkfs_options("-b 3000"), UsageError);
  EXPECT_THROW(parse_layer_mkfs_options("-z"), UsageError);
}

}  // namespace
}  // namespace core::container
