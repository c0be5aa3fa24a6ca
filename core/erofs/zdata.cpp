#include "core/erofs/zdata.hpp"

#include <algorithm>
#include <deque>
#include <mutex>
#include <optional>

#include <fmt/format.h>

#include "core/codec/codec.hpp"
#include "core/erofs/image.hpp"
#include "core/erofs/ondisk.hpp"
#include "core/erofs/zmap.hpp"

namespace core::erofs {

namespace od = ondisk;

struct ZState {
  ComprConfig cfg;
  std::mutex mu;  // guards everything below
  bool packed_loaded = false;
  std::optional<Inode> packed;
  std::unique_ptr<ZMap> packed_map;
  // Decoded packed-inode extents, most recently used first. Fragments of neighbouring files
  // share pclusters, so this turns "decode a pcluster per file" into "decode it once".
  struct Entry {
    u64 la = 0;
    std::shared_ptr<const std::vector<u8>> data;
  };
  std::deque<Entry> cache;
  u64 cache_bytes = 0;
};

namespace {

constexpr u64 k_cache_max_bytes = u64(32) << 20;
constexpr std::size_t k_cache_max_entries = 16;

ZState& zstate(const Image& img, const Inode& ino) {
  ZState* z = img.zstate();
  if (!z) {
    Where w;
    w.nid = ino.nid;
    throw CorruptImage("compressed inode in a plain (uncompressed) filesystem", w);
  }
  return *z;
}

// The first `want` decoded bytes of extent `e` (want <= e.llen). The result points into `buf`
// or, for a shifted pcluster, straight into the image.
std::span<const u8> decode_extent(const Image& img, const ZMap& map, const ZExtent& e, u64 want, std::vector<u8>& buf) {
  const Inode& ino = map.inode();
  const util::ByteView& space = e.in_meta ? img.meta_space(ino.in_metabox) : img.primary();
  const Where ctx = map.where(fmt::format("la {}", e.la));
  auto raw = space.bytes(e.pa, e.plen, "pcluster outside the image", ctx);
  switch (e.kind) {
    case ZKind::shifted: return raw.first(static_cast<std::size_t>(want));  // ZMap checked llen <= plen
    case ZKind::interlaced: {
      // §5.13: logical la + k sits at (la mod bs + k) mod plen inside the pcluster.
      buf.resize(want);
      const u64 start = e.la % img.block_size() % e.plen;
      const u64 right = std::min<u64>(e.plen - start, want);
      std::copy_n(raw.begin() + static_cast<std::ptrdiff_t>(start), right, buf.begin());
      std::copy_n(raw.begin(), want - right, buf.begin() + static_cast<std::ptrdiff_t>(right));
      return {buf.data(), static_cast<std::size_t>(want)};
    }
    case ZKind::compressed: {
      buf.resize(want);
      codec::DecompressRequest req;
      req.algorithm = e.algorithm;
      req.in = raw;
      req.out = {buf.data(), static_cast<std::size_t>(want)};
      // Decode exactly the extent, or only a prefix of it (partial references, range reads).
      req.partial = e.partial_ref || want < e.llen;
      // LZ4 without 0padding (pre-5.4 layout): the stream starts at the pcluster and trailing
      // bytes follow it, so only a prefix decode is possible (what those kernels did).
      if (e.algorithm == unsigned(codec::Algorithm::lz4) && !img.sb().has_incompat(od::k_incompat_lz4_0padding))
        req.partial = true;
      const u32 dict = zstate(img, ino).cfg.lzma_dict_size;
      req.lzma_dict_size = dict ? dict : u32(8) << 20;
      try {
        codec::decompress(req);
      } catch (const CorruptImage& err) {
        throw err.with(space.at(e.pa, ctx));
      }
      return {buf.data(), static_cast<std::size_t>(want)};
    }
    case ZKind::hole:
    case ZKind::fragment: break;
  }
  throw CorruptImage("extent has no pcluster to decode", ctx);
}

class Reader {
public:
  Reader(const Image& img, const Sink& sink) : m_img(img), m_sink(sink) {}

