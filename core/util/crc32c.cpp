#include "core/util/crc32c.hpp"

#include <array>

namespace core::util {

static constexpr std::array<u32, 256> make_table() {
  std::array<u32, 256> t{};
  for (u32 i = 0; i < 256; ++i) {
    u32 c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    t[i] = c;
  }
  return t;
}

static constexpr std::array<u32, 256> k_table = make_table();

u32 crc32c_update(u32 crc, std::span<const u8> data) {
  for (u8 b : data) crc = k_table[(crc ^ b) & 0xFF] ^ (crc >> 8);
  return crc;
}

}  // namespace core::util
