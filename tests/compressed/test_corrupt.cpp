// Crafted corruptions of real compressed images (built at test time by mkfs.erofs >= 1.9):
// each mutation of an index, map header, pcluster or configuration record must end in a
// one-line CorruptImage (or Unsupported) that names the nid and a byte offset, and a sweep of
// random mutations must never crash, hang or allocate without bound.
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/erofs/data.hpp"
#include "core/erofs/dir.hpp"
#include "core/erofs/image.hpp"
#include "core/erofs/ondisk.hpp"
#include "core/erofs/superblock.hpp"
#include "core/erofs/zmap.hpp"
#include "tests/support/erofs_tools.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using namespace core;
using namespace core::erofs;

std::string text(std::size_t n, unsigned seed) {
  std::string s;
  unsigned x = seed;
  while (s.size() < n) {
    x = x * 1103515245 + 12345;
    s += fmt::format("word{} ", (x >> 16) % 97);
  }
  s.resize(n);
  return s;
}

std::string noise(std::size_t n, unsigned seed) {
  std::string s(n, '\0');
  unsigned long long x = seed;
  for (auto& c : s) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    c = static_cast<char>(x);
  }
  return s;
}

void write(const fs::path& p, const std::string& data) {
  std::ofstream(p, std::ios::binary) << data;
}

// A built image plus helpers to mutate a copy of its bytes.
class Fixture {
public:
  explicit Fixture(const std::vector<std::string>& flags) : m_dir("compressed-corrupt") {
    const auto& tools = test_support::erofs_tools(test_support::ToolSet::v19);
    fs::path src = m_dir.path() / "src";
    fs::create_directory(src);
    write(src / "text", text(300000, 1));
    std::string mixed;
    for (unsigned i = 0; i < 8; ++i) mixed += (i % 2) ? noise(20000, i) : text(20000, i);
    write(src / "mixed", mixed);
    write(src / "tail", text(5000, 7));
    m_image = (m_dir.path() / "good.erofs").string();
    std::vector<std::string> f{"-T0", "--all-root"};
    f.insert(f.end(), flags.begin(), flags.end());
    auto r = tools.run_mkfs(f, m_image, src.string());
    if (!r.ok()) throw std::runtime_error(r.describe());
    std::ifstream in(m_image, std::ios::binary);
    m_bytes.assign(std::istreambuf_iterator<char>(in), {});
    m_img = std::make_unique<Image>(m_image);
    walk_tree(*m_img, [&](const std::string& path, const Inode& ino) { m_inodes.emplace(path, ino); });
  }

  const Image& image() const { return *m_img; }
  const Inode& inode(const std::string& path) const { return m_inodes.at(path); }
  std::vector<u8> bytes() const { return m_bytes; }
  u64 header_pos(const std::string& path) const { return align_up(inode(path).meta_end(), 8); }
  std::vector<ZExtent> extents(const std::string& path) const {
    std::vector<ZExtent> out;
    const Inode& ino = inode(path);
    ZMap map(*m_img, ino);
    for (u64 pos = 0; pos < ino.size;) {
      out.push_back(map.map(pos));
      pos = out.back().la + out.back().llen;
    }
    return out;
  }

  // Writes `bytes` (with the superblock checksum recomputed) and returns its path.
  std::string save(std::vector<u8> bytes, const std::string& name) const {
    util::ByteView v(bytes.data(), bytes.size());
    if (load_le32(bytes.data() + 1024 + 8) & ondisk::k_compat_sb_chksum) {
      u32 crc = superblock_checksum(v, bytes[1024 + 0x0C]);
      std::memcpy(bytes.data() + 1024 + 4, &crc, 4);
    }
    std::string p = (m_dir.path() / (name + ".erofs")).string();
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    return p;
  }

private:
  test_support::TempDir m_dir;
  std::string m_image;
  std::vector<u8> m_bytes;
  std::unique_ptr<Image> m_img;
  std::map<std::string, Inode> m_inodes;
};

