// Container layers as scan inputs, and the overlay view applied to them.
#include "core/scan/input_container.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <libdeflate.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <memory>

#include <fmt/format.h>

#include "core/erofs/image.hpp"
#include "core/scan/tar_reader.hpp"
#include "core/util/error.hpp"
#include "core/util/sha256.hpp"

namespace core::scan {

namespace {

struct ArchiveCloser {
  void operator()(archive* a) const { archive_read_free(a); }
};

std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

// The tar reader reads the uncompressed stream through a second archive object: `raw` only
// decompresses (libarchive's filters, format "raw"), and every block it hands on is also hashed,
// so the diffID is checked in the same pass.
struct Unpacked {
  archive* raw = nullptr;
  util::Sha256 hash;
  bool eof = false;
  bool hashing = true;  // false: the diffID needs no check of its own
};

la_ssize_t read_unpacked(archive* tar, void* data, const void** buf) {
  auto* u = static_cast<Unpacked*>(data);
  if (u->eof) return 0;
  size_t len = 0;
  la_int64_t off = 0;
  const int r = archive_read_data_block(u->raw, buf, &len, &off);
  if (r == ARCHIVE_EOF) {
    u->eof = true;
    return 0;
  }
  if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
    archive_set_error(tar, archive_errno(u->raw), "%s", archive_error_string(u->raw) ? archive_error_string(u->raw) : "read error");
    return -1;
  }
  if (u->hashing) u->hash.update({static_cast<const u8*>(*buf), len});
  return static_cast<la_ssize_t>(len);
}

// Gzip layers are inflated whole by libdeflate, about 2.5x zlib's speed (zlib's inflate_fast was
// two thirds of a scan's time), into anonymous memory taken from one budget for the whole
// process: a quarter of physical memory, at most 3 GiB (container-scan-vs-zcat.sh's 1.3 GiB base
// layer and the 0.8 GiB one read beside it both fit; with 2 GiB the latter was streamed, at
// zlib's speed). The size comes from the gzip trailer (ISIZE, the size mod 2^32) and is only a
// guess: a layer that does not fit the budget at the time, or whose one member does not inflate
// to exactly that size over the whole blob (several members, trailing bytes, bad data, a size
// past 4 GiB), is streamed through libarchive's gzip filter as before, so its errors are the
// same (the wasted pass is at most the budget's worth of output).
std::atomic<u64> g_inflate_used{0};

u64 inflate_budget() {
  static const u64 budget = [] {
    const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
    const u64 phys = pages > 0 && page > 0 ? static_cast<u64>(pages) * static_cast<u64>(page) : 0;
    return std::min<u64>(phys / 4, u64(3) << 30);
  }();
  return budget;
}

class Inflated {
public:
  Inflated() = default;
  Inflated(const Inflated&) = delete;
  Inflated& operator=(const Inflated&) = delete;
  ~Inflated() { reset(); }
  // Gives the memory back (to the system and to the budget).
  void reset() {
    if (m_map) ::munmap(m_map, m_reserved);
    if (m_reserved) g_inflate_used -= m_reserved;
    m_map = nullptr;
    m_reserved = m_size = 0;
  }
  // Takes `n` bytes of the budget and maps them; false if the budget has no room now.
  bool reserve(std::size_t n) {
    u64 used = g_inflate_used.load();
    do {
      if (used + n > inflate_budget()) return false;
    } while (!g_inflate_used.compare_exchange_weak(used, used + n));
    m_reserved = n;
    void* p = ::mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
      reset();
      return false;
    }
    m_map = p;
    return true;
  }
  u8* data() const { return static_cast<u8*>(m_map); }
  std::size_t size() const { return m_size; }
  void set_size(std::size_t n) { m_size = n; }

private:
  void* m_map = nullptr;
  std::size_t m_reserved = 0;
  std::size_t m_size = 0;
};

struct FreeDecompressor {
  void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
};