  // Bytes [off, off + len) of compressed inode `ino`, all inside i_size. Fragments nest one
  // level at most: the packed inode itself must not use fragments (the recursion guard).
  void stream(const Inode& ino, u64 off, u64 len) {
    const Where w = where_of(ino);
    ZMap map(m_img, ino);
    const SuperInfo& sb = m_img.sb();
    if (map.has_fragment() && !ino.in_metabox && ino.nid == sb.packed_nid)
      throw CorruptImage("fragment should not exist in the packed inode", w);
    // Fragment and budget errors point at the map header (where fragment offsets live).
    m_header_where = m_img.meta_space(ino.in_metabox).at(map.header_pos(), w);
    if (map.whole_fragment()) {
      packed(ino, map.fragment_off(), off, len);
      return;
    }
    std::vector<u8> buf;
    const u64 end = off + len;
    for (u64 pos = off; pos < end;) {
      ZExtent e = map.map(pos);
      const u64 stop = std::min(e.la + e.llen, end);
      switch (e.kind) {
        case ZKind::hole: zeros(ino, stop - pos); break;
        case ZKind::fragment: packed(ino, e.frag_off, pos - e.la, stop - pos); break;
        default: {
          auto data = decode_extent(m_img, map, e, stop - e.la, buf);
          // Decoded bytes count against the image-wide work budget like bytes read: indexes
          // can point many extents at one pcluster, so output is not bounded by the image.
          m_img.charge(0, stop - pos, m_header_where);
          m_sink(data.subspan(static_cast<std::size_t>(pos - e.la)));
          if (!e.in_meta) consumed(e.pa, e.plen);
        }
      }
      pos = stop;
    }
    drop_consumed();
  }

private:
  // Compressed data read through the mapping stays resident in this process until released:
  // remember the span of pclusters consumed and let the mapping drop it every few MiB, so
  // hashing a large image does not grow the resident set (pclusters of a file are mostly
  // contiguous; dropping more than was read is harmless, pages fault back in on demand).
  void consumed(u64 pa, u64 len) {
    m_lo = std::min(m_lo, pa);
    m_hi = std::max(m_hi, pa + len);
    m_pending += len;
    if (m_pending >= k_release_every) drop_consumed();
  }
  void drop_consumed() {
    if (m_hi > m_lo) m_img.primary().release(m_lo, m_hi - m_lo);
    m_lo = UINT64_MAX;
    m_hi = 0;
    m_pending = 0;
  }

  static Where where_of(const Inode& ino) {
    Where w;
    w.nid = ino.nid;
    return w;
  }

  void zeros(const Inode& ino, u64 count) {
    m_holes += count;
    if (m_holes > m_img.limits().max_hole_bytes)
      throw CorruptImage(fmt::format("file expands to more than {} bytes of holes", m_img.limits().max_hole_bytes),
                         where_of(ino));
    m_img.charge(count, 0, where_of(ino));  // and all files together
    static const u8 k_zeros[64 * 1024] = {};
    while (count > 0) {
      u64 n = std::min<u64>(count, sizeof(k_zeros));
      m_sink({k_zeros, static_cast<std::size_t>(n)});
      count -= n;
    }
  }

