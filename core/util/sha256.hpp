// Streaming SHA-256 through OpenSSL's EVP interface.
#pragma once

#include <array>
#include <memory>
#include <span>
#include <string>

#include "core/util/ints.hpp"

namespace core::util {

using Digest = std::array<u8, 32>;

class Sha256 {
public:
  Sha256();  // throws Error if OpenSSL cannot provide SHA-256
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::span<const u8> data);
  // Feeds `count` zero bytes (file holes).
  void update_zeros(u64 count);
  // Returns the digest; the object can be reused afterwards.
  Digest finish();

private:
  struct Ctx;
  std::unique_ptr<Ctx> m_ctx;
};

// SHA-256 of a byte string in one call.
Digest sha256(std::span<const u8> data);

// SHA-256 of a whole file (an input: regular file or block device, see input_file.hpp), read in
// 1 MiB steps; adds the bytes read to `*bytes_read` when given. Throws IoError.
Digest sha256_file(const std::string& path, u64* bytes_read = nullptr);

// Lower-case hex of arbitrary bytes.
std::string to_hex(std::span<const u8> bytes);

}  // namespace core::util
