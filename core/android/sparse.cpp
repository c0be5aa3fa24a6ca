// Android sparse images.
//
// How the expanded image is served. The EROFS reader reads through util::ByteView, which hands
// out contiguous spans (bytes()), so a chunk-map-backed view would change every reader. Instead
// the expanded image is one anonymous private region of its full size (MAP_NORESERVE: only
// reserved address space), filled chunk by chunk:
//   - don't-care chunks and zero fill chunks are left untouched: they read as zeros from the
//     kernel's zero page and cost no memory;
//   - a raw chunk whose data sits page-aligned in the sparse file is mapped from the file over
//     its place (MAP_FIXED, private, read-only): page cache, no copy;
//   - any other raw chunk is copied from the file mapping, and the file pages are dropped after
//     the copy. img2simg writes 12-byte chunk headers, so raw data is almost never page-aligned:
//     in practice the memory held is the image's raw (non-zero) data, at most the sparse file's
//     size. That is bounded by the input, not by a constant; reading without any copy would need
//     page faults served from the chunk map (userfaultfd), which containers commonly forbid.
//   - non-zero fill chunks are written, up to SparseLimits::max_fill_bytes (a tiny file can
//     declare terabytes of fill).
//
// Where the chunks are. libsparse's API only streams (sparse_file_import + callbacks) and does
// not say where a raw chunk's data lies in the file. So the file is first imported from its
// descriptor (sparse_file_import: libsparse checks the header and every chunk header, reads are
// bounded by the file's end), then, once libsparse accepted it, imported again from our read-only mapping
// (sparse_file_import_buf keeps pointers into the buffer for raw chunks): the data pointers
// sparse_file_foreach_chunk passes back give each raw chunk's offset in the file; any other
// pointer is a fill chunk's pattern. Every chunk is checked against both sizes again here.
#include "core/android/sparse.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

extern "C" {
#include <android/sparse/sparse.h>
}

#include "core/util/error.hpp"
#include "core/util/input_file.hpp"

