// bbolt's on-disk format (go.etcd.io/bbolt internal/common: page.go, meta.go, bucket.go):
//   page header (16 bytes): id u64, flags u16 (branch 0x01, leaf 0x02, meta 0x04, freelist 0x10),
//     count u16, overflow u32 (the page spans 1 + overflow pages)
//   meta (at byte 16 of pages 0 and 1): magic u32, version u32, page_size u32, flags u32,
//     root bucket {root u64, sequence u64}, freelist u64, pgid u64 (high water mark), txid u64,
//     checksum u64 = FNV-1a 64 of the 56 bytes before it
//   branch element (16 bytes): pos u32, ksize u32, pgid u64; key at element + pos
//   leaf element (16 bytes): flags u32 (bucket 0x01), pos u32, ksize u32, vsize u32; key at
//     element + pos, value right after it
//   bucket value: {root u64, sequence u64}; root 0 = inline, a leaf page follows in the value
#include "core/container/bbolt.hpp"

#include <algorithm>
#include <cstring>
#include <unordered_set>

#include <fmt/format.h>

#include "core/util/error.hpp"

namespace core::container {

namespace {

Where in_detail(std::string detail) {
  Where w;
  w.detail = std::move(detail);
  return w;
}

constexpr u64 k_header = 16;
constexpr u64 k_element = 16;
constexpr u16 k_branch = 0x01;
constexpr u16 k_leaf = 0x02;
constexpr u16 k_meta = 0x04;
constexpr u32 k_bucket_leaf = 0x01;
constexpr u64 k_meta_size = 64;
constexpr u64 k_meta_sum_bytes = 56;

u64 fnv1a64(std::span<const u8> bytes) {
  u64 h = 0xcbf29ce484222325ULL;
  for (u8 b : bytes) {
    h ^= b;
    h *= 0x100000001b3ULL;
  }
  return h;
}

struct Meta {
  u32 page_size = 0;
  u64 root = 0;
  u64 pgid = 0;
  u64 txid = 0;
};

// The meta of the page at `off`, or std::nullopt (with the reason in `why`) if invalid.
std::optional<Meta> read_meta(const util::ByteView& v, u64 off, std::string& why) {
  if (!v.contains(off, k_header + k_meta_size)) {
    why = "file too short";
    return std::nullopt;
  }
  if (v.read<u16>(off + 8) != k_meta) {
    why = "not a meta page";
    return std::nullopt;
  }
  const u64 m = off + k_header;
  if (v.read<u32>(m) != BoltFile::k_magic) {
    why = "bad magic";
    return std::nullopt;
  }
  if (v.read<u32>(m + 4) != BoltFile::k_version) {
    why = "version " + std::to_string(v.read<u32>(m + 4)) + ", not 2";
    return std::nullopt;
  }
  if (fnv1a64(v.bytes(m, k_meta_sum_bytes)) != v.read<u64>(m + k_meta_sum_bytes)) {
    why = "checksum mismatch";
    return std::nullopt;
  }
  Meta meta{v.read<u32>(m + 8), v.read<u64>(m + 16), v.read<u64>(m + 40), v.read<u64>(m + 48)};
  const u32 ps = meta.page_size;
  if (ps < 512 || ps > (1U << 20) || (ps & (ps - 1)) != 0) {
    why = "page size " + std::to_string(ps);
    return std::nullopt;
  }
  if (meta.pgid < 2 || meta.pgid > v.size() / ps) {
    why = "high water mark " + std::to_string(meta.pgid) + " beyond the file's " + std::to_string(v.size() / ps) +
          " pages";
    return std::nullopt;
  }
  if (meta.root < 2 || meta.root >= meta.pgid) {
    why = "root page " + std::to_string(meta.root) + " out of range";
    return std::nullopt;
  }
  return meta;
}

}  // namespace

struct BoltFile::PageRef {
  util::ByteView view;  // the page with its overflow pages (or the inline page)
  u64 id = 0;           // 0 = inline
  u16 flags = 0;
  u16 count = 0;
};

BoltFile::BoltFile(util::ByteView bytes, std::string name) : m_bytes(std::move(bytes)), m_name(std::move(name)) {
  std::string why0, why1;
  std::optional<Meta> m0 = read_meta(m_bytes, 0, why0);
  // Meta page 1 sits one page in; its page size is meta 0's, or a common one if meta 0 is bad.
  std::optional<Meta> m1;
  std::vector<u32> sizes;
  if (m0) sizes.push_back(m0->page_size);
  for (u32 s : {4096U, 8192U, 16384U, 65536U})
    if (std::find(sizes.begin(), sizes.end(), s) == sizes.end()) sizes.push_back(s);
  for (u32 s : sizes) {
    std::string why;
    m1 = read_meta(m_bytes, s, why);
    if (m1 && m1->page_size == s) break;
    if (s == sizes.front()) why1 = why.empty() ? "page size mismatch" : why;
    m1.reset();
  }
  if (!m0 && !m1)
    throw CorruptImage("not a bbolt file (meta page 0: " + why0 + "; meta page 1: " + why1 + ")", in_detail(m_name));
  const Meta& m = (!m1 || (m0 && m0->txid >= m1->txid)) ? *m0 : *m1;
  m_page_size = m.page_size;
  m_high_water = m.pgid;
  m_txid = m.txid;
  m_root = Bucket{m.root, {}, "root bucket", 0};
}

BoltFile::PageRef BoltFile::page(u64 id, const std::string& where) const {
  const Where ctx = in_detail(m_name + ", " + where + ", page " + std::to_string(id));
  if (id < 2 || id >= m_high_water)
    throw CorruptImage("page id out of range (high water mark " + std::to_string(m_high_water) + ")", ctx);
  const u64 off = id * m_page_size;
  const u64 stored_id = m_bytes.read<u64>(off, "page past end of file", ctx);
  if (stored_id != id) throw CorruptImage("page header says page " + std::to_string(stored_id), m_bytes.at(off, ctx));
  const u32 overflow = m_bytes.read<u32>(off + 12, "page past end of file", ctx);
  if (u64(overflow) >= m_high_water - id)
    throw CorruptImage("overflow of " + std::to_string(overflow) + " pages runs past the high water mark",
                       m_bytes.at(off, ctx));
  const u64 len = (u64(overflow) + 1) * m_page_size;
  std::span<const u8> b = m_bytes.bytes(off, len, "page past end of file", ctx);
  PageRef p{util::ByteView(b.data(), b.size(), m_name + " page " + std::to_string(id)), id, 0, 0};
  p.flags = p.view.read<u16>(8);
  p.count = p.view.read<u16>(10);
  return p;
}

void BoltFile::walk(const PageRef& p, const Bucket& bucket, u32 level, std::unordered_set<u64>& seen,
                    const std::function<void(const Entry&)>& fn) const {
  const Where ctx = in_detail(m_name + ", " + bucket.where +
                              (p.id ? ", page " + std::to_string(p.id) : std::string(", inline page")));
  if (level + bucket.depth > k_max_depth)
    throw CorruptImage("pages nested deeper than " + std::to_string(k_max_depth) + " levels", ctx);
  if (!p.view.contains(k_header, u64(p.count) * k_element))
    throw CorruptImage(std::to_string(p.count) + " elements do not fit in the page", ctx);
  if (p.flags == k_leaf) {
    for (u64 i = 0; i < p.count; ++i) {
      const u64 e = k_header + i * k_element;
      const u32 flags = p.view.read<u32>(e, "read past end of page", ctx);
      const u64 kpos = e + p.view.read<u32>(e + 4, "read past end of page", ctx);
      const u32 ksize = p.view.read<u32>(e + 8, "read past end of page", ctx);
      const u32 vsize = p.view.read<u32>(e + 12, "read past end of page", ctx);
      Entry entry;
      entry.key = p.view.bytes(kpos, ksize, "leaf key past end of page", ctx);
      entry.value = p.view.bytes(kpos + ksize, vsize, "leaf value past end of page", ctx);
      entry.is_bucket = (flags & k_bucket_leaf) != 0;
      fn(entry);
    }
    return;
  }
  if (p.flags != k_branch || p.id == 0)
    throw CorruptImage(fmt::format("page flags {:#x} are neither branch nor leaf", p.flags), ctx);
  for (u64 i = 0; i < p.count; ++i) {
    const u64 e = k_header + i * k_element;
    const u64 child = p.view.read<u64>(e + 8, "read past end of page", ctx);
    if (!seen.insert(child).second)
      throw CorruptImage("page " + std::to_string(child) + " is reached twice (a cycle)", ctx);
    walk(page(child, bucket.where), bucket, level + 1, seen, fn);
  }
}

void BoltFile::for_each(const Bucket& bucket, const std::function<void(const Entry&)>& fn) const {
  std::unordered_set<u64> seen;
  if (bucket.root == 0) {
    const std::span<const u8> b = bucket.inline_page;
    PageRef p{util::ByteView(b.data(), b.size(), m_name + " inline bucket"), 0, 0, 0};
    const Where ctx = in_detail(m_name + ", " + bucket.where);
    p.flags = p.view.read<u16>(8, "inline bucket shorter than a page header", ctx);
    p.count = p.view.read<u16>(10, "inline bucket shorter than a page header", ctx);
    walk(p, bucket, 0, seen, fn);
    return;
  }
  seen.insert(bucket.root);
  walk(page(bucket.root, bucket.where), bucket, 0, seen, fn);
}

std::optional<BoltFile::Entry> BoltFile::find(const Bucket& bucket, std::string_view key) const {
  std::optional<Entry> found;
  for_each(bucket, [&](const Entry& e) {
    if (!found && e.key_text() == key) found = e;
  });
  return found;
}

BoltFile::Bucket BoltFile::child(const Bucket& parent, const Entry& entry) const {
  std::string where = parent.depth == 0 ? "bucket " : parent.where + "/";
  where += std::string(entry.key_text());
  const Where ctx = in_detail(m_name + ", " + where);
  if (!entry.is_bucket) throw CorruptImage("a plain value where a bucket is expected", ctx);
  if (parent.depth + 1 > k_max_depth)
    throw CorruptImage("buckets nested deeper than " + std::to_string(k_max_depth) + " levels", ctx);
  util::ByteView v(entry.value.data(), entry.value.size(), m_name);
  Bucket b;
  b.root = v.read<u64>(0, "bucket value shorter than its 16-byte header", ctx);
  v.require(0, 16, "bucket value shorter than its 16-byte header", ctx);
  if (b.root == 0) b.inline_page = entry.value.subspan(16);
  b.where = std::move(where);
  b.depth = parent.depth + 1;
  return b;
}

std::optional<BoltFile::Bucket> BoltFile::bucket(const std::vector<std::string_view>& path) const {
  return bucket(m_root, path);
}

std::optional<BoltFile::Bucket> BoltFile::bucket(const Bucket& from, const std::vector<std::string_view>& path) const {
  Bucket cur = from;
  for (std::string_view name : path) {
    std::optional<Entry> e = find(cur, name);
    if (!e) return std::nullopt;
    cur = child(cur, *e);
  }
  return cur;
}

std::optional<std::span<const u8>> BoltFile::value(const Bucket& bucket, std::string_view key) const {
  std::optional<Entry> e = find(bucket, key);
  if (!e || e->is_bucket) return std::nullopt;
  return e->value;
}

}  // namespace core::container
