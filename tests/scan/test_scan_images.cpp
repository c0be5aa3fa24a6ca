// Container images in the model: layers as inputs, each distinct layer cached once; what layer
// identity shares and what shared inodes add across layers, per image and per pair of images.
// Every figure is checked against arithmetic done by hand (page size 4096).
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "core/erofs/fingerprint.hpp"
#include "core/scan/render.hpp"
#include "core/scan/report.hpp"
#include "core/util/error.hpp"
#include "tests/scan/test_records.hpp"

namespace core::scan {
namespace {

testing::TestFile file(const std::string& path, const std::string& content, u64 size) {
  testing::TestFile f;
  f.paths = {path};
  f.size = size;
  f.content = util::sha256({reinterpret_cast<const u8*>(content.data()), content.size()});
  f.fingerprint = StoredValue{erofs::encode_fingerprint(*f.content), false};
  return f;
}

InputRecord layer(const std::string& name, std::vector<testing::TestFile> files, bool ishare, u32 users) {
  InputRecord in;
  in.name = name;
  in.ishare = ishare;
  in.domain = "d";
  in.users = users;
  if (!ishare)
    for (testing::TestFile& f : files) f.fingerprint.reset();
  testing::add_files(in, std::move(files));
  return in;
}

ImageGroup group(const std::string& name, std::vector<u32> inputs) {
  return ImageGroup{name, "linux/amd64", std::move(inputs)};
}

// Input 0: the base layer of both images (tagged). Input 1: app:1's upper layer (tagged), with a
// copy of the base's /bin/sh and a twin of app:2's library. Input 2: app:2's upper layer (not
// tagged). Input 3: an image that is no container layer, holding a copy of the base's /etc/os.
//   content  size   pages  copies
//   sh       10000  12288  base /bin/sh, up1 /app/sh
//   dup      4096   4096   base /etc/a, base /etc/b
//   os       100    4096   base /etc/os, other /etc/os
//   lib      5000   8192   up1 /app/lib.so, up2 /app/lib.so (untagged: shares once tagged)
//   one      4096   4096   up1 /app/one
//   two      1      4096   up2 /app/two
std::vector<InputRecord> three_layers() {
  InputRecord base = layer("base",
                           {file("/bin/sh", "sh", 10000), file("/etc/a", "dup", 4096), file("/etc/b", "dup", 4096),
                            file("/etc/os", "os", 100)},
                           true, 2);
  base.hidden_files = 1;
  base.hidden_bytes = 4096;
  InputRecord up1 = layer(
      "up1", {file("/app/lib.so", "lib", 5000), file("/app/one", "one", 4096), file("/app/sh", "sh", 10000)}, true, 1);
  up1.hidden_files = 2;
  up1.hidden_bytes = 8192;
  InputRecord up2 = layer("up2", {file("/app/lib.so", "lib", 5000), file("/app/two", "two", 1)}, false, 1);
  InputRecord other = layer("other", {file("/etc/os", "os", 100)}, true, 1);
  return {base, up1, up2, other};
}

std::vector<ImageGroup> two_images() { return {group("app:1", {0, 1}), group("app:2", {0, 2})}; }

TEST(ScanImages, LayerFiguresImageRowsAndPairsByHand) {
  const Report r = build_report(three_layers(), {}, 1, 0, two_images());
  // Per layer (the existing rows): base 12288+4096+4096+4096; up1 8192+4096+12288; up2 8192+4096.
  ASSERT_EQ(r.inputs.size(), 4u);
  EXPECT_EQ(r.inputs[0].figures.cache_bytes_without_sharing, 24576u);
  EXPECT_EQ(r.inputs[0].figures.saved_bytes_now, 4096u);   // /etc/b joins /etc/a
  EXPECT_EQ(r.inputs[1].figures.saved_bytes_now, 12288u);  // /app/sh joins /bin/sh
  EXPECT_EQ(r.inputs[1].figures.saved_bytes_if_tagged, 12288u);
  EXPECT_EQ(r.inputs[2].figures.saved_bytes_now, 0u);
  EXPECT_EQ(r.inputs[2].figures.saved_bytes_if_tagged, 8192u);  // lib.so once tagged
  EXPECT_EQ(r.inputs[0].users, 2u);
  EXPECT_EQ(r.inputs[1].hidden_files, 2u);
  EXPECT_EQ(r.inputs[1].hidden_bytes, 8192u);

  // app:1 caches base + up1 = 49152, app:2 base + up2 = 36864; the distinct layers they use
  // hold 24576 + 24576 + 12288 = 61440, so layer identity saves the base once: 24576.
  EXPECT_EQ(r.layers.cache_bytes_per_image, 86016u);
  EXPECT_EQ(r.layers.saved_by_layer_identity, 24576u);
  EXPECT_EQ(r.layers.hidden_files, 3u);
  EXPECT_EQ(r.layers.hidden_bytes, 12288u);

  ASSERT_EQ(r.images.size(), 2u);
  const ImageRow& a = r.images[0];
  EXPECT_EQ(a.name, "app:1");
  EXPECT_EQ(a.platform, "linux/amd64");
  EXPECT_EQ(a.inputs, (std::vector<u32>{0, 1}));
  EXPECT_EQ(a.files, 7u);
  EXPECT_EQ(a.cache_bytes, 49152u);
  EXPECT_EQ(a.shared_by_layers, 24576u);
  EXPECT_EQ(a.saved_bytes_now, 4096u + 12288u);
  EXPECT_EQ(a.saved_bytes_if_tagged, 4096u + 12288u);
  const ImageRow& b = r.images[1];
  EXPECT_EQ(b.files, 6u);
  EXPECT_EQ(b.cache_bytes, 36864u);
  EXPECT_EQ(b.shared_by_layers, 24576u);
  EXPECT_EQ(b.saved_bytes_now, 4096u);
  EXPECT_EQ(b.saved_bytes_if_tagged, 4096u + 8192u);

  // The pair: the base in common; "sh" joins up1 (app:1) to the base (app:2), now and tagged;
  // "lib" joins up1 to up2 once tagged. "dup" lies in the base alone and "os" joins the base to
  // an input no image uses: neither adds anything.
  ASSERT_EQ(r.image_pairs.size(), 1u);
  const ImagePairRow& p = r.image_pairs[0];
  EXPECT_EQ(p.a, 0u);
  EXPECT_EQ(p.b, 1u);
  EXPECT_EQ(p.common_layer_bytes, 24576u);
  EXPECT_EQ(p.shared_bytes_now, 12288u);
  EXPECT_EQ(p.shared_bytes_if_tagged, 12288u + 8192u);
}

TEST(ScanImages, WithoutImagesNothingNewIsFilled) {
  const Report r = build_report(three_layers(), {});
  EXPECT_TRUE(r.images.empty());
  EXPECT_TRUE(r.image_pairs.empty());
  EXPECT_EQ(r.layers.cache_bytes_per_image, 0u);
  EXPECT_EQ(r.layers.saved_by_layer_identity, 0u);
  EXPECT_EQ(r.layers.hidden_files, 0u);
  EXPECT_EQ(r.layers.hidden_bytes, 0u);
  // The layer rows are the same with and without images.
  const Report with = build_report(three_layers(), {}, 1, 0, two_images());
  EXPECT_EQ(render_csv(r), render_csv(with));
  for (std::size_t i = 0; i < r.inputs.size(); ++i)
    EXPECT_EQ(r.inputs[i].figures.saved_bytes_if_tagged, with.inputs[i].figures.saved_bytes_if_tagged);
}

// Four images on one base: a shared inode between the base and one image's upper layer counts for
// that image with each of the others, never between two images that hold it in the base only.
TEST(ScanImages, PairsCountOnlyInodesSharedAcrossLayers) {
  std::vector<InputRecord> in = {
      layer("base", {file("/lib/c", "c", 8192)}, true, 4),
      layer("u0", {file("/c", "c", 8192), file("/x", "x", 4096)}, true, 1),  // shares "c" with the base
      layer("u1", {file("/x", "x", 4096)}, true, 2),                         // "x" with u0
      layer("u2", {file("/y", "y", 100)}, true, 1),
  };
  // i0 = base+u0, i1 = base+u1, i2 = base+u1+u2, i3 = base (u1 is shared by i1 and i2).
  const std::vector<ImageGroup> images = {group("i0", {0, 1}), group("i1", {0, 2}), group("i2", {0, 2, 3}),
                                          group("i3", {0})};
  const Report r = build_report(in, {}, 1, 0, images);
  ASSERT_EQ(r.image_pairs.size(), 6u);
  auto pair = [&](u32 a, u32 b) {
    for (const ImagePairRow& p : r.image_pairs)
      if (p.a == a && p.b == b) return p;
    throw std::runtime_error("no pair");
  };
  // "c" (8192) joins u0 and the base: i0 with every other image. "x" (4096) joins u0 and u1: i0
  // with i1 and i2. Within i1, i2, i3 both inodes lie in one common layer (or not at all).
  EXPECT_EQ(pair(0, 1).shared_bytes_now, 8192u + 4096u);
  EXPECT_EQ(pair(0, 2).shared_bytes_now, 8192u + 4096u);
  EXPECT_EQ(pair(0, 3).shared_bytes_now, 8192u);
  EXPECT_EQ(pair(1, 2).shared_bytes_now, 0u);
  EXPECT_EQ(pair(1, 3).shared_bytes_now, 0u);
  EXPECT_EQ(pair(2, 3).shared_bytes_now, 0u);
  EXPECT_EQ(pair(1, 2).common_layer_bytes, 8192u + 4096u);  // base and u1
  EXPECT_EQ(pair(2, 3).common_layer_bytes, 8192u);
  EXPECT_EQ(pair(0, 3).shared_bytes_if_tagged, 8192u);
  // base 8192, u0 12288, u1 4096, u2 4096: 20480 + 12288 + 16384 + 8192 per image, 28672 distinct.
  EXPECT_EQ(r.layers.cache_bytes_per_image, 57344u);
  EXPECT_EQ(r.layers.saved_by_layer_identity, 57344u - 28672u);
  EXPECT_EQ(r.images[2].shared_by_layers, 8192u + 4096u);  // base and u1, not u2
}

TEST(ScanImages, ALayerStackedTwiceIsCountedOnce) {
  std::vector<InputRecord> in = {layer("base", {file("/a", "a", 4096)}, true, 1)};
  const Report r = build_report(in, {}, 1, 0, {group("i", {0, 0})});
  EXPECT_EQ(r.images[0].cache_bytes, 4096u);
  EXPECT_EQ(r.images[0].inputs, (std::vector<u32>{0, 0}));
  EXPECT_EQ(r.layers.saved_by_layer_identity, 0u);
  EXPECT_TRUE(r.image_pairs.empty());
}

TEST(ScanImages, AnImageNamingAMissingInputIsRefused) {
  try {
    build_report(three_layers(), {}, 1, 0, {group("bad", {0, 7})});
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "image bad: input 7 out of range (4 inputs)");
  }
}

TEST(ScanImages, ThreadsGiveTheSameFigures) {
  const Report one = build_report(three_layers(), {}, 1, 0, two_images());
  const Report two = build_report(three_layers(), {}, 2, 0, two_images());
  EXPECT_EQ(render_json(one), render_json(two));
}

// Every object of `doc` has only keys its schema lists, in the schema's order, and all it
// requires (what the schema's additionalProperties and the documented key order demand).
void expect_keys_follow_schema(const nlohmann::ordered_json& doc, const nlohmann::ordered_json& node,
                               const nlohmann::ordered_json& root, const std::string& where) {
  const nlohmann::ordered_json* s = &node;
  if (s->contains("$ref")) s = &root["$defs"][s->at("$ref").get<std::string>().substr(std::string("#/$defs/").size())];
  if (doc.is_object()) {
    ASSERT_TRUE(s->contains("properties")) << where;
    std::vector<std::string> listed;
    for (const auto& [k, v] : s->at("properties").items()) listed.push_back(k);
    std::ptrdiff_t last = -1;
    for (const auto& [k, v] : doc.items()) {
      const auto at = std::find(listed.begin(), listed.end(), k);
      ASSERT_NE(at, listed.end()) << where << ": key " << k << " not in the schema";
      EXPECT_GT(at - listed.begin(), last) << where << ": key " << k << " out of the schema's order";
      last = at - listed.begin();
      expect_keys_follow_schema(v, s->at("properties")[k], root, where + "." + k);
    }
    if (s->contains("required")) {
      for (const auto& k : s->at("required")) EXPECT_TRUE(doc.contains(k.get<std::string>())) << where << ": no " << k;
    }
  } else if (doc.is_array() && s->contains("items")) {
    for (std::size_t i = 0; i < doc.size(); ++i)
      expect_keys_follow_schema(doc[i], s->at("items"), root, where + "[" + std::to_string(i) + "]");
  }
}

TEST(ScanImages, JsonHasTheImageKeysOnlyWithImages) {
  const Report r = build_report(three_layers(), {}, 1, 0, two_images());
  const nlohmann::ordered_json j = nlohmann::ordered_json::parse(render_json(r));
  nlohmann::ordered_json doc;
  to_json(doc, r);
  EXPECT_EQ(render_json(r), doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n");
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"schema_version", "tool", "options", "totals", "domains", "inputs", "pairs",
                                            "layers", "images", "image_pairs", "reasons", "drift", "group_count", "groups"}));
  EXPECT_EQ(j["layers"].dump(), R"({"cache_bytes_per_image":86016,"saved_by_layer_identity":24576,)"
                                R"("hidden_files":3,"hidden_bytes":12288})");
  EXPECT_EQ(j["images"][1].dump(), R"({"name":"app:2","platform":"linux/amd64","layers":[0,2],"files":6,)"
                                   R"("cache_bytes":36864,"shared_by_layers":24576,"saved_bytes_now":4096,)"
                                   R"("saved_bytes_if_tagged":12288})");
  EXPECT_EQ(j["image_pairs"].dump(), R"([{"a":0,"b":1,"common_layer_bytes":24576,"shared_bytes_now":12288,)"
                                     R"("shared_bytes_if_tagged":20480}])");
  EXPECT_EQ(j["inputs"][0]["users"], 2);
  EXPECT_EQ(j["inputs"][1]["hidden_files"], 2);
  EXPECT_EQ(j["inputs"][1]["hidden_bytes"], 8192);

  const nlohmann::ordered_json plain = nlohmann::ordered_json::parse(render_json(build_report(three_layers(), {})));
  for (const char* k : {"layers", "images", "image_pairs"}) EXPECT_FALSE(plain.contains(k)) << k;
  for (const auto& in : plain["inputs"]) {
    EXPECT_FALSE(in.contains("users"));
    EXPECT_FALSE(in.contains("hidden_files"));
  }
}

