// BoltFile (core/container/bbolt.hpp) on bbolt files built byte by byte here, on corrupt bytes,
// and (EROFS_SHARE_BOLT_FILE set, by tests/container/node-layers.py) on a meta.db a real
// containerd wrote, whose image names EROFS_SHARE_BOLT_IMAGES lists (comma-separated).
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/container/bbolt.hpp"
#include "core/util/display.hpp"
#include "core/util/error.hpp"

using core::CorruptImage;
using core::u16;
using core::u32;
using core::u64;
using core::u8;
using core::container::BoltFile;

namespace {

constexpr u32 k_ps = 4096;

template <class T>
void put(std::vector<u8>& b, std::size_t off, T v) {
  if (b.size() < off + sizeof v) b.resize(off + sizeof v);
  std::memcpy(b.data() + off, &v, sizeof v);
}

struct Item {
  std::string key, value;
  bool bucket = false;
};

// A leaf page (id 0 and exact size for an inline bucket).
std::vector<u8> leaf(u64 id, const std::vector<Item>& items, u32 overflow = 0) {
  std::vector<u8> p;
  put<u64>(p, 0, id);
  put<u16>(p, 8, 0x02);
  put<u16>(p, 10, u16(items.size()));
  put<u32>(p, 12, overflow);
  std::size_t data = 16 + 16 * items.size();
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::size_t e = 16 + 16 * i;
    put<u32>(p, e, items[i].bucket ? 1 : 0);
    put<u32>(p, e + 4, u32(data - e));
    put<u32>(p, e + 8, u32(items[i].key.size()));
    put<u32>(p, e + 12, u32(items[i].value.size()));
    const std::string kv = items[i].key + items[i].value;
    p.resize(data + kv.size());
    std::memcpy(p.data() + data, kv.data(), kv.size());
    data += kv.size();
  }
  return p;
}

std::vector<u8> branch(u64 id, const std::vector<std::pair<std::string, u64>>& kids) {
  std::vector<u8> p;
  put<u64>(p, 0, id);
  put<u16>(p, 8, 0x01);
  put<u16>(p, 10, u16(kids.size()));
  put<u32>(p, 12, 0);
  std::size_t data = 16 + 16 * kids.size();
  for (std::size_t i = 0; i < kids.size(); ++i) {
    const std::size_t e = 16 + 16 * i;
    put<u32>(p, e, u32(data - e));
    put<u32>(p, e + 4, u32(kids[i].first.size()));
    put<u64>(p, e + 8, kids[i].second);
    p.resize(data + kids[i].first.size());
    std::memcpy(p.data() + data, kids[i].first.data(), kids[i].first.size());
    data += kids[i].first.size();
  }
  return p;
}

std::string bucket_value(u64 root, const std::vector<Item>& inline_items = {}) {
  std::vector<u8> v(16, 0);
  put<u64>(v, 0, root);
  if (root == 0) {
    const std::vector<u8> p = leaf(0, inline_items);
    v.insert(v.end(), p.begin(), p.end());
  }
  return std::string(v.begin(), v.end());
}

u64 fnv(const u8* p, std::size_t n) {
  u64 h = 0xcbf29ce484222325ULL;
  for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ULL;
  return h;
}

void meta(std::vector<u8>& file, u64 page, u64 root, u64 pgid, u64 txid) {
  const std::size_t m = page * k_ps + 16;
  put<u64>(file, page * k_ps, page);
  put<u16>(file, page * k_ps + 8, 0x04);
  put<u32>(file, m, BoltFile::k_magic);
  put<u32>(file, m + 4, 2);
  put<u32>(file, m + 8, k_ps);
  put<u32>(file, m + 12, 0);
  put<u64>(file, m + 16, root);
  put<u64>(file, m + 24, 0);
  put<u64>(file, m + 32, ~u64(0));
  put<u64>(file, m + 40, pgid);
  put<u64>(file, m + 48, txid);
  put<u64>(file, m + 56, fnv(file.data() + m, 56));
}

void place(std::vector<u8>& file, u64 page, const std::vector<u8>& p) {
  if (file.size() < page * k_ps + p.size()) file.resize(page * k_ps + p.size());
  std::memcpy(file.data() + page * k_ps, p.data(), p.size());
}

