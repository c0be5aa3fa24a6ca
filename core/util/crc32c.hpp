// CRC-32C (Castagnoli). Debian 12 ships no C/C++ CRC-32C library, so this small table-driven
// implementation is ours.
#pragma once

#include <span>

#include "core/util/ints.hpp"

namespace core::util {

// Updates a raw CRC-32C register (reflected polynomial 0x82F63B78) with `data`. No initial or
// final inversion is applied: callers choose (EROFS starts at ~0 and does not invert at the end).
u32 crc32c_update(u32 crc, std::span<const u8> data);

}  // namespace core::util