void put16(std::vector<u8>& b, u64 at, u16 v) { std::memcpy(b.data() + at, &v, 2); }
void put32(std::vector<u8>& b, u64 at, u32 v) { std::memcpy(b.data() + at, &v, 4); }

// Opens `image`, reads `file` whole (or only [range_off, +range_len) when range_len != 0,
// through the seek path) and expects an error of type E whose message contains
// `reason`, names a nid and a byte offset, and is one line.
template <class E = CorruptImage>
void expect_error(const std::string& image, const std::string& file, const std::string& reason, u64 range_off = 0,
                  u64 range_len = 0) {
  try {
    Image img(image);
    bool found = false;
    walk_tree(img, [&](const std::string& path, const Inode& ino) {
      if (path != file) return;
      found = true;
      if (range_len)
        (void)read_range(img, ino, range_off, range_len);
      else
        stream_file(img, ino, [](std::span<const u8>) {});
    });
    ADD_FAILURE() << "no error reading " << file << " (found: " << found << "), expected \"" << reason << "\"";
  } catch (const E& e) {
    std::string what = e.what();
    EXPECT_NE(what.find(reason), std::string::npos) << what;
    EXPECT_NE(what.find("@ nid "), std::string::npos) << "no nid in: " << what;
    EXPECT_NE(what.find("byte 0x"), std::string::npos) << "no byte offset in: " << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  } catch (const Error& e) {
    ADD_FAILURE() << "wrong error type: " << e.what() << " (expected \"" << reason << "\")";
  }
}

std::unique_ptr<Fixture> make(const std::vector<std::string>& flags) {
  try {
    return std::make_unique<Fixture>(flags);
  } catch (const std::exception& e) {
    ADD_FAILURE() << e.what();
    return nullptr;
  }
}

// Full (legacy) indexes: 8 bytes per lcluster after the 8-byte header and 8 reserved bytes.
u64 full_entry(const Fixture& f, const std::string& path, u64 lcn) { return f.header_pos(path) + 16 + lcn * 8; }

// First lcluster of `path` whose full index entry has type `type`, at or after `from`.
u64 find_type(const Fixture& f, const std::string& path, unsigned type, u64 from = 0) {
  auto b = f.bytes();
  u64 n = div_round_up(f.inode(path).size, 4096);
  for (u64 lcn = from; lcn < n; ++lcn)
    if ((load_le16(b.data() + full_entry(f, path, lcn)) & 3) == type) return lcn;
  return ~u64(0);
}

TEST(CorruptFullIndex, LookbackErrors) {
  auto f = make({"-zlz4", "-Elegacy-compress"});
  if (!f) return;
  ASSERT_STREQ(ZMap(f->image(), f->inode("/text")).index_kind(), "full");
  u64 lcn = find_type(*f, "/text", ondisk::k_zlcluster_nonhead);
  ASSERT_NE(lcn, ~u64(0));
  u64 at = full_entry(*f, "/text", lcn);

  // A forward stream only visits heads; a read inside the lcluster must look back from it.
  auto b = f->bytes();
  put16(b, at + 4, 0);  // delta[0] = 0: no progress
  expect_error(f->save(b, "delta0"), "/text", "bogus lookback distance", lcn * 4096 + 100, 10);

  b = f->bytes();
  put16(b, at + 4, static_cast<u16>(lcn + 3));  // runs past lcluster 0
  expect_error(f->save(b, "delta-past-0"), "/text", "bogus lookback distance", lcn * 4096 + 100, 10);

  // Every lcluster NONHEAD with delta 1: the walk reaches lcluster 0 and has nowhere to go.
  b = f->bytes();
  for (u64 l = 0; l < div_round_up(f->inode("/text").size, 4096); ++l) {
    u64 e = full_entry(*f, "/text", l);
    put16(b, e, ondisk::k_zlcluster_nonhead);
    put16(b, e + 4, 1);
  }
  expect_error(f->save(b, "all-nonhead"), "/text", "bogus lookback distance");
}

