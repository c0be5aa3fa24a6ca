#include "tests/compressed/ztree.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace ztest {

namespace fs = std::filesystem;

namespace {

// splitmix64: tiny, deterministic, good enough to make incompressible bytes.
struct Rng {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
};

std::string random_bytes(Rng& rng, std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; i += 8) {
    std::uint64_t v = rng.next();
    std::memcpy(s.data() + i, &v, std::min<std::size_t>(8, n - i));
  }
  return s;
}

// Text from a small vocabulary: compresses about 3-4x with every algorithm.
std::string text_bytes(Rng& rng, std::size_t n) {
  static const char* k_words[] = {"erofs", "pcluster", "lcluster", "extent", "fragment", "dedupe", "inode",
                                  "block", "kernel", "page", "cache", "share", "the", "of", "a", "and",
                                  "compressed", "mapping", "index", "head", "tail", "packed", "zstd", "lzma"};
  std::string s;
  s.reserve(n + 16);
  unsigned col = 0;
  while (s.size() < n) {
    std::uint64_t r = rng.next();
    s += k_words[r % (sizeof(k_words) / sizeof(k_words[0]))];
    col += 1;
    if (r >> 60 == 0) s += std::to_string(r >> 40);
    s += (col % 12 == 0) ? '\n' : ' ';
  }
  s.resize(n);
  return s;
}

void write_file(const fs::path& p, const std::string& data) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!f) throw std::runtime_error("cannot write " + p.string());
}

// A sparse file: `data` written at each offset, holes elsewhere, total length `size`.
void write_sparse(const fs::path& p, std::uint64_t size, const std::vector<std::pair<std::uint64_t, std::string>>& pieces) {
  write_file(p, "");
  std::fstream f(p, std::ios::binary | std::ios::in | std::ios::out);
  for (const auto& [off, data] : pieces) {
    f.seekp(static_cast<std::streamoff>(off));
    f.write(data.data(), static_cast<std::streamsize>(data.size()));
  }
  f.close();
  if (!f) throw std::runtime_error("cannot write " + p.string());
  fs::resize_file(p, size);
}

void symlink_to(const std::string& target, const fs::path& p) {
  if (::symlink(target.c_str(), p.c_str()) != 0)
    throw std::runtime_error("symlink " + p.string() + ": " + std::strerror(errno));
}

}  // namespace

void build_ztree(const fs::path& root, TreeSize size) {
  const bool full = size == TreeSize::full;
  const std::size_t mib = full ? (std::size_t(1) << 20) : (std::size_t(1) << 16);  // scale unit
  Rng rng{0x5eed'c0de'0000'0019ull};

  // Edge sizes around one block (and empty / one byte).
  write_file(root / "empty", "");
  write_file(root / "one", "x");
  for (std::size_t n : {4095, 4096, 4097, 8191, 12289}) write_file(root / ("text_" + std::to_string(n)), text_bytes(rng, n));
  write_file(root / "random_4097", random_bytes(rng, 4097));

  // Multi-MiB compressible and incompressible data.
  const std::string text = text_bytes(rng, 3 * mib + 777);
  write_file(root / "text_big", text);
  write_file(root / "random_big", random_bytes(rng, 2 * mib + 4321));
  // Alternating 40 KiB runs: pclusters flip between compressed and stored uncompressed.
  std::string mixed;
  for (unsigned i = 0; mixed.size() < 3 * mib / 2; ++i)
    mixed += (i % 2) ? random_bytes(rng, 40 * 1024 + i) : text_bytes(rng, 40 * 1024 - i);
  write_file(root / "mixed", mixed);
  write_file(root / "zeros", std::string(mib, '\0'));

  // Sparse: holes compress to almost nothing but must read back as zeros.
  write_sparse(root / "sparse", 8 * mib + 5000,
               {{0, text_bytes(rng, 3000)}, {4 * mib + 123, random_bytes(rng, 5000)}, {8 * mib, "tail"}});

  // Duplicates for dedupe: a whole copy, a shifted copy and a copy with a changed middle (the
  // full tree keeps them at 1 MiB: dedupe runs use the small tree, where they are whole).
  const std::size_t dup = full ? mib : text.size();
  write_file(root / "text_big.copy", text.substr(0, dup));
  write_file(root / "text_big.shifted", text_bytes(rng, 1234) + text.substr(0, dup * 2 / 3));
  std::string patched = text.substr(0, dup / 3 + 100) + random_bytes(rng, 9000) + text.substr(dup / 3 + 9100, dup / 2);
  write_file(root / "text_big.patched", patched);

  // Tails of every shape for ztailpacking / fragments.
  for (std::size_t n : {5000, 20000, 65537, 70000, 131071}) {
    if (!full && n > 70000) continue;
    write_file(root / ("tail_" + std::to_string(n)), text_bytes(rng, n));
  }

  // Symlinks: short, and a long target (not inlineable, may itself be compressed).
  symlink_to("text_big", root / "link");
  std::string long_target;
  while (long_target.size() < 3000) long_target += std::string(99, 'L') + "/";
  symlink_to(long_target + "target", root / "link_long");

  // A directory with many entries (several directory blocks; compressed with --zD).
  fs::create_directory(root / "many");
  const unsigned entries = full ? 600 : 150;
  for (unsigned i = 0; i < entries; ++i) {
    std::string name = "entry_with_a_longish_name_" + std::to_string(i);
    if (i % 7 == 0)
      write_file(root / "many" / name, text_bytes(rng, 100 + i * 13));
    else if (i % 7 == 1)
      symlink_to("../text_4097", root / "many" / name);
    else
      write_file(root / "many" / name, std::to_string(i) + "\n");
  }
  fs::create_directories(root / "deep" / "a" / "b" / "c");
  write_file(root / "deep" / "a" / "b" / "c" / "leaf", text_bytes(rng, 10000));
}

}  // namespace ztest
