#include "core/scan/manifest_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/scan/manifest.hpp"
#include "core/util/atomic_file.hpp"
#include "core/util/error.hpp"
#include "core/util/input_file.hpp"
#include "core/util/sha256.hpp"

namespace core::scan {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::size_t k_max_small_file = 4096;  // stat and index entries

// The whole of a small cache file, or std::nullopt if it is missing or too large.
std::optional<std::string> read_small(const std::string& path, std::size_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string out(limit + 1, '\0');
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  out.resize(static_cast<std::size_t>(in.gcount()));
  if (out.size() > limit) return std::nullopt;
  return out;
}

void write_atomic(const std::string& path, const std::string& text) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec) throw IoError(fs::path(path).parent_path().string(), "mkdir", ec.value());
  util::AtomicFile out(path, 0644, nullptr);
  out.append({reinterpret_cast<const u8*>(text.data()), text.size()});
  out.commit();
}

// The record's metadata as a manifest: contents and read errors left out, input name fixed.
std::string metadata_text(InputRecord r) {
  r.name = "image";
  r.clear_contents();
  for (InputRecord::Extra& e : r.extras) e.error.clear();
  return manifest_text(r);
}

}  // namespace

ManifestCache::ManifestCache(std::string dir, std::string settings, std::string version)
    : m_dir(std::move(dir)), m_settings(std::move(settings)), m_version(std::move(version)) {}

std::optional<InputRecord> ManifestCache::lookup(std::size_t slot, const std::string& path, const InputRecord& walked) {
  if (m_pending.size() <= slot) m_pending.resize(slot + 1);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw IoError(path, "stat", errno);
  const std::string stat_line = fmt::format("{} {} {} {}", u64(st.st_size),
                                            i64(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec,
                                            i64(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec, u64(st.st_ino));
  const std::string stat_key = util::to_hex(util::sha256({reinterpret_cast<const u8*>(stat_line.data()), stat_line.size()}));
  const std::string stat_file = (fs::path(m_dir) / "stat" / stat_key).string();
  std::string digest;
  if (auto text = read_small(stat_file, k_max_small_file)) {
    digest = *text;
    while (!digest.empty() && digest.back() == '\n') digest.pop_back();
    if (digest.size() != 64 || digest.find_first_not_of("0123456789abcdef") != std::string::npos) digest.clear();
  }
  if (digest.empty()) digest = util::to_hex(util::sha256_file(path, &m_stats.image_bytes_hashed));
  m_pending[slot] = {stat_key, digest};

  auto miss = [&](const std::string& why) -> std::optional<InputRecord> {
    ++m_stats.misses;
    if (!why.empty()) m_stats.notes.push_back(fmt::format("{}: cached manifest not used: {}", path, why));
    return std::nullopt;
  };
  const std::string key = digest + "-" + m_settings;
  const std::string index_file = (fs::path(m_dir) / "index" / (key + ".json")).string();
  const std::string manifest_file = (fs::path(m_dir) / "manifests" / (key + ".ndjson")).string();
  auto index_text = read_small(index_file, k_max_small_file);
  if (!index_text) return miss("");
  json index = json::parse(*index_text, nullptr, false);
  if (!index.is_object() || !index.contains("erofs_share_cache") || index["erofs_share_cache"] != 1)
    return miss("index entry " + index_file + " is not one of this cache format");
  const json& ver = index.value("erofs_share_version", json());
  if (!ver.is_string() || ver.get<std::string>() != m_version)
    return miss(fmt::format("written by another erofs-share version (not {})", m_version));
  if (index.value("manifest_version", json()) != k_manifest_version) return miss("manifest version differs");
  if (index.value("image_sha256", json()) != digest) return miss("index entry names another image");
  // The manifest: its bytes must be the ones the index entry recorded (an edited manifest is
  // rejected), then read_manifest's bounded checks, then the metadata cross-check.
  std::ifstream in(manifest_file, std::ios::binary);
  if (!in) return miss("manifest " + manifest_file + " is missing");
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string bytes = buf.str();
  const std::string got = util::to_hex(util::sha256({reinterpret_cast<const u8*>(bytes.data()), bytes.size()}));
  if (index.value("manifest_sha256", json()) != got) return miss("manifest " + manifest_file + " was changed (its SHA-256 is not the one recorded)");
  InputRecord cached;
  try {
    cached = read_manifest(manifest_file);
  } catch (const Error& e) {
    return miss(e.what());
  }
  if (metadata_text(cached) != metadata_text(walked)) return miss("its records do not match the image's metadata");
  ++m_stats.hits;
  return cached;
}

void ManifestCache::remember(std::size_t slot, const InputRecord& record) {
  const auto& [stat_key, digest] = m_pending.at(slot);
  const std::string key = digest + "-" + m_settings;
  const std::string text = manifest_text(record);
  json index = {{"erofs_share_cache", 1},
                {"erofs_share_version", m_version},
                {"manifest_version", k_manifest_version},
                {"image_sha256", digest},
                {"manifest_sha256", util::to_hex(util::sha256({reinterpret_cast<const u8*>(text.data()), text.size()}))}};
  // The manifest first, then its index entry, then the stat entry that leads to them.
  write_atomic((fs::path(m_dir) / "manifests" / (key + ".ndjson")).string(), text);
  write_atomic((fs::path(m_dir) / "index" / (key + ".json")).string(), index.dump() + "\n");
  write_atomic((fs::path(m_dir) / "stat" / stat_key).string(), digest + "\n");
}

}  // namespace core::scan