TEST(CorruptFullIndex, HeadFieldErrors) {
  auto f = make({"-zlz4", "-Elegacy-compress"});
  if (!f) return;
  u64 lcn = find_type(*f, "/text", ondisk::k_zlcluster_head1, 1);
  ASSERT_NE(lcn, ~u64(0));
  u64 at = full_entry(*f, "/text", lcn);

  auto b = f->bytes();
  put16(b, at + 2, 4096);  // clusterofs must be < lcluster size
  expect_error(f->save(b, "clusterofs"), "/text", "bogus clusterofs");

  b = f->bytes();
  put32(b, at + 4, static_cast<u32>(b.size() / 4096 + 10));  // blkaddr past the end
  expect_error(f->save(b, "blkaddr"), "/text", "pcluster outside the image");

  b = f->bytes();
  put16(b, at, ondisk::k_zlcluster_head2);  // HEAD2 uses the high nibble: lz4 again (0), fine
  b[f->header_pos("/text") + 6] = 0x20;     // ... now HEAD2 = deflate, not in this image
  expect_error(f->save(b, "head2"), "/text", "inconsistent algorithmtype 2");
}

TEST(CorruptFullIndex, BigPclusterErrors) {
  auto f = make({"-zlz4hc", "-Elegacy-compress", "-C16384"});
  if (!f) return;
  auto b0 = f->bytes();
  u64 n = div_round_up(f->inode("/text").size, 4096);
  u64 at = 0;
  for (u64 l = 0; l < n && !at; ++l) {
    u64 e = full_entry(*f, "/text", l);
    if ((load_le16(b0.data() + e) & 3) == ondisk::k_zlcluster_nonhead && (load_le16(b0.data() + e + 4) & 0x800)) at = e;
  }
  ASSERT_NE(at, 0u) << "no CBLKCNT entry in a -C16384 image";

  auto b = f->bytes();
  put16(b, at + 4, 2);  // the lcluster after a big head must carry CBLKCNT (delta 1)
  expect_error(f->save(b, "cblkcnt-delta"), "/text", "bogus CBLKCNT");

  b = f->bytes();
  put16(b, at + 4, 0x800 | 0x7FF);  // 2047 blocks: far beyond the 1 MiB pcluster limit
  expect_error(f->save(b, "cblkcnt-huge"), "/text", "exceeds 1 MiB");
}

TEST(CorruptMapHeader, AlgorithmAndAdviseErrors) {
  auto f = make({"-zlz4"});
  if (!f) return;
  u64 h = f->header_pos("/text");
  auto b = f->bytes();
  b[h + 6] = 0x05;
  expect_error<Unsupported>(f->save(b, "head1-5"), "/text", "unknown HEAD1 format 5");

  b = f->bytes();
  b[h + 6] = 0x03;  // zstd, not in this lz4-only image
  expect_error(f->save(b, "head1-zstd"), "/text", "inconsistent algorithmtype 3");

  b = f->bytes();
  put16(b, h + 4, static_cast<u16>(load_le16(b.data() + h + 4) | ondisk::k_zadvise_big_pcluster_1));
  put16(b, h + 4, static_cast<u16>(load_le16(b.data() + h + 4) & ~ondisk::k_zadvise_big_pcluster_2));
  std::string p = f->save(b, "big-inconsistent");
  // Which check fires first depends on the superblock's BIG_PCLUSTER bit.
  expect_error(p, "/text", f->image().sb().has_incompat(ondisk::k_incompat_big_pcluster)
                               ? "should be consistent"
                               : "per-inode big pcluster without sb feature");
}

