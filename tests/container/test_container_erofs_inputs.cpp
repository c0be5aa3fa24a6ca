// The input interface lint and inspect share (erofs_inputs.hpp): which layer --layer picks and
// what every refusal says, what the output guard is given, and which paths are containers.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "core/container/erofs_inputs.hpp"
#include "core/util/error.hpp"

namespace core::container {
namespace {

namespace fs = std::filesystem;

ErofsLayer erofs_layer(const std::string& digest) {
  ErofsLayer l;
  l.layer.id = l.layer.digest = digest;
  l.layer.format = LayerFormat::erofs;
  l.layer.name = "oci:d@" + digest.substr(0, 19);
  return l;
}

ErofsInputs two_layers() {
  ErofsInputs in;
  in.spec.text = "oci:d";
  in.layers = {erofs_layer("sha256:aaaa1111" + std::string(56, '0')),
               erofs_layer("sha256:aaaa2222" + std::string(56, '0'))};
  in.skipped = {{"oci:d@sha256:bbbb00000000", "sha256:bbbb" + std::string(60, '0'), std::string(k_tar_layer_skipped)}};
  return in;
}

std::string usage_error(const ErofsInputs& in, std::string_view prefix) {
  try {
    (void)choose_layer(in, prefix);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "no error";
}

TEST(ErofsInputs, ThePrefixPicksALayerWithOrWithoutTheAlgorithm) {
  const ErofsInputs in = two_layers();
  EXPECT_EQ(&choose_layer(in, "aaaa2"), &in.layers[1]);
  EXPECT_EQ(&choose_layer(in, "sha256:aaaa1"), &in.layers[0]);
  EXPECT_EQ(&choose_layer(in, in.layers[1].layer.digest), &in.layers[1]);
}

TEST(ErofsInputs, SeveralLayersWithoutAPrefixListEveryLayer) {
  EXPECT_EQ(usage_error(two_layers(), ""),
            "oci:d holds 2 EROFS layers: choose one with --layer DIGEST-PREFIX (oci:d@sha256:aaaa11110000 (erofs), "
            "oci:d@sha256:aaaa22220000 (erofs), oci:d@sha256:bbbb00000000 (tar, skipped))");
}

TEST(ErofsInputs, AnAmbiguousUnknownOrTarPrefixIsRefused) {
  const ErofsInputs in = two_layers();
  EXPECT_NE(usage_error(in, "aaaa").find("--layer aaaa: matches 2 EROFS layers of oci:d ("), std::string::npos);
  EXPECT_NE(usage_error(in, "cccc").find("--layer cccc: matches no EROFS layer of oci:d ("), std::string::npos);
  EXPECT_EQ(usage_error(in, "bbbb"), "--layer bbbb: oci:d@sha256:bbbb00000000 is " + std::string(k_tar_layer_skipped));
}

TEST(ErofsInputs, TheOnlyLayerNeedsNoPrefixAndNoLayerIsAnError) {
  ErofsInputs in = two_layers();
  in.layers.pop_back();
  EXPECT_EQ(&choose_layer(in, ""), &in.layers[0]);
  in.layers.clear();
  EXPECT_EQ(usage_error(in, ""),
            "oci:d: no EROFS layers (1 tar layer: build them with erofs-share build --tar, or scan them)");
  in.skipped.push_back(in.skipped.front());
  EXPECT_EQ(no_erofs_layers(in),
            "oci:d: no EROFS layers (2 tar layers: build them with erofs-share build --tar, or scan them)");
}

TEST(ErofsInputs, TheGuardSeesTheContainersPath) {
  const GuardedPath t = guarded_path("oci-archive:some/file.tar:1.0");
  EXPECT_EQ(t.path, "some/file.tar");
  EXPECT_TRUE(t.tree);
  const fs::path dir = fs::temp_directory_path() / ("erofs-inputs-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const GuardedPath plain = guarded_path(dir.string());
  EXPECT_EQ(plain.path, dir.string());
  EXPECT_FALSE(plain.tree);  // a directory that is no container stays an input the guard refuses
  EXPECT_FALSE(container_input(dir.string()));
  std::ofstream(dir / "oci-layout") << "{}";
  std::ofstream(dir / "index.json") << "{}";
  EXPECT_TRUE(guarded_path(dir.string()).tree);
  const auto spec = container_input(dir.string());
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->kind, SpecKind::oci_layout);
  EXPECT_FALSE(container_input((dir / "missing").string()));  // left to the reader
  fs::remove_all(dir);
}

}  // namespace
}  // namespace core::container
