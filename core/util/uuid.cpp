#include "core/util/uuid.hpp"

#include <openssl/evp.h>

#include <cstring>
#include <vector>

#include "core/util/error.hpp"
#include "core/util/sha256.hpp"

namespace core::util {

Uuid uuid_v5(const Uuid& ns, std::string_view name) {
  std::vector<u8> in(ns.begin(), ns.end());
  in.insert(in.end(), name.begin(), name.end());
  u8 md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  if (EVP_Digest(in.data(), in.size(), md, &len, EVP_sha1(), nullptr) != 1 || len != 20)
    throw Error("OpenSSL: SHA-1 failed");
  Uuid u{};
  std::memcpy(u.data(), md, u.size());
  u[6] = u8((u[6] & 0x0f) | 0x50);  // version 5
  u[8] = u8((u[8] & 0x3f) | 0x80);  // RFC variant
  return u;
}

std::string to_string(const Uuid& uuid) {
  std::string hex = to_hex(uuid);
  return hex.substr(0, 8) + '-' + hex.substr(8, 4) + '-' + hex.substr(12, 4) + '-' + hex.substr(16, 4) + '-' +
         hex.substr(20);
}

}  // namespace core::util