TEST(CorruptPcluster, GarbageZerosAndTruncation) {
  auto f = make({"-zlz4"});
  if (!f) return;
  auto ext = f->extents("/text");
  const ZExtent* e = nullptr;
  for (const auto& x : ext)
    if (x.kind == ZKind::compressed && !x.in_meta) e = &x;
  ASSERT_NE(e, nullptr);

  auto b = f->bytes();
  for (u64 i = 0; i < e->plen; ++i) b[e->pa + i] = static_cast<u8>(0xA5 ^ i);
  expect_error(f->save(b, "garbage"), "/text", "lz4 decompression failed");

  b = f->bytes();
  std::fill(b.begin() + static_cast<std::ptrdiff_t>(e->pa), b.begin() + static_cast<std::ptrdiff_t>(e->pa + e->plen), 0);
  expect_error(f->save(b, "zeros"), "/text", "pcluster holds only zero padding");

  // Cut the image inside the last pcluster (metadata sits in front of the data).
  ASSERT_LT(f->inode("/text").meta_end(), e->pa);
  b = f->bytes();
  b.resize(e->pa + e->plen / 2);
  expect_error(f->save(b, "truncated"), "/text", "pcluster outside the image");
}

TEST(CorruptTail, InlineAndFragmentErrors) {
  auto f = make({"-zlz4", "-Eztailpacking"});
  if (!f) return;
  u64 h = f->header_pos("/tail");
  auto b = f->bytes();
  ASSERT_TRUE(load_le16(b.data() + h + 4) & ondisk::k_zadvise_inline_pcluster);
  put16(b, h + 2, 0xF000);  // h_idata_size: the inline pcluster would cross its block
  expect_error(f->save(b, "idata"), "/tail", "ztailpacking inline data across blocks");

  auto g = make({"-zlz4", "-Efragments"});
  if (!g) return;
  std::string victim;
  for (std::string p : {"/tail", "/text", "/mixed"})
    if (g->inode(p).is_compressed() && ZMap(g->image(), g->inode(p)).has_fragment()) victim = p;
  ASSERT_FALSE(victim.empty()) << "no fragment in a -Efragments image";
  h = g->header_pos(victim);
  b = g->bytes();
  if (ZMap(g->image(), g->inode(victim)).whole_fragment()) {
    put32(b, h, 0x7FFFFF00);
  } else {
    put32(b, h, 0xFFFFFF00);
  }
  expect_error(g->save(b, "fragoff"), victim, "beyond the packed inode");
}

