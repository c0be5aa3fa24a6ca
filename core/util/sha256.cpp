#include "core/util/sha256.hpp"

#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "core/util/error.hpp"
#include "core/util/input_file.hpp"

namespace core::util {

struct Sha256::Ctx {
  EVP_MD_CTX* md = nullptr;
  ~Ctx() { EVP_MD_CTX_free(md); }
};

static void init(EVP_MD_CTX* md) {
  if (EVP_DigestInit_ex(md, EVP_sha256(), nullptr) != 1) throw Error("OpenSSL: SHA-256 init failed");
}

Sha256::Sha256() : m_ctx(std::make_unique<Ctx>()) {
  m_ctx->md = EVP_MD_CTX_new();
  if (!m_ctx->md) throw Error("OpenSSL: out of memory");
  init(m_ctx->md);
}

Sha256::~Sha256() = default;

void Sha256::update(std::span<const u8> data) {
  if (!data.empty() && EVP_DigestUpdate(m_ctx->md, data.data(), data.size()) != 1)
    throw Error("OpenSSL: SHA-256 update failed");
}

void Sha256::update_zeros(u64 count) {
  static const u8 k_zeros[64 * 1024] = {};
  while (count > 0) {
    u64 n = count < sizeof(k_zeros) ? count : sizeof(k_zeros);
    update({k_zeros, static_cast<std::size_t>(n)});
    count -= n;
  }
}

Digest Sha256::finish() {
  Digest d{};
  unsigned len = 0;
  if (EVP_DigestFinal_ex(m_ctx->md, d.data(), &len) != 1 || len != d.size())
    throw Error("OpenSSL: SHA-256 final failed");
  init(m_ctx->md);
  return d;
}

Digest sha256(std::span<const u8> data) {
  Sha256 h;
  h.update(data);
  return h.finish();
}

std::string to_hex(std::span<const u8> bytes) {
  static const char k_digits[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (u8 b : bytes) {
    s += k_digits[b >> 4];
    s += k_digits[b & 15];
  }
  return s;
}

Digest sha256_file(const std::string& path, u64* bytes_read) {
  InputFd in(path);
  Sha256 h;
  std::vector<u8> buf(1 << 20);
  for (;;) {
    const ssize_t n = ::read(in.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw IoError(path, "read", errno);
    if (n == 0) break;
    h.update({buf.data(), std::size_t(n)});
    if (bytes_read) *bytes_read += u64(n);
  }
  return h.finish();
}

}  // namespace core::util
