#include "core/util/sha256.hpp"

#include <openssl/evp.h>

#include "core/util/error.hpp"

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

}  // namespace core::util
