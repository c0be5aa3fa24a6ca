#include <gtest/gtest.h>

#include "core/util/uuid.hpp"

namespace {

using core::util::k_uuid_namespace_url;
using core::util::to_string;
using core::util::Uuid;
using core::util::uuid_v5;

// RFC 9562's DNS namespace, 6ba7b810-9dad-11d1-80b4-00c04fd430c8.
constexpr Uuid k_dns = {0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8};

TEST(Uuid, RfcExample) {
  // RFC 9562 appendix A.4: the v5 UUID of "www.example.com" in the DNS namespace.
  EXPECT_EQ(to_string(uuid_v5(k_dns, "www.example.com")), "2ed6657d-e927-568b-95e1-2665a8aea6a2");
}

TEST(Uuid, UrlNamespaceMatchesPython) {
  // python3: uuid.uuid5(uuid.NAMESPACE_URL, name)
  EXPECT_EQ(to_string(k_uuid_namespace_url), "6ba7b811-9dad-11d1-80b4-00c04fd430c8");
  EXPECT_EQ(to_string(uuid_v5(k_uuid_namespace_url, "erofs:blobs/sha256:" + std::string(64, '0'))),
            "c10bde68-dd4e-5792-ba63-78c7b75c15bf");
  EXPECT_EQ(to_string(uuid_v5(k_uuid_namespace_url, "")), "1b4db7eb-4057-5ddf-91e0-36dec72071f5");
}

TEST(Uuid, VersionAndVariantBits) {
  const Uuid u = uuid_v5(k_uuid_namespace_url, "x");
  EXPECT_EQ(u[6] >> 4, 5);
  EXPECT_EQ(u[8] >> 6, 2);
}

}  // namespace