TEST(ScanImages, JsonKeysFollowTheSchema) {
  std::ifstream f(EROFS_SHARE_SCAN_SCHEMA);
  ASSERT_TRUE(f) << EROFS_SHARE_SCAN_SCHEMA;
  const nlohmann::ordered_json schema = nlohmann::ordered_json::parse(f);
  for (const Report& r : {build_report(three_layers(), {}, 1, 0, two_images()), build_report(three_layers(), {})}) {
    const nlohmann::ordered_json doc = nlohmann::ordered_json::parse(render_json(r));
    expect_keys_follow_schema(doc, schema, schema, "$");
  }
  // The check itself: a key out of order is caught.
  nlohmann::ordered_json moved =
      nlohmann::ordered_json::parse(render_json(build_report(three_layers(), {}, 1, 0, two_images())));
  const nlohmann::ordered_json layers = moved["layers"];
  moved.erase("layers");
  moved["layers"] = layers;
  EXPECT_NONFATAL_FAILURE(expect_keys_follow_schema(moved, schema, schema, "$"), "out of the schema's order");
}

TEST(ScanImages, TextShowsImagesAndPairs) {
  Report r = build_report(three_layers(), {}, 1, 0, two_images());
  r.images[1].name = "app\x01:2";
  const std::string text = render_text(r, 10);
  EXPECT_NE(text.find("Container images: 2 images on 3 distinct layers (each mounted once)\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("  one mount per distinct layer                      61440  saves 24.0 KiB (28.57%)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  hidden by upper layers                            12288  3 files no image shows"),
            std::string::npos)
      << text;
  // app:1: 7 files, 48 KiB, 24 KiB in the shared base, 16 KiB saved now and tagged, 12 KiB hidden
  // (base 4 KiB + up1 8 KiB).
  EXPECT_NE(
      text.find("    0         7     48.0 KiB     24.0 KiB     16.0 KiB     16.0 KiB     12.0 KiB  linux/amd64    "
                "app:1 (layers 0 1)\n"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find("    1         6     36.0 KiB     24.0 KiB      4.0 KiB     12.0 KiB      4.0 KiB  linux/amd64    "
                "app\\x01:2 (layers 0 2)\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("    0   1       24.0 KiB     12.0 KiB     20.0 KiB\n"), std::string::npos) << text;
  EXPECT_EQ(render_text(build_report(three_layers(), {}), 10).find("Container images"), std::string::npos);
}

TEST(ScanImages, HtmlHasAnImageTable) {
  Report r = build_report(three_layers(), {}, 1, 0, two_images());
  r.images[0].name = "<app>:1";
  const std::string html = render_html(r, 10);
  EXPECT_NE(html.find("<table id=images>"), std::string::npos);
  EXPECT_EQ(html.find("<app>"), std::string::npos);
  EXPECT_NE(html.find("&lt;app&gt;:1"), std::string::npos);
  EXPECT_NE(html.find("data-saved-by-layer-identity=\"24576\""), std::string::npos);
  EXPECT_NE(html.find("<td class=shared-by-layers data-bytes=\"24576\">24.0 KiB</td><td class=saved-now "
                      "data-bytes=\"4096\">4.0 KiB</td><td class=saved-if-tagged data-bytes=\"12288\">12.0 KiB</td>"
                      "<td class=hidden data-bytes=\"4096\">"),
            std::string::npos)
      << html;
  EXPECT_EQ(render_html(build_report(three_layers(), {}), 10).find("id=images"), std::string::npos);
  // CSV has one row per content group, images or not.
  EXPECT_EQ(render_csv(r), render_csv(build_report(three_layers(), {})));
}

}  // namespace
}  // namespace core::scan
