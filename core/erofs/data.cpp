#include "core/erofs/data.hpp"

#include <bit>

#include <fmt/format.h>

#include "core/erofs/image.hpp"
#include "core/erofs/ondisk.hpp"
#include "core/erofs/zdata.hpp"

namespace core::erofs {

namespace od = ondisk;

namespace {

// A byte range on one of the image's devices.
struct DeviceRange {
  const util::ByteView* view;
  u64 offset;
};

// Emits the content of one inode piece by piece and enforces the hole budget.
class Emitter {
public:
  Emitter(const Image& img, const Inode& ino, const Sink& sink) : m_img(img), m_ino(ino), m_sink(sink) {}

  void bytes(std::span<const u8> data) {
    if (!data.empty()) m_sink(data);
    m_done += data.size();
  }
  // Emits [off, off+len) of a device in slices, mapping each slice's pages in one call. The
  // image drops consumed pages from the mapping every few MiB of reads (Image::charge); a
  // large file also drops each slice once consumed, so the resident set stays bounded.
  // Dropping pages costs an inter-processor interrupt per call when several threads read,
  // which is why small files are not released one by one.
  void device(DeviceRange r, u64 len) {
    // Chunks may share blocks, so a small image can name far more data than it stores: reads
    // count against the image-wide budget (bounded work).
    m_img.charge(0, len, where());
    constexpr u64 k_slice = 4 << 20;
    constexpr u64 k_prefetch_min = 64 << 10;
    const bool release = len > k_slice;
    while (len > 0) {
      u64 n = std::min(len, k_slice);
      auto slice = r.view->bytes(r.offset, n);
      if (n >= k_prefetch_min) r.view->prefetch(r.offset, n);
      bytes(slice);
      if (release) r.view->release(r.offset, n);
      r.offset += n;
      len -= n;
    }
  }
  void zeros(u64 count) {
    m_holes += count;
    if (m_holes > m_img.limits().max_hole_bytes)
      throw CorruptImage(fmt::format("file expands to more than {} bytes of holes", m_img.limits().max_hole_bytes),
                         where());
    m_img.charge(count, 0, where());  // and all files together
    static const u8 k_zeros[64 * 1024] = {};
    while (count > 0) {
      u64 n = std::min<u64>(count, sizeof(k_zeros));
      m_sink({k_zeros, static_cast<std::size_t>(n)});
      count -= n;
      m_done += n;
    }
  }
  u64 done() const { return m_done; }
  Where where() const {
    Where w;
    w.nid = m_ino.nid;
    return w;
  }

private:
  const Image& m_img;
  const Inode& m_ino;
  const Sink& m_sink;
  u64 m_done = 0;
  u64 m_holes = 0;
};

// Resolves a block address on `device_id` to the view holding it (§1.6, erofs_map_dev) and
// checks that [byte, byte+len) lies inside it.
DeviceRange locate(const Image& img, unsigned device_id, u64 byte, u64 len, const Where& ctx) {
  const SuperInfo& sb = img.sb();
  if (device_id != 0) {
    if (device_id > sb.devices.size())
      throw CorruptImage(fmt::format("device id {} beyond the {} extra devices", device_id, sb.devices.size()), ctx);
    if (const util::ByteView* dev = img.device(device_id)) {
      dev->require(byte, len, "data past end of extra device", ctx);
      return {dev, byte};
    }
    const DeviceInfo& d = sb.devices[device_id - 1];
    // Unified (flat) addressing: the device is concatenated into the primary image.
    if (d.uniaddr != 0) {
      u64 start = d.uniaddr << sb.blkszbits;
      if (start + byte >= start && img.primary().contains(start + byte, len)) return {&img.primary(), start + byte};
    }
    throw DataUnavailable(fmt::format("data is on extra device {} ({}); pass it with --device{}", device_id,
                                      d.tag.empty() ? "no tag" : d.tag, to_string(ctx)));
  }
  for (unsigned k = 1; k <= sb.devices.size(); ++k) {
    const DeviceInfo& d = sb.devices[k - 1];
    const util::ByteView* dev = img.device(k);
    if (!dev || d.uniaddr == 0) continue;
    u64 start = d.uniaddr << sb.blkszbits;
    u64 end = start + (d.blocks << sb.blkszbits);
    if (byte >= start && byte < end) {
      dev->require(byte - start, len, "data past end of extra device", ctx);
      return {dev, byte - start};
    }
  }
  img.primary().require(byte, len, "data past end of image", ctx);
  return {&img.primary(), byte};
}

u64 block_byte(const Image& img, u64 blk, const Where& ctx) {
  if (blk > (~u64(0) >> img.sb().blkszbits)) throw CorruptImage("block address overflows", ctx);
  return blk << img.sb().blkszbits;
}

void stream_flat(const Image& img, const Inode& ino, Emitter& out) {
  const u64 bs = img.block_size();
  const bool is_inline = ino.layout == Layout::flat_inline;
  u64 full = ino.size;   // bytes stored in whole blocks at startblk
  u64 tail = 0;          // bytes stored inline after the ibody
  if (is_inline && ino.size) {
    tail = ino.size % bs ? ino.size % bs : bs;
    full = ino.size - tail;
  }
  Where ctx = out.where();
  if (full) {
    if (ino.startblk_null) {
      out.zeros(full);
    } else {
      out.device(locate(img, 0, block_byte(img, ino.startblk, ctx), full, ctx), full);
    }
  }
  if (tail) {
    check_flat_layout(img, ino);
    const util::ByteView& meta = img.meta_space(ino.in_metabox);
    out.bytes(meta.bytes(ino.meta_end(), tail, "inline data outside the image", ctx));
  }
}

void stream_chunked(const Image& img, const Inode& ino, Emitter& out) {
  const SuperInfo& sb = img.sb();
  const util::ByteView& meta = img.meta_space(ino.in_metabox);
  const unsigned chunkbits = sb.blkszbits + (ino.chunk_format & od::k_chunk_format_blkbits_mask);
  const u64 chunk_size = u64(1) << chunkbits;
  const bool indexes = ino.chunk_format & od::k_chunk_format_indexes;
  const unsigned unit = indexes ? 8 : 4;
  const u64 base = align_up(ino.meta_end(), unit);
  const u64 count = div_round_up(ino.size, chunk_size);
  const u64 dev_mask = std::bit_ceil(u64(sb.devices.size()) + 1) - 1;
  for (u64 k = 0; k < count; ++k) {
    u64 len = std::min(chunk_size, ino.size - k * chunk_size);
    Where ctx = out.where();
    ctx.detail = fmt::format("chunk {}", k);
    u64 at = base + k * unit;
    if (!indexes) {
      u32 blk = meta.read<ul32>(at, "chunk block map outside the image", ctx);
      if (blk == 0xFFFFFFFFu)
        out.zeros(len);
      else
        out.device(locate(img, 0, block_byte(img, blk, ctx), len, ctx), len);
      continue;
    }
    auto ci = meta.read<od::ChunkIndex>(at, "chunk index outside the image", ctx);
    bool is48 = ino.chunk_format & od::k_chunk_format_48bit;
    u64 mask = is48 ? (u64(1) << 48) - 1 : 0xFFFFFFFFull;
    u64 blk = (u64(u16(ci.startblk_hi)) << 32 | u32(ci.startblk_lo)) & mask;
    if (blk == mask) {
      out.zeros(len);
      continue;
    }
    unsigned dev = u16(ci.device_id) & dev_mask;
    if (dev > sb.devices.size())
      throw CorruptImage(fmt::format("device id {} beyond the {} extra devices", dev, sb.devices.size()),
                         meta.at(at, ctx));
    out.device(locate(img, dev, block_byte(img, blk, ctx), len, ctx), len);
  }
}

}  // namespace

void stream_file(const Image& img, const Inode& ino, const Sink& sink) {
  Emitter out(img, ino, sink);
  switch (ino.layout) {
    case Layout::flat_plain:
    case Layout::flat_inline: stream_flat(img, ino, out); break;
    case Layout::chunk_based: stream_chunked(img, ino, out); break;
    case Layout::compressed_full:
    case Layout::compressed_compact:
      stream_compressed(img, ino, [&](std::span<const u8> piece) { out.bytes(piece); });
      break;
  }
  if (out.done() != ino.size) throw CorruptImage("file data shorter than i_size", out.where());
}

std::vector<u8> read_file(const Image& img, const Inode& ino, u64 max_size) {
  if (ino.size > max_size) {
    Where w;
    w.nid = ino.nid;
    throw CorruptImage(fmt::format("i_size {} exceeds the limit of {} bytes", ino.size, max_size), w);
  }
  std::vector<u8> out;
  out.reserve(ino.size);
  stream_file(img, ino, [&](std::span<const u8> piece) { out.insert(out.end(), piece.begin(), piece.end()); });
  return out;
}

std::vector<u8> read_range(const Image& img, const Inode& ino, u64 off, u64 len) {
  struct Stop {};
  std::vector<u8> out;
  if (off >= ino.size) return out;
  len = std::min(len, ino.size - off);
  out.reserve(len);
  if (ino.is_compressed()) {  // seek: map the offset and decode only the extents needed
    stream_compressed_range(img, ino, off, len, [&](std::span<const u8> piece) { out.insert(out.end(), piece.begin(), piece.end()); });
    return out;
  }
  u64 pos = 0;
  try {
    stream_file(img, ino, [&](std::span<const u8> piece) {
      u64 begin = std::max(pos, off), end = std::min(pos + piece.size(), off + len);
      if (begin < end) out.insert(out.end(), piece.begin() + (begin - pos), piece.begin() + (end - pos));
      pos += piece.size();
      if (pos >= off + len) throw Stop{};
    });
  } catch (const Stop&) {
  }
  return out;
}

void check_flat_layout(const Image& img, const Inode& ino) {
  if (ino.layout != Layout::flat_inline || ino.size == 0) return;
  // §2.8: the tail (1..bs bytes) sits right after the ibody and must not cross a block.
  const u64 bs = img.block_size();
  const u64 tail = ino.size % bs ? ino.size % bs : bs;
  if ((ino.meta_end() % bs) + tail > bs) {
    Where w;
    w.nid = ino.nid;
    img.meta_space(ino.in_metabox).fail("inline data across blocks", ino.meta_end(), w);
  }
}

bool uses_extra_device(const Image& img, const Inode& ino) {
  if (ino.layout != Layout::chunk_based || !(ino.chunk_format & od::k_chunk_format_indexes)) return false;
  if (img.sb().devices.empty()) return false;
  const util::ByteView& meta = img.meta_space(ino.in_metabox);
  const unsigned chunkbits = img.sb().blkszbits + (ino.chunk_format & od::k_chunk_format_blkbits_mask);
  const u64 base = align_up(ino.meta_end(), 8);
  const u64 count = div_round_up(ino.size, u64(1) << chunkbits);
  for (u64 k = 0; k < count && meta.contains(base + k * 8, 8); ++k)
    if (meta.read<od::ChunkIndex>(base + k * 8).device_id != 0) return true;
  return false;
}

}  // namespace core::erofs