TEST(CorruptConfig, LzmaDictionaryTooLarge) {
  auto f = make({"-zlzma"});
  if (!f) return;
  auto b = f->bytes();
  // One record (lzma) right after the 128-byte superblock: u16 length, then u32 dict_size.
  u64 rec = 1024 + 128;
  ASSERT_EQ(load_le16(b.data() + rec), 14);
  put32(b, rec + 2, 16u << 20);
  try {
    Image img(f->save(b, "dict"));
    ADD_FAILURE() << "opened";
  } catch (const CorruptImage& e) {
    EXPECT_NE(std::string(e.what()).find("unsupported lzma dictionary size"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("byte 0x480"), std::string::npos) << e.what();
  }
}

TEST(CorruptExtents, UnknownFormatAndOrder) {
  auto f = make({"-zlz4", "-E48bit"});
  if (!f) return;
  ZMap map(f->image(), f->inode("/text"));
  ASSERT_STREQ(map.index_kind(), "extents");
  const unsigned recsz = map.extent_record_size();
  u64 first = align_up(f->header_pos("/text") + 8, recsz) + (recsz == 4 ? 8 : 0);
  auto b = f->bytes();
  u32 plen = load_le32(b.data() + first);
  put32(b, first, (plen & 0x0FFFFFFF) | (9u << 28));  // format 9 = algorithm 8
  expect_error<Unsupported>(f->save(b, "fmt"), "/text", "unknown algorithm 8");
  if (recsz >= 16) {
    b = f->bytes();
    put32(b, first + recsz + 12, 0xFFFFFF);  // second extent's lstart beyond the third's
    expect_error(f->save(b, "order"), "/text", "bogus encoded extent order");
  }
}

// mkfs.erofs 1.9.4 cannot emit HEAD2 lclusters (its --compress-hints algorithm index
// crashes), so craft them: turn every HEAD1 of a zstd file into HEAD2 and move zstd to the
// high nibble of h_algorithmtype. The content must read back unchanged.
TEST(CraftedValid, Head2UsesTheSecondAlgorithm) {
  auto f = make({"-zzstd", "-Elegacy-compress"});
  if (!f) return;
  std::vector<u8> want;
  stream_file(f->image(), f->inode("/text"), [&](std::span<const u8> p) { want.insert(want.end(), p.begin(), p.end()); });
  auto b = f->bytes();
  u64 h = f->header_pos("/text");
  ASSERT_EQ(b[h + 6], 0x03);
  b[h + 6] = 0x30;  // HEAD1: lz4 (not in this image), HEAD2: zstd
  unsigned changed = 0;
  for (u64 l = 0; l < div_round_up(f->inode("/text").size, 4096); ++l) {
    u64 e = full_entry(*f, "/text", l);
    if ((load_le16(b.data() + e) & 3) == ondisk::k_zlcluster_head1) {
      put16(b, e, static_cast<u16>((load_le16(b.data() + e) & ~3u) | ondisk::k_zlcluster_head2));
      ++changed;
    }
  }
  ASSERT_GT(changed, 0u);
  Image img(f->save(b, "head2"));
  std::vector<u8> got;
  walk_tree(img, [&](const std::string& path, const Inode& ino) {
    if (path == "/text") stream_file(img, ino, [&](std::span<const u8> p) { got.insert(got.end(), p.begin(), p.end()); });
  });
  EXPECT_EQ(got, want);
}

// Random mutations of the metadata and data of compressed files: no crash, no hang, every
// error a one-line CorruptImage/Unsupported with a location.
TEST(CorruptSweep, RandomMutationsFailCleanly) {
  for (const auto& flags : std::vector<std::vector<std::string>>{
           {"-zlz4"}, {"-zlz4hc", "-Elegacy-compress", "-C16384"}, {"-zlzma", "-Eztailpacking,fragments"},
           {"-zzstd", "-E48bit"}, {"-zdeflate", "-Eall-fragments"}}) {
    auto f = make(flags);
    if (!f) return;
    // Targets: the map header and indexes of every file, and the first bytes of pclusters.
    std::vector<u64> targets;
    for (std::string p : {"/text", "/mixed", "/tail"}) {
      if (!f->inode(p).is_compressed()) continue;
      u64 h = f->header_pos(p);
      for (u64 k = 0; k < 64; ++k) targets.push_back(h + k);
      for (const auto& e : f->extents(p))
        if (e.kind == ZKind::compressed && !e.in_meta) targets.push_back(e.pa + e.plen / 2);
    }
    // EROFS_ZSWEEP_ITERATIONS raises the count for local bug hunts (e.g. under ASan).
    const char* env = std::getenv("EROFS_ZSWEEP_ITERATIONS");
    const unsigned iterations = env ? static_cast<unsigned>(std::strtoul(env, nullptr, 10)) : 150;
    unsigned long long x = 0x9E3779B97F4A7C15ull ^ (env ? iterations : 0);
    unsigned errors = 0, clean = 0;
    for (unsigned i = 0; i < iterations; ++i) {
      auto b = f->bytes();
      for (int k = 0; k < 3; ++k) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        u64 at = targets[x % targets.size()];
        if (at < b.size()) b[at] ^= static_cast<u8>(1u << ((x >> 32) % 8));
      }
      std::string p = f->save(b, "sweep");
      try {
        Image img(p);
        walk_tree(img, [&](const std::string&, const Inode& ino) {
          if (ino.type == FileType::file) stream_file(img, ino, [](std::span<const u8>) {});
          if (ino.type == FileType::file && ino.size > 5000) (void)read_range(img, ino, ino.size / 3, 5000);
        });
        ++clean;
      } catch (const CorruptImage& e) {
        ++errors;
        std::string what = e.what();
        EXPECT_EQ(what.find('\n'), std::string::npos) << what;
        EXPECT_TRUE(what.find("@ ") != std::string::npos || what.find("byte 0x") != std::string::npos)
            << "no location: " << what;
      } catch (const Unsupported& e) {
        ++errors;
        EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
      }
    }
    std::cout << fmt::format("[ sweep {} ] {} errors, {} clean reads\n", flags[0], errors, clean);
  }
}

}  // namespace
