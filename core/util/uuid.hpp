// Name-based UUIDs (RFC 9562 version 5: SHA-1 of a namespace UUID and a name).
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "core/util/ints.hpp"

namespace core::util {

using Uuid = std::array<u8, 16>;

// The RFC's URL namespace, 6ba7b811-9dad-11d1-80b4-00c04fd430c8 (Go's uuid.NameSpaceURL).
inline constexpr Uuid k_uuid_namespace_url = {0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1,
                                              0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8};

// The version-5 UUID of `name` in `ns`, as Go's uuid.NewSHA1(ns, name) and Python's
// uuid.uuid5(ns, name) compute it. Throws Error if OpenSSL cannot provide SHA-1.
Uuid uuid_v5(const Uuid& ns, std::string_view name);

// "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", lower case.
std::string to_string(const Uuid& uuid);

}  // namespace core::util
