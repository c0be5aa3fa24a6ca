// A small self-contained SHA-256 (FIPS 180-4) for the static probe, which links no OpenSSL.
#pragma once

#include <cstddef>
#include <cstdint>

namespace probe {

class Sha256 {
public:
  Sha256();
  void update(const void* data, std::size_t len);
  // Writes 64 lower-case hex digits and a NUL into `hex`.
  void finish_hex(char hex[65]);

private:
  void block(const std::uint8_t* p);
  std::uint32_t m_h[8];
  std::uint8_t m_buf[64];
  std::size_t m_used = 0;
  std::uint64_t m_total = 0;
};

}  // namespace probe
