#include "tests/compressed/zcheck.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "core/erofs/data.hpp"
#include "core/erofs/dir.hpp"
#include "core/erofs/fingerprint.hpp"
#include "core/erofs/ondisk.hpp"
#include "core/erofs/xattr.hpp"
#include "core/erofs/zmap.hpp"

namespace ztest {

namespace fs = std::filesystem;
using namespace core;
using namespace core::erofs;

namespace {

std::string read_source(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Every entry below `root` (image-style paths), without following symlinks.
std::map<std::string, fs::path> source_paths(const fs::path& root) {
  std::map<std::string, fs::path> out;
  out["/"] = root;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it)
    out["/" + it->path().lexically_relative(root).string()] = it->path();
  return out;
}

void add_coverage(const Image& img, const Inode& ino, Coverage& cov, bool special = false) {
  if (special) ++cov.special_inodes;
  else if (ino.type == FileType::dir) ++cov.compressed_dirs;
  else if (ino.type == FileType::symlink) ++cov.compressed_symlinks;
  else if (ino.type == FileType::file) ++cov.compressed_files;
  if (ino.size == 0) return;
  ZMap map(img, ino);
  std::string kind = map.index_kind();
  if (kind == "full") ++cov.full_index;
  if (kind == "compact") {
    ++cov.compact_index;
    // 2-byte packs exist only when the advise bit is set and enough lclusters follow.
    u64 n = div_round_up(ino.size, img.block_size());
    if ((map.advise() & ondisk::k_zadvise_compacted_2b) && n >= 16 + 8) ++cov.compact_2b;
  }
  if (kind == "extents") {
    ++cov.extents;
    cov.extent_record_sizes.insert(map.extent_record_size());
  }
  if (map.whole_fragment()) {
    ++cov.whole_fragments;
    return;
  }
  std::map<std::pair<bool, u64>, unsigned> uses;
  for (u64 pos = 0; pos < ino.size;) {
    ZExtent e = map.map(pos);
    switch (e.kind) {
      case ZKind::hole: ++cov.holes; break;
      case ZKind::fragment: ++cov.tail_fragments; break;
      case ZKind::shifted: ++cov.shifted; break;
      case ZKind::interlaced: ++cov.interlaced; break;
      case ZKind::compressed: cov.algorithms.insert(e.algorithm); break;
    }
    if (e.kind != ZKind::hole && e.kind != ZKind::fragment) {
      if (uses[{e.in_meta, e.pa}]++ == 0) {
        ++cov.pclusters;
        if (e.plen > img.block_size()) ++cov.big_pclusters;
      }
      if (e.in_meta) ++cov.inline_tails;
      if (e.partial_ref) ++cov.partial_refs;
    }
    pos = e.la + e.llen;
  }
  for (const auto& [k, n] : uses)
    if (n > 1) ++cov.shared_pclusters;
}

// Offsets that hit block and extent boundaries plus a few pseudo-random ones.
std::vector<std::pair<u64, u64>> probe_ranges(u64 size, u64 seed) {
  std::vector<std::pair<u64, u64>> r;
  if (size == 0) return r;
  for (u64 off : {u64(0), u64(1), u64(4095), u64(4096), u64(4097), size / 2, size - 1, size > 70000 ? size - 70000 : 0})
    if (off < size) r.emplace_back(off, std::min<u64>(size - off, 9000));
  u64 x = seed | 1;
  for (int i = 0; i < 4; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    u64 off = x % size;
    r.emplace_back(off, 1 + (x >> 20) % 200000);
  }
  return r;
}

}  // namespace

std::string Coverage::describe() const {
  std::string algs;
  for (unsigned a : algorithms) algs += fmt::format("{}{}", algs.empty() ? "" : "+", a);
  std::string recs;
  for (unsigned r : extent_record_sizes) recs += fmt::format("{}{}", recs.empty() ? "" : "/", r);
  return fmt::format(
      "files {} dirs {} symlinks {} packed/metabox {} metabox-inodes {} | full {} compact {} (2B {}) extents {} (rec {}) | algs {} | "
      "pclusters {} big {} shifted {} interlaced {} inline {} tail-frag {} whole-frag {} partial {} shared {} "
      "holes {} | fingerprints {} bytes {} range-reads {}",
      compressed_files, compressed_dirs, compressed_symlinks, special_inodes, metabox_inodes, full_index, compact_index, compact_2b,
      extents, recs, algs, pclusters, big_pclusters, shifted, interlaced, inline_tails, tail_fragments,
      whole_fragments, partial_refs, shared_pclusters, holes, fingerprints_checked, content_bytes, range_reads);
}

std::string CheckResult::summary(std::size_t max) const {
  std::string s;
  for (std::size_t i = 0; i < mismatches.size() && i < max; ++i) s += mismatches[i] + "\n";
  if (mismatches.size() > max) s += fmt::format("... and {} more\n", mismatches.size() - max);
  return s;
}

CheckResult check_image(const Image& img, const fs::path& source, bool check_digests) {
  CheckResult res;
  auto bad = [&](const std::string& path, const std::string& what) { res.mismatches.push_back(path + ": " + what); };
  std::map<std::string, fs::path> src = source_paths(source);
  std::map<std::string, Inode> seen;
  walk_tree(img, [&](const std::string& path, const Inode& ino) { seen.emplace(path, ino); });

  for (const auto& [path, full] : src)
    if (!seen.count(path)) bad(path, "missing from the image");
  for (const auto& [path, ino] : seen) {
    auto it = src.find(path);
    if (it == src.end()) {
      bad(path, "not in the source");
      continue;
    }
    const fs::path& p = it->second;
    try {
      if (ino.in_metabox) ++res.coverage.metabox_inodes;
      if (ino.is_compressed()) add_coverage(img, ino, res.coverage);
      if (ino.type == FileType::symlink) {
        auto got = read_file(img, ino, 1 << 16);
        std::string want = fs::read_symlink(p).string();
        if (std::string(got.begin(), got.end()) != want) bad(path, "symlink target differs");
        continue;
      }
      if (ino.type != FileType::file) continue;
      const std::string want = read_source(p);
      if (ino.size != want.size()) {
        bad(path, fmt::format("size {} != source {}", ino.size, want.size()));
        continue;
      }
      // End to end, streamed: the path every hash takes.
      u64 pos = 0;
      std::optional<u64> first_diff;
      stream_file(img, ino, [&](std::span<const u8> piece) {
        if (!first_diff) {
          for (std::size_t i = 0; i < piece.size(); ++i)
            if (pos + i >= want.size() || u8(want[pos + i]) != piece[i]) {
              first_diff = pos + i;
              break;
            }
        }
        pos += piece.size();
      });
      if (first_diff) bad(path, fmt::format("content differs from byte {}", *first_diff));
      res.coverage.content_bytes += pos;
      // Random access (the seek path for compressed inodes).
      for (auto [off, len] : probe_ranges(ino.size, ino.nid * 7919 + ino.size)) {
        auto got = read_range(img, ino, off, len);
        u64 n = std::min<u64>(len, ino.size - off);
        ++res.coverage.range_reads;
        if (got.size() != n || std::memcmp(got.data(), want.data() + off, n) != 0)
          bad(path, fmt::format("read_range({}, {}) differs", off, len));
      }
      if (check_digests && ino.size > 0) {
        StoredFingerprint fp = stored_fingerprint(img, read_xattrs(img, ino));
        if (fp.state != FingerprintState::valid) {
          bad(path, fmt::format("fingerprint {}", fingerprint_state_name(fp.state)));
        } else {
          ++res.coverage.fingerprints_checked;
          if (content_digest(img, ino) != fp.digest) bad(path, "content_digest differs from the stored fingerprint");
        }
      }
    } catch (const core::Error& e) {
      bad(path, std::string("error: ") + e.what());
    }
  }
  // The packed inode (fragments) and the metabox inode are not in the tree; they were read
  // above through every fragment and metabox inode, and their layouts count too.
  try {
    const SuperInfo& sb = img.sb();
    if (sb.has_incompat(ondisk::k_incompat_fragments) && sb.packed_nid != 0) {
      Inode p = read_inode(img, sb.packed_nid);
      if (p.is_compressed()) add_coverage(img, p, res.coverage, true);
    }
    if (sb.has_incompat(ondisk::k_incompat_metabox)) {
      Inode m = read_inode(img, sb.metabox_nid);
      if (m.is_compressed()) add_coverage(img, m, res.coverage, true);
    }
  } catch (const core::Error& e) {
    bad("(packed/metabox inode)", std::string("error: ") + e.what());
  }
  return res;
}

}  // namespace ztest