namespace core::android {

namespace {

struct Chunk {
  u64 block = 0, blocks = 0;
  bool raw = false;
  u64 file_offset = 0;  // raw
  u32 fill = 0;         // fill
};

struct Walk {
  const u8* base = nullptr;
  u64 file_size = 0;
  std::vector<Chunk> chunks;
};

int on_chunk(void* priv, const void* data, size_t len, unsigned int block, unsigned int nr_blocks) {
  auto* w = static_cast<Walk*>(priv);
  if (!data || len == 0) return 0;
  // libsparse may call back several times per chunk (a fill pattern in pieces): one per block.
  if (!w->chunks.empty() && w->chunks.back().block == block) return 0;
  Chunk c;
  c.block = block;
  c.blocks = nr_blocks;
  // Raw data pointers are the mapping's base plus the data's offset; the fd import read every
  // chunk header, so a raw chunk starts inside the file or, truncated right after its header,
  // at its end (then refused by the size check). Fill patterns come from libsparse's buffer.
  const auto* p = static_cast<const u8*>(data);
  if (p >= w->base && p <= w->base + w->file_size) {
    c.raw = true;
    c.file_offset = static_cast<u64>(p - w->base);
  } else if (len >= 4) {
    std::memcpy(&c.fill, p, 4);
  }
  w->chunks.push_back(c);
  return 0;
}

struct Unmap {
  u64 size;
  void operator()(u8* p) const { ::munmap(p, size); }
};

struct SparseDeleter {
  void operator()(sparse_file* s) const { sparse_file_destroy(s); }
};
using SparsePtr = std::unique_ptr<sparse_file, SparseDeleter>;

// libsparse reports why it refuses a file (with the byte offset) only through its verbose print
// hook, a process-wide function pointer: it is pointed once at this capture, which keeps the
// first message of the calling thread's current import (stderr is not core's to write).
thread_local std::string t_libsparse_said;
std::once_flag g_hook_once;

void capture_libsparse(const char* format, ...) {
  if (!t_libsparse_said.empty()) return;
  char buf[256];
  va_list ap;
  va_start(ap, format);
  std::vsnprintf(buf, sizeof(buf), format, ap);
  va_end(ap);
  std::string said(buf);
  while (!said.empty() && (said.back() == '\n' || said.back() == ' ')) said.pop_back();
  t_libsparse_said = said;
}

[[noreturn]] void refuse(const std::string& what, std::optional<u64> byte = std::nullopt) {
  Where w;
  if (byte) {
    w.byte = *byte;
    w.space = "sparse file";
  }
  throw CorruptImage("android sparse image: " + what, w);
}

}  // namespace

SparseImage::SparseImage(const std::string& path, const SparseLimits& limits) {
  util::InputFd in(path);
  // crc = false: with it libsparse would read (and CRC) every raw byte once more, 1.5 s for
  // 120 MB. Without it, libsparse seeks past raw data, so the one thing this import does not
  // prove is that the last raw chunk's data is in the file: the walk below checks every raw
  // chunk against the file's size.
  // libsparse divides by the header's block size before checking it (found by fuzz_android:
  // blk_sz 0 is a SIGFPE inside sparse_file_import): the fixed header is checked here first.
  constexpr u32 k_max_block_size = 64u << 20;
  u8 head[28] = {};
  ssize_t got;
  do got = ::pread(in.get(), head, sizeof(head), 0);
  while (got < 0 && errno == EINTR);
  if (got < 0) throw IoError(path, "read", errno);
  if (got < ssize_t(sizeof(head))) refuse(fmt::format("the file ends inside its 28-byte header ({} bytes)", got), 0);
  const auto le16 = [&](int at) { return u32(head[at] | head[at + 1] << 8); };
  const auto le32 = [&](int at) { return le16(at) | le16(at + 2) << 16; };
  if (le16(4) != 1) refuse(fmt::format("major version {} (libsparse reads 1)", le16(4)), 4);
  if (le16(8) < 28) refuse(fmt::format("file header size {} is less than 28", le16(8)), 8);
  if (le16(10) < 12) refuse(fmt::format("chunk header size {} is less than 12", le16(10)), 10);
  if (le32(12) == 0 || le32(12) % 4 != 0) refuse(fmt::format("block size {} is not a non-zero multiple of 4", le32(12)), 12);
  // libsparse allocates a block as an int-sized count: above 2 GiB it asks calloc for about
  // 2^64 bytes (found by fuzz_android). Android writes 4 KiB blocks; 64 MiB is far beyond.
  if (le32(12) > k_max_block_size)
    refuse(fmt::format("block size {} is more than {}", le32(12), k_max_block_size), 12);
  t_libsparse_said.clear();
  std::call_once(g_hook_once, [] { sparse_print_verbose = &capture_libsparse; });
  SparsePtr checked(sparse_file_import(in.get(), true, false));
  if (!checked) {
    if (t_libsparse_said.empty()) refuse("libsparse refused the header (magic, version, header sizes, block size or count)");
    refuse("libsparse: " + t_libsparse_said);
  }
  checked.reset();

  util::MappedFile file(path);
  const auto all = file.view().bytes(0, file.size());
  Walk walk;
  walk.base = all.data();
  walk.file_size = all.size();
  SparsePtr s(sparse_file_import_buf(reinterpret_cast<char*>(const_cast<u8*>(all.data())), false, false));
  if (!s) refuse("libsparse refused the mapped file");
  const u64 block = sparse_file_block_size(s.get());
  const int64_t len = sparse_file_len(s.get(), false, false);
  if (block == 0 || block % 4 != 0) refuse(fmt::format("block size {} is not a multiple of 4", block), 12);
  if (len < 0 || u64(len) > limits.max_image_bytes)
    refuse(fmt::format("expanded size {} is more than the limit {}", len, limits.max_image_bytes), 16);
  if (sparse_file_foreach_chunk(s.get(), false, false, on_chunk, &walk) < 0) refuse("libsparse could not walk the chunks");
  m_size = u64(len);
  if (m_size == 0) return;

  void* reserved = ::mmap(nullptr, m_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (reserved == MAP_FAILED) throw IoError(path, "mmap (reserve the expanded image)", errno);
  // Unmapped again if a chunk is refused below (the destructor does not run then).
  std::unique_ptr<u8, Unmap> region(static_cast<u8*>(reserved), Unmap{m_size});
  u8* const data = region.get();
  const u64 page = static_cast<u64>(::sysconf(_SC_PAGESIZE));
  u64 filled = 0, prev_end = 0;
  for (const Chunk& c : walk.chunks) {
    // Bounds: the chunk inside the expanded image (no overflow), in order, its data in the file.
    if (c.blocks == 0 || c.block > m_size / block || c.blocks > m_size / block - c.block)
      refuse(fmt::format("chunk at block {} ({} blocks) lies outside the {}-byte image", c.block, c.blocks, m_size));
    const u64 off = c.block * block, bytes = c.blocks * block;
    if (off < prev_end) refuse(fmt::format("chunk at block {} overlaps the previous one", c.block));
    prev_end = off + bytes;
    if (c.raw) {
      ++m_raw_chunks;
      if (!file.view().contains(c.file_offset, bytes))
        refuse(fmt::format("raw chunk at block {} reads past the end of the file", c.block), c.file_offset);
      if (c.file_offset % page == 0 && off % page == 0 && bytes % page == 0 &&
          ::mmap(data + off, bytes, PROT_READ, MAP_PRIVATE | MAP_FIXED, in.get(), off_t(c.file_offset)) != MAP_FAILED) {
        ++m_mapped_chunks;
        continue;
      }
      // In slices, each released from the file mapping once copied: the peak is the expanded
      // image plus one slice, not twice a chunk (img2simg writes chunks of up to 64 MiB+).
      constexpr u64 k_slice = 8 << 20;
      for (u64 done = 0; done < bytes; done += k_slice) {
        const u64 n = std::min(k_slice, bytes - done);
        std::memcpy(data + off + done, all.data() + c.file_offset + done, n);
        file.view().release(c.file_offset + done, n);
      }
      m_copied += bytes;
    } else if (c.fill != 0) {
      filled += bytes;
      if (filled > limits.max_fill_bytes)
        refuse(fmt::format("non-zero fill chunks expand to more than {} bytes", limits.max_fill_bytes));
      for (u64 i = 0; i < bytes; i += 4) std::memcpy(data + off + i, &c.fill, 4);
    }
  }
  ::mprotect(data, m_size, PROT_READ);
  m_data = region.release();
}

SparseImage::~SparseImage() {
  if (m_data) ::munmap(m_data, m_size);
}

}  // namespace core::android