// Pages: 0, 1 meta; 2 root leaf {inl: inline bucket, v1: bucket at 3}; 3 branch -> 4, 5;
// 4 leaf {a: "1", nest: inline {x: "y"}}; 5 leaf {z: 5000 bytes} with one overflow page (6).
std::vector<u8> sample() {
  std::vector<u8> f(7 * k_ps, 0);
  meta(f, 0, 2, 7, 10);
  meta(f, 1, 2, 7, 11);
  place(f, 2, leaf(2, {{"inl", bucket_value(0, {{"k", "val"}}), true}, {"v1", bucket_value(3), true}}));
  place(f, 3, branch(3, {{"a", 4}, {"z", 5}}));
  place(f, 4, leaf(4, {{"a", "1"}, {"nest", bucket_value(0, {{"x", "y"}}), true}}));
  place(f, 5, leaf(5, {{"z", std::string(5000, 'q')}}, 1));
  return f;
}

BoltFile open(const std::vector<u8>& f) { return BoltFile(core::util::ByteView(f.data(), f.size()), "test.db"); }

std::string text(std::span<const u8> s) { return std::string(s.begin(), s.end()); }

std::string error_of(const std::vector<u8>& f, const std::vector<std::string_view>& path) {
  try {
    BoltFile b = open(f);
    std::optional<BoltFile::Bucket> bk = b.bucket(path);
    if (bk) b.for_each(*bk, [](const BoltFile::Entry&) {});
  } catch (const CorruptImage& e) {
    return e.what();
  }
  return "";
}

// Walks everything reachable; only CorruptImage may come out.
void walk_all(const BoltFile& b, const BoltFile::Bucket& k, int depth = 0) {
  b.for_each(k, [&](const BoltFile::Entry& e) {
    if (e.is_bucket && depth < 70) walk_all(b, b.child(k, e), depth + 1);
  });
}

}  // namespace

TEST(Bolt, ReadsBranchesInlineBucketsAndOverflowPages) {
  const std::vector<u8> f = sample();
  const BoltFile b = open(f);
  EXPECT_EQ(b.page_size(), k_ps);
  EXPECT_EQ(b.txid(), 11U);
  std::optional<BoltFile::Bucket> v1 = b.bucket({"v1"});
  ASSERT_TRUE(v1);
  std::vector<std::string> keys;
  b.for_each(*v1, [&](const BoltFile::Entry& e) { keys.emplace_back(e.key_text()); });
  EXPECT_EQ(keys, (std::vector<std::string>{"a", "nest", "z"}));
  EXPECT_EQ(text(*b.value(*v1, "a")), "1");
  EXPECT_EQ(text(*b.value(*v1, "z")), std::string(5000, 'q'));
  std::optional<BoltFile::Bucket> nest = b.bucket({"v1", "nest"});
  ASSERT_TRUE(nest);
  EXPECT_EQ(nest->root, 0U);
  EXPECT_EQ(text(*b.value(*nest, "x")), "y");
  EXPECT_EQ(text(*b.value(*b.bucket({"inl"}), "k")), "val");
  EXPECT_FALSE(b.bucket({"v1", "missing"}));
  EXPECT_FALSE(b.value(*v1, "nest"));  // a bucket, not a value
  EXPECT_THROW((void)b.bucket({"v1", "a"}), CorruptImage);
}

TEST(Bolt, TheValidMetaWithTheHigherTxidWins) {
  std::vector<u8> f = sample();
  f[k_ps + 16 + 56] ^= 1;  // meta 1's checksum
  EXPECT_EQ(open(f).txid(), 10U);
  f = sample();
  f[16 + 4] = 3;  // meta 0's version
  EXPECT_EQ(open(f).txid(), 11U);
}

TEST(Bolt, RefusesBadMetaPagesInOneLine) {
  std::vector<u8> f = sample();
  f[16] ^= 0xff;
  f[k_ps + 16 + 56] ^= 1;
  EXPECT_EQ(error_of(f, {}), "not a bbolt file (meta page 0: bad magic; meta page 1: checksum mismatch) @ test.db");
  EXPECT_EQ(error_of({}, {}), "not a bbolt file (meta page 0: file too short; meta page 1: file too short) @ test.db");
  f = sample();
  f.resize(5 * k_ps);  // the high water mark (7 pages) is past the end
  EXPECT_NE(error_of(f, {}).find("high water mark 7 beyond the file's 5 pages"), std::string::npos);
}