// The whole tar of a one-member gzip blob, or false (then stream it).
bool inflate_whole(std::span<const u8> in, Inflated& out) {
  if (in.size() < 18 || in[0] != 0x1f || in[1] != 0x8b) return false;
  const std::size_t isize = static_cast<std::size_t>(in[in.size() - 4]) | std::size_t(in[in.size() - 3]) << 8 |
                            std::size_t(in[in.size() - 2]) << 16 | std::size_t(in[in.size() - 1]) << 24;
  if (isize == 0 || !out.reserve(isize)) return false;
  std::unique_ptr<libdeflate_decompressor, FreeDecompressor> d(libdeflate_alloc_decompressor());
  if (!d) {
    out.reset();
    return false;
  }
  std::size_t in_used = 0, got = 0;
  const libdeflate_result r =
      libdeflate_gzip_decompress_ex(d.get(), in.data(), in.size(), out.data(), isize, &in_used, &got);
  if (r != LIBDEFLATE_SUCCESS || in_used != in.size() || got != isize) {
    out.reset();
    return false;
  }
  out.set_size(got);
  return true;
}

LoadedInput load_tar_layer(const container::Layer& layer, const LayerModel& model, const container::Limits& limits,
                           ReadCounters& counters, container::LayerTree& tree) {
  std::span<const u8> bytes = layer.blob.bytes();
  Inflated whole;  // outlives the archives, which read it
  if (inflate_whole(bytes, whole)) bytes = {whole.data(), whole.size()};
  std::unique_ptr<archive, ArchiveCloser> raw(archive_read_new());
  std::unique_ptr<archive, ArchiveCloser> a(archive_read_new());
  if (!raw || !a) throw Error("libarchive: out of memory");
  archive_read_support_filter_all(raw.get());
  archive_read_support_format_raw(raw.get());
  archive_entry* entry = nullptr;
  if (archive_read_open_memory(raw.get(), bytes.data(), bytes.size()) != ARCHIVE_OK ||
      archive_read_next_header(raw.get(), &entry) != ARCHIVE_OK)
    throw Error(fmt::format("{}: not a tar layer ({})", layer.name,
                            archive_error_string(raw.get()) ? archive_error_string(raw.get()) : "empty"));
  Unpacked unpacked;
  unpacked.raw = raw.get();
  // An uncompressed layer's blob digest is its diffID, and verify_layer has checked the blob:
  // hashing the same bytes again would check nothing new.
  unpacked.hashing = !layer.diff_id.empty() && layer.diff_id != layer.digest;
  archive_read_support_format_tar(a.get());
  if (archive_read_open(a.get(), &unpacked, nullptr, read_unpacked, nullptr) != ARCHIVE_OK)
    throw Error(fmt::format("{}: not a tar layer ({})", layer.name,
                            archive_error_string(a.get()) ? archive_error_string(a.get()) : "unknown format"));
  TarRules rules;
  rules.layer = &model;
  rules.limits = &limits;
  rules.tree = &tree;
  LoadedInput out;
  out.record = read_tar(a.get(), layer.name, rules, counters);
  // The diffID covers the whole stream, the padding after the tar's end too.
  const void* buf = nullptr;
  while (read_unpacked(a.get(), &unpacked, &buf) > 0) {
  }
  if (!unpacked.eof) throw Error(fmt::format("{}: {}", layer.name, archive_error_string(a.get())));
  if (!unpacked.hashing) return out;
  const std::string got = "sha256:" + util::to_hex(unpacked.hash.finish());
  if (got != layer.diff_id)
    throw Error(fmt::format("{}: diffID mismatch: the uncompressed layer has {}, the image config says {}", layer.name,
                            got, layer.diff_id));
  return out;
}

}  // namespace