  // Bytes [base + skip, base + skip + len) of the packed inode, for a fragment of `owner`.
  void packed(const Inode& owner, u64 base, u64 skip, u64 len) {
    ZState& z = zstate(m_img, owner);
    const SuperInfo& sb = m_img.sb();
    const Where& w = m_header_where;
    std::unique_lock lock(z.mu);
    if (!z.packed_loaded) {
      z.packed_loaded = true;
      if (!sb.has_incompat(od::k_incompat_fragments) || sb.packed_nid == 0)
        throw CorruptImage("fragment without a packed inode", w);
      Inode p = read_inode(m_img, sb.packed_nid);
      if (p.type != FileType::file) throw CorruptImage("packed inode is not a regular file", where_of(p));
      if (p.is_compressed()) {
        auto pm = std::make_unique<ZMap>(m_img, p);
        if (pm->has_fragment()) throw CorruptImage("fragment should not exist in the packed inode", where_of(p));
        z.packed_map = std::move(pm);
      }
      z.packed = p;
    }
    if (!z.packed) throw CorruptImage("packed inode is unreadable", w);
    const Inode p = *z.packed;
    const u64 off = base + skip;
    if (off < base || off > p.size || len > p.size - off)
      throw CorruptImage(fmt::format("fragment [{}, +{}) beyond the packed inode ({} bytes)", off, len, p.size), w);
    if (!z.packed_map) {
      lock.unlock();
      // Uncompressed packed inode: its pieces are passed on as they are read, never gathered,
      // so a fragment of holes costs no memory however long the file claims to be.
      struct Done {};
      u64 pos = 0, passed = 0;
      try {
        stream_file(m_img, p, [&](std::span<const u8> piece) {
          const u64 begin = std::max(pos, off), stop = std::min(pos + piece.size(), off + len);
          if (begin < stop) {
            m_sink(piece.subspan(static_cast<std::size_t>(begin - pos), static_cast<std::size_t>(stop - begin)));
            passed += stop - begin;
          }
          pos += piece.size();
          if (pos >= off + len) throw Done{};
        });
      } catch (const Done&) {
      }
      if (passed != len) throw CorruptImage("packed inode shorter than its i_size", where_of(p));
      return;
    }
    const u64 end = off + len;
    for (u64 pos = off; pos < end;) {
      ZExtent e = z.packed_map->map(pos);
      const u64 stop = std::min(e.la + e.llen, end);
      std::shared_ptr<const std::vector<u8>> data;
      for (auto it = z.cache.begin(); it != z.cache.end(); ++it) {
        if (it->la == e.la && it->data->size() == e.llen) {
          data = it->data;
          ZState::Entry hit = *it;
          z.cache.erase(it);
          z.cache.push_front(hit);
          break;
        }
      }
      if (!data) {
        if (e.kind == ZKind::hole || e.kind == ZKind::fragment) {
          lock.unlock();
          if (e.kind == ZKind::fragment) throw CorruptImage("fragment should not exist in the packed inode", where_of(p));
          zeros(p, stop - pos);
          lock.lock();
          pos = stop;
          continue;
        }
        // Decode the whole extent once (outside the lock) and keep it for neighbouring
        // fragments, which usually share it.
        lock.unlock();
        std::vector<u8> buf;
        auto span = decode_extent(m_img, *z.packed_map, e, e.llen, buf);
        if (span.data() != buf.data()) buf.assign(span.begin(), span.end());
        if (!e.in_meta) consumed(e.pa, e.plen);
        data = std::make_shared<const std::vector<u8>>(std::move(buf));
        lock.lock();
        z.cache.push_front(ZState::Entry{e.la, data});
        z.cache_bytes += data->size();
        while (z.cache.size() > 1 && (z.cache.size() > k_cache_max_entries || z.cache_bytes > k_cache_max_bytes)) {
          z.cache_bytes -= z.cache.back().data->size();
          z.cache.pop_back();
        }
      }
      lock.unlock();
      m_img.charge(0, stop - pos, w);
      m_sink(std::span<const u8>(*data).subspan(static_cast<std::size_t>(pos - e.la), static_cast<std::size_t>(stop - pos)));
      lock.lock();
      pos = stop;
    }
  }

  const Image& m_img;
  const Sink& m_sink;
  u64 m_holes = 0;
  Where m_header_where;
  static constexpr u64 k_release_every = 4 << 20;
  u64 m_lo = UINT64_MAX, m_hi = 0, m_pending = 0;
};

}  // namespace

std::shared_ptr<ZState> make_zstate(const Image& img) {
  if (!img.sb().compressed_capable) return nullptr;
  auto z = std::make_shared<ZState>();
  z->cfg = read_compr_config(img);
  return z;
}

void stream_compressed(const Image& img, const Inode& ino, const Sink& sink) {
  stream_compressed_range(img, ino, 0, ino.size, sink);
}

void stream_compressed_range(const Image& img, const Inode& ino, u64 off, u64 len, const Sink& sink) {
  if (off >= ino.size || len == 0) return;
  len = std::min(len, ino.size - off);
  Reader(img, sink).stream(ino, off, len);
}

}  // namespace core::erofs