TEST(Bolt, RefusesCyclesAndPagesOutOfRange) {
  std::vector<u8> f = sample();
  place(f, 3, branch(3, {{"a", 4}, {"z", 3}}));
  EXPECT_EQ(error_of(f, {"v1"}), "page 3 is reached twice (a cycle) @ test.db, bucket v1, page 3");
  f = sample();
  place(f, 3, branch(3, {{"a", 4}, {"z", 9}}));
  EXPECT_EQ(error_of(f, {"v1"}), "page id out of range (high water mark 7) @ test.db, bucket v1, page 9");
  f = sample();
  put<u64>(f, 4 * k_ps, 5);  // page 4 says it is page 5
  EXPECT_NE(error_of(f, {"v1"}).find("page header says page 5"), std::string::npos);
}

TEST(Bolt, RefusesElementsOutsideTheirPage) {
  std::vector<u8> f = sample();
  put<u32>(f, 4 * k_ps + 16 + 4, 9000);  // page 4's first key position
  EXPECT_NE(error_of(f, {"v1"}).find("leaf key past end of page"), std::string::npos);
  f = sample();
  put<u32>(f, 5 * k_ps + 12, 100);  // overflow beyond the file
  EXPECT_NE(error_of(f, {"v1"}).find("runs past the high water mark"), std::string::npos);
}

TEST(Bolt, TruncatedAndFlippedBytesFailInOneLineOrRead) {
  const std::vector<u8> good = sample();
  std::size_t failures = 0;
  for (std::size_t n = 0; n < good.size(); n += 256) {
    std::vector<u8> f(good.begin(), good.begin() + long(n));
    failures += !error_of(f, {"v1", "nest"}).empty();
  }
  for (std::size_t i = 0; i < good.size(); i += 7) {
    std::vector<u8> f = good;
    f[i] ^= 0xa5;
    try {
      const BoltFile b = open(f);
      walk_all(b, b.root());
    } catch (const CorruptImage& e) {
      const std::string m = core::util::display(e.what());
      EXPECT_EQ(m.find('\n'), std::string::npos) << m;
      ++failures;
    }
  }
  EXPECT_GT(failures, 0U);
}

TEST(Bolt, ReadsTheMetaDbOfARealContainerd) {
  const char* path = std::getenv("EROFS_SHARE_BOLT_FILE");
  if (path == nullptr || *path == '\0')
    GTEST_SKIP() << "EROFS_SHARE_BOLT_FILE not set (tests/container/node-layers.py sets it)";
  std::ifstream in(path, std::ios::binary);
  const std::vector<u8> f((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(f.empty());
  const BoltFile b = open(f);
  std::optional<BoltFile::Bucket> images = b.bucket({"v1", "default", "images"});
  ASSERT_TRUE(images);
  std::set<std::string> names;
  b.for_each(*images, [&](const BoltFile::Entry& e) {
    names.emplace(e.key_text());
    ASSERT_TRUE(e.is_bucket);
    std::optional<BoltFile::Bucket> target = b.bucket(b.child(*images, e), {"target"});
    ASSERT_TRUE(target);
    const std::string digest = text(*b.value(*target, "digest"));
    EXPECT_EQ(digest.size(), 71U);
    EXPECT_EQ(digest.substr(0, 7), "sha256:");
  });
  std::set<std::string> want;
  const std::string list = std::getenv("EROFS_SHARE_BOLT_IMAGES") ? std::getenv("EROFS_SHARE_BOLT_IMAGES") : "";
  for (std::size_t s = 0; s < list.size();) {
    const std::size_t e = std::min(list.find(',', s), list.size());
    want.insert(list.substr(s, e - s));
    s = e + 1;
  }
  EXPECT_EQ(names, want);
  // Every flipped byte (about 3000, spread over the file) either still reads or fails in one line.
  const std::size_t stride = std::max<std::size_t>(f.size() / 3000, 1) | 1;
  std::vector<u8> g = f;
  for (std::size_t i = 0; i < f.size(); i += stride) {
    g[i] ^= 0x5a;
    struct Restore {
      std::vector<u8>& g;
      std::size_t i;
      ~Restore() { g[i] ^= 0x5a; }
    } restore{g, i};
    try {
      const BoltFile bg = open(g);
      walk_all(bg, bg.root());
    } catch (const CorruptImage& e) {
      // Names from the file stay raw in messages; the one line is what display() prints.
      EXPECT_EQ(core::util::display(e.what()).find('\n'), std::string::npos) << e.what();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "byte " << i << ": not a CorruptImage: " << e.what();
    }
  }
}