LayerModel parse_layer_mkfs_options(std::string_view options) {
  LayerModel m;
  const std::vector<std::string> w = words(options);
  for (std::size_t i = 0; i < w.size(); ++i) {
    const std::string& o = w[i];
    auto value = [&](std::size_t n) -> std::string {  // "-zX" or "-z X"
      if (o.size() > n) return o.substr(n);
      if (i + 1 >= w.size()) throw UsageError(fmt::format("--layer-mkfs-options: {} needs a value", o));
      return w[++i];
    };
    if (o.starts_with("-z")) {
      m.compressed = !value(2).empty();
    } else if (o == "--xattr-inode-digest") {
      m.tagged = true;
    } else if (o.starts_with("--xattr-inode-digest=")) {
      m.tagged = true;
      m.xattr_name = o.substr(std::string_view("--xattr-inode-digest=").size());
      if (m.xattr_name.empty()) throw UsageError("--layer-mkfs-options: --xattr-inode-digest= needs a name");
    } else if (o.starts_with("-b")) {
      const std::string v = value(2);
      unsigned long b = 0;
      try {
        b = std::stoul(v);
      } catch (const std::exception&) {
      }
      if (b < 512 || b > 65536 || (b & (b - 1)))
        throw UsageError(fmt::format("--layer-mkfs-options: -b {}: not a block size", v));
      m.block_size = static_cast<u32>(b);
    } else if (o.starts_with("-E")) {
      const std::string v = value(2);
      for (std::size_t at = 0; at <= v.size();) {
        std::size_t end = v.find(',', at);
        if (end == std::string::npos) end = v.size();
        const std::string f = v.substr(at, end - at);
        if (f == "ztailpacking" || f == "fragments" || f == "all-fragments" || f.starts_with("fragments=")) m.packs_tails = true;
        at = end + 1;
      }
    } else if (o.starts_with("-C") || o.starts_with("-T") || o.starts_with("-U")) {
      value(2);  // layout details that change neither classes nor fingerprints
    } else if (o == "--quiet" || o == "--aufs" || o == "--tar=f" || o == "--ovlfs-strip=1" || o == "--ovlfs-strip=0") {
    } else {
      throw UsageError(fmt::format(
          "--layer-mkfs-options: {} is not modelled (known: -z<alg>, --xattr-inode-digest[=NAME], -b<size>, "
          "-E..., -C..., -T..., -U..., --quiet)",
          o));
    }
  }
  return m;
}

LoadedInput load_layer(const container::Layer& layer, const LayerModel& model, const container::Limits& limits,
                       ReadCounters& counters, container::LayerTree& tree) {
  if (layer.format == container::LayerFormat::tar) return load_tar_layer(layer, model, limits, counters, tree);
  erofs::OpenOptions open;
  std::vector<std::span<const u8>> devices;
  if (!layer.devices.empty())
    throw Unsupported(fmt::format("{}: EROFS layers with extra devices are not read yet", layer.name));
  auto image = std::make_unique<erofs::Image>(layer.blob.bytes(), layer.name, open);
  if (image->sb().inos > limits.max_layer_entries)
    throw Error(fmt::format("{}: {} inodes, more than {} (see --max-layer-entries)", layer.name, image->sb().inos,
                            limits.max_layer_entries));
  LoadedInput in = load_erofs_image(std::move(image), layer.name, &tree);
  // The record's source reads through the image, which reads the blob's mapping: keep it.
  return in;
}

void apply_overlay(const container::OverlayView& view, std::vector<InputRecord*> layers, u32 page_size) {
  for (u32 i = 0; i < layers.size(); ++i) {
    InputRecord& rec = *layers[i];
    // A layer no known image uses (a node whose metadata is not there) is a mount of its own.
    if (view.users(i) == 0) continue;
    rec.users = view.users(i);
    std::size_t out = 0;
    for (std::size_t k = 0; k < rec.files.size(); ++k) {
      FileRecord& f = rec.files[k];
      if (!rec.keep_paths(f, [&](const std::string& p) { return view.visible(i, p); })) {
        ++rec.hidden_files;
        rec.hidden_bytes += page_bytes(f.size, page_size);
        continue;
      }
      if (out != k) rec.files[out] = std::move(f);
      ++out;
    }
    rec.files.resize(out);
  }
}

}  // namespace core::scan
