// Fixed-width integer aliases and little-endian on-disk integer types.
#pragma once

#include <cstdint>
#include <cstring>

namespace core {

using u8 = std::uint8_t;
using u16 = std::uint16_t;
using u32 = std::uint32_t;
using u64 = std::uint64_t;
using i64 = std::int64_t;

// A little-endian integer as stored on disk. Reading converts, so no field of an on-disk
// struct can be used without conversion, and byte arrays make misaligned access impossible.
template <class T>
class LittleEndian {
public:
  constexpr operator T() const {
    T v = 0;
    for (unsigned i = 0; i < sizeof(T); ++i) v |= static_cast<T>(static_cast<T>(m_b[i]) << (8 * i));
    return v;
  }
  constexpr LittleEndian& operator=(T v) {
    for (unsigned i = 0; i < sizeof(T); ++i) m_b[i] = static_cast<u8>(v >> (8 * i));
    return *this;
  }

private:
  u8 m_b[sizeof(T)] = {};
};

using ul16 = LittleEndian<u16>;
using ul32 = LittleEndian<u32>;
using ul64 = LittleEndian<u64>;

static_assert(sizeof(ul16) == 2 && sizeof(ul32) == 4 && sizeof(ul64) == 8);

inline u16 load_le16(const u8* p) { return static_cast<u16>(p[0] | (p[1] << 8)); }
inline u32 load_le32(const u8* p) {
  return static_cast<u32>(p[0]) | (static_cast<u32>(p[1]) << 8) | (static_cast<u32>(p[2]) << 16) |
         (static_cast<u32>(p[3]) << 24);
}
inline u64 load_le64(const u8* p) { return load_le32(p) | (static_cast<u64>(load_le32(p + 4)) << 32); }

constexpr u64 align_up(u64 x, u64 a) { return (x + a - 1) / a * a; }
constexpr u64 div_round_up(u64 x, u64 a) { return x / a + (x % a != 0); }

}  // namespace core
