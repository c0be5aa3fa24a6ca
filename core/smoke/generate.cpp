#include "core/smoke/generate.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "core/erofs/ondisk.hpp"
#include "core/erofs/superblock.hpp"
#include "core/smoke/process.hpp"
#include "core/util/byte_view.hpp"
#include "core/util/error.hpp"

namespace core::smoke {

namespace {

namespace od = core::erofs::ondisk;

// Deterministic, compressible text (words from a small vocabulary), so that lz4hc really
// compresses the files of the compressed image.
std::string text(u64 seed, size_t size) {
  static const char* words[] = {"erofs", "page",  "cache", "share", "inode", "kernel", "domain", "fingerprint",
                                "block", "image", "mount", "read",  "lz4",   "layer",  "digest", "smoke"};
  std::string out;
  u64 x = seed * 0x9e3779b97f4a7c15ull + 1;
  while (out.size() < size) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    out += words[x % 16];
    out += (x >> 8) % 11 == 0 ? '\n' : ' ';
  }
  out.resize(size);
  return out;
}

void write_file(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!out) throw IoError(path, "write", errno ? errno : EIO);
}

void make_dir(const std::string& path) {
  if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) throw IoError(path, "mkdir", errno);
}

util::Digest digest_of(const std::string& data) {
  return util::sha256({reinterpret_cast<const u8*>(data.data()), data.size()});
}

void mkfs(const std::string& tool, const std::vector<std::string>& flags, const std::string& image,
          const std::string& source, const std::string& scratch) {
  std::vector<std::string> argv = {tool, "-T0", "-U", "6b0c3b5e-2f4a-4d1e-9a43-5f2d8c7e1a90", "--all-root"};
  if (std::find(flags.begin(), flags.end(), "--no-digest") == flags.end()) argv.insert(argv.begin() + 1, "--xattr-inode-digest");
  for (const std::string& f : flags)
    if (f != "--no-digest") argv.push_back(f);
  argv.push_back(image);
  argv.push_back(source);
  ProcessResult r = run_process(argv, scratch, 120);
  if (r.exit_code != 0)
    throw UsageError(fmt::format("{} failed (exit {}): {}", quote_command(argv), r.exit_code, r.err + r.out));
}

}  // namespace

std::string find_mkfs(const std::string& requested, const std::string& scratch_dir) {
  std::vector<std::string> candidates;
  if (!requested.empty()) {
    candidates.push_back(requested);
  } else {
    if (const char* env = std::getenv("MKFS_EROFS_19"); env && *env) candidates.emplace_back(env);
    candidates.emplace_back("mkfs.erofs");
  }
  for (const std::string& c : candidates) {
    std::string path = find_program(c);
    if (path.empty()) continue;
    ProcessResult r = run_process({path, "--help"}, scratch_dir, 30);
    if ((r.out + r.err).find("--xattr-inode-digest") != std::string::npos) return path;
  }
  return "";
}

void forge_fingerprint(const std::string& image, const util::Digest& from, const util::Digest& to) {
  std::vector<u8> bytes;
  {
    std::ifstream in(image, std::ios::binary);
    if (!in) throw IoError(image, "open", errno ? errno : ENOENT);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::vector<u8> needle = {'s', 'h', 'a', '2', '5', '6', ':'};
  needle.insert(needle.end(), from.begin(), from.end());
  std::vector<size_t> hits;
  for (auto it = std::search(bytes.begin(), bytes.end(), needle.begin(), needle.end()); it != bytes.end();
       it = std::search(it + 1, bytes.end(), needle.begin(), needle.end()))
    hits.push_back(static_cast<size_t>(it - bytes.begin()));
  if (hits.size() != 1)
    throw UsageError(fmt::format("{}: fingerprint value found {} times, expected once", image, hits.size()));
  std::copy(to.begin(), to.end(), bytes.begin() + static_cast<std::ptrdiff_t>(hits[0] + 7));
  // The checksum covers the superblock's block only; recompute it in case the value is there.
  if (bytes.size() >= od::k_super_offset + 128) {
    const u32 compat = load_le32(&bytes[od::k_super_offset + 0x08]);
    if (compat & od::k_compat_sb_chksum) {
      const unsigned bits = bytes[od::k_super_offset + 0x0C];
      u32 crc = erofs::superblock_checksum(util::ByteView(bytes.data(), bytes.size()), bits);
      for (int i = 0; i < 4; ++i) bytes[od::k_super_offset + 4 + i] = static_cast<u8>(crc >> (8 * i));
    }
  }
  std::ofstream out(image, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw IoError(image, "write", errno ? errno : EIO);
}

GeneratedSet generate_images(const std::string& mkfs_tool, const std::string& dir) {
  const auto start = std::chrono::steady_clock::now();
  const std::string shared = text(1, 96 * 1024);  // in a, b and c (twice): the main twin
  const std::string common = text(2, 40 * 1024);  // in a and b
  const std::string victim = text(3, 32 * 1024);  // a: its fingerprint is forged onto b's forged.txt
  const std::string forged = text(4, 32 * 1024);  // b: same size, other bytes
  const std::string small = text(5, 20 * 1024);   // a: its fingerprint is put on b's sizediff.txt
  const std::string sizediff = text(6, 24 * 1024);
  for (const char* t : {"a", "b", "c"}) make_dir(dir + "/tree-" + t);
  write_file(dir + "/tree-a/shared.txt", shared);
  write_file(dir + "/tree-a/common.txt", common);
  write_file(dir + "/tree-a/victim.txt", victim);
  write_file(dir + "/tree-a/small.txt", small);
  write_file(dir + "/tree-a/only-a.txt", text(7, 12 * 1024));
  write_file(dir + "/tree-b/shared.txt", shared);
  write_file(dir + "/tree-b/common.txt", common);
  write_file(dir + "/tree-b/forged.txt", forged);
  write_file(dir + "/tree-b/sizediff.txt", sizediff);
  write_file(dir + "/tree-b/only-b.txt", text(8, 12 * 1024));
  write_file(dir + "/tree-c/shared.txt", shared);
  write_file(dir + "/tree-c/shared-copy.txt", shared);
  write_file(dir + "/tree-c/only-c.txt", text(9, 12 * 1024));

  GeneratedSet set;
  set.images = {dir + "/a.erofs", dir + "/b.erofs", dir + "/c.erofs"};
  mkfs(mkfs_tool, {}, set.images[0], dir + "/tree-a", dir);
  mkfs(mkfs_tool, {}, set.images[1], dir + "/tree-b", dir);
  mkfs(mkfs_tool, {"-zlz4hc"}, set.images[2], dir + "/tree-c", dir);
  // For status's stage: tree a again without fingerprints (no ishare_xattrs feature).
  set.no_ishare_image = dir + "/d-no-ishare.erofs";
  mkfs(mkfs_tool, {"--no-digest"}, set.no_ishare_image, dir + "/tree-a", dir);
  forge_fingerprint(set.images[1], digest_of(forged), digest_of(victim));
  forge_fingerprint(set.images[1], digest_of(sizediff), digest_of(small));
  set.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return set;
}

}  // namespace core::smoke
