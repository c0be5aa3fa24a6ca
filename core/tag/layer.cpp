#include "core/tag/layer.hpp"

#include <archive.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "core/util/error.hpp"
#include "core/util/uuid.hpp"

namespace core::tag {

namespace {

constexpr std::size_t k_block = 512;  // a tar header block

std::string digest_string(const util::Digest& d) { return "sha256:" + util::to_hex(d); }

// The first block of a tar stream is a header whose checksum (bytes 148..155: octal, ended by
// NUL or space) is the sum of its bytes with the checksum field read as spaces, or all zeros
// (an empty archive's end marker).
bool is_tar_header(std::span<const u8> b) {
  unsigned sum = 0;
  bool zero = true;
  for (std::size_t i = 0; i < k_block; ++i) {
    sum += (i >= 148 && i < 156) ? u8(' ') : b[i];
    zero = zero && b[i] == 0;
  }
  if (zero) return true;
  std::size_t i = 148;
  while (i < 156 && b[i] == ' ') ++i;
  unsigned value = 0;
  std::size_t digits = 0;
  for (; i < 156 && b[i] >= '0' && b[i] <= '7'; ++i, ++digits) value = value * 8 + unsigned(b[i] - '0');
  if (digits == 0 || (i < 156 && b[i] != 0 && b[i] != ' ')) return false;
  return value == sum;
}

}  // namespace

void LayerTar::Closer::operator()(archive* a) const { archive_read_free(a); }

std::string containerd_layer_uuid(const std::string& layer_digest) {
  return util::to_string(util::uuid_v5(util::k_uuid_namespace_url, "erofs:blobs/" + layer_digest));
}

void check_layer_digest(const std::string& digest) {
  const std::size_t colon = digest.find(':');
  const std::string algo = colon == std::string::npos ? std::string() : digest.substr(0, colon);
  const std::size_t want = algo == "sha256" ? 64 : algo == "sha384" ? 96 : algo == "sha512" ? 128 : 0;
  const std::string hex = colon == std::string::npos ? std::string() : digest.substr(colon + 1);
  bool ok = want != 0 && hex.size() == want;
  for (char c : hex) ok = ok && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  if (!ok)
    throw UsageError(fmt::format("--layer-digest {}: not a digest (sha256: and 64 lower-case hex digits)", digest));
}

std::string file_digest(const std::string& path) { return digest_string(util::sha256_file(path)); }

LayerTar::LayerTar(const std::string& path) : m_path(path), m_in(path), m_archive(archive_read_new()) {
  if (!m_archive) throw Error("libarchive: out of memory");
  // The compressions of OCI layers (containerd's differ takes these three); raw format: the
  // decompressed bytes are handed out as they are, for mkfs to parse.
  archive_read_support_filter_gzip(m_archive.get());
  archive_read_support_filter_zstd(m_archive.get());
  archive_read_support_format_raw(m_archive.get());
  archive_entry* entry = nullptr;
  if (archive_read_open_fd(m_archive.get(), m_in.get(), 1 << 20) != ARCHIVE_OK ||
      archive_read_next_header(m_archive.get(), &entry) != ARCHIVE_OK) {
    const char* why = archive_error_string(m_archive.get());
    throw UsageError(fmt::format("{}: not a tar archive (plain, gzip or zstd): {}", path,
                                 why ? why : (m_in.size() == 0 ? "empty file" : "unreadable")));
  }
  const char* filter = archive_filter_name(m_archive.get(), 0);
  m_compression = filter && std::string(filter) != "none" ? filter : "none";
  m_first.resize(k_block);
  std::size_t got = 0;
  while (got < k_block) {
    std::size_t n = read_some(m_first.data() + got, k_block - got);
    if (n == 0) break;
    got += n;
  }
  if (got < k_block)
    throw UsageError(fmt::format("{}: not a tar archive (plain, gzip or zstd): {} bytes{}, shorter than a header", path,
                                 got, m_compression == "none" ? "" : " after " + m_compression));
  if (!is_tar_header(m_first))
    throw UsageError(fmt::format("{}: not a tar archive (plain, gzip or zstd): no tar header at {}byte 0", path,
                                 m_compression == "none" ? "" : m_compression + "-decompressed "));
}

LayerTar::~LayerTar() = default;

std::size_t LayerTar::read_some(u8* out, std::size_t len) {
  la_ssize_t n = archive_read_data(m_archive.get(), out, len);
  if (n < 0) {
    const char* why = archive_error_string(m_archive.get());
    throw Error(fmt::format("{}: {} stream: {}", m_path, m_compression, why ? why : "read error"));
  }
  return std::size_t(n);
}

void LayerTar::pump(const std::function<void(std::span<const u8>)>& sink) {
  if (!m_first.empty()) {
    m_hash.update(m_first);
    m_size += m_first.size();
    sink(m_first);
    m_first.clear();
  }
  std::vector<u8> buf(1 << 20);
  for (std::size_t n; (n = read_some(buf.data(), buf.size())) > 0;) {
    std::span<const u8> piece(buf.data(), n);
    m_hash.update(piece);
    m_size += n;
    sink(piece);
  }
}

std::string LayerTar::diff_id() { return digest_string(m_hash.finish()); }

}  // namespace core::tag
