// core/android/lp: LP metadata crafted byte by byte (one or two slots, their backups), one
// corruption per test, full error texts.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "core/android/lp.hpp"
#include "core/util/sha256.hpp"

namespace {

using namespace core;
using namespace core::android;

constexpr u32 k_max = 4096;       // metadata_max_size
constexpr u64 k_data = 1 << 16;   // first byte of the partitions' data

struct Part {
  const char* name;
  std::vector<std::pair<u64, u64>> extents;  // (byte offset on the device, bytes)
};

void put32(std::vector<u8>& b, u64 at, u32 v) {
  for (int i = 0; i < 4; ++i) b[at + i] = u8(v >> (8 * i));
}
void put64(std::vector<u8>& b, u64 at, u64 v) {
  for (int i = 0; i < 8; ++i) b[at + i] = u8(v >> (8 * i));
}
void put_digest(std::vector<u8>& b, u64 at, u64 from, u64 len) {
  const util::Digest d = util::sha256(std::span<const u8>(b.data() + from, len));
  std::memcpy(b.data() + at, d.data(), d.size());
}

// Signs the slot at `off`: tables checksum, then header checksum (over the zeroed field).
void sign(std::vector<u8>& b, u64 off) {
  u32 tables = 0;
  std::memcpy(&tables, b.data() + off + 44, 4);
  put_digest(b, off + 48, off + 128, tables);
  std::memset(b.data() + off + 12, 0, 32);
  put_digest(b, off + 12, off, 128);
}

std::vector<u64> slot_offsets(u32 slots) {
  std::vector<u64> out;
  for (u32 i = 0; i < 2 * slots; ++i) out.push_back(12288 + u64(i) * k_max);
  return out;
}

std::vector<u8> super_image(const std::vector<Part>& parts, u32 slots = 2) {
  std::vector<u8> b(k_data + 64 * 1024);
  for (u64 g : {4096u, 8192u}) {
    put32(b, g, k_lp_geometry_magic);
    put32(b, g + 4, 52);
    put32(b, g + 40, k_max);
    put32(b, g + 44, slots);
    put32(b, g + 48, 4096);
    put_digest(b, g + 8, g, 52);
  }
  std::vector<u8> tables;
  auto grow = [&](std::size_t n) {
    tables.resize(tables.size() + n);
    return tables.size() - n;
  };
  u32 extent = 0;
  for (const Part& p : parts) {
    const std::size_t at = grow(52);
    std::memcpy(tables.data() + at, p.name, std::strlen(p.name));
    put32(tables, at + 40, extent);
    put32(tables, at + 44, u32(p.extents.size()));
    extent += u32(p.extents.size());
  }
  const u32 parts_size = u32(tables.size());
  for (const Part& p : parts)
    for (const auto& [off, len] : p.extents) {
      const std::size_t at = grow(24);
      put64(tables, at, len / 512);
      put64(tables, at + 12, off / 512);
    }
  const u32 ext_size = u32(tables.size()) - parts_size;
  const std::size_t group = grow(48);
  std::memcpy(tables.data() + group, "default", 7);
  const std::size_t dev = grow(64);
  put64(tables, dev, k_data / 512);
  put64(tables, dev + 16, b.size());
  std::memcpy(tables.data() + dev + 24, "super", 5);
  for (u64 off : slot_offsets(slots)) {
    put32(b, off, k_lp_header_magic);
    b[off + 4] = 10;
    put32(b, off + 8, 128);
    put32(b, off + 44, u32(tables.size()));
    const u32 desc[4][3] = {{0, u32(parts.size()), 52},
                            {parts_size, extent, 24},
                            {parts_size + ext_size, 1, 48},
                            {parts_size + ext_size + 48, 1, 64}};
    for (int d = 0; d < 4; ++d)
      for (int k = 0; k < 3; ++k) put32(b, off + 80 + 12 * d + 4 * k, desc[d][k]);
    std::memcpy(b.data() + off + 128, tables.data(), tables.size());
    sign(b, off);
  }
  return b;
}

std::string error_of(const std::vector<u8>& b) {
  try {
    read_lp_metadata(util::ByteView(b.data(), b.size()));
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(AndroidLp, ReadsEveryPartitionOnce) {
  const auto b = super_image({{"system_a", {{k_data, 8192}}}, {"vendor_a", {{k_data + 8192, 4096}, {k_data + 16384, 512}}}});
  const LpMetadata md = read_lp_metadata(util::ByteView(b.data(), b.size()));
  EXPECT_EQ(md.slot_count, 2u);
  ASSERT_EQ(md.partitions.size(), 2u);
  EXPECT_EQ(md.partitions[0].name, "system_a");
  EXPECT_EQ(md.partitions[0].group, "default");
  EXPECT_EQ(md.partitions[1].size, 4608u);
  ASSERT_EQ(md.partitions[1].extents.size(), 2u);
  EXPECT_EQ(md.partitions[1].extents[1].device_offset, k_data + 16384);
}

TEST(AndroidLp, DamagedPrimaryIsReadFromTheBackup) {
  auto b = super_image({{"system_a", {{k_data, 8192}}}});
  b[12288 + 130] ^= 1;  // slot 0's tables
  b[4096 + 8] ^= 1;     // the primary geometry's checksum
  EXPECT_EQ(read_lp_metadata(util::ByteView(b.data(), b.size())).partitions.size(), 1u);
}

TEST(AndroidLp, ChecksumMismatchInEveryCopy) {
  auto b = super_image({{"system_a", {{k_data, 8192}}}});
  b[12288 + 130] ^= 1;
  b[12288 + 2 * k_max + 130] ^= 1;
  EXPECT_EQ(error_of(b), "super: slot 0: metadata tables checksum mismatch (byte 0x3030)");
  b = super_image({{"system_a", {{k_data, 8192}}}});
  b[4096 + 41] ^= 1;
  b[8192 + 41] ^= 1;
  EXPECT_EQ(error_of(b), "super: geometry checksum mismatch (byte 0x1008)");
}

TEST(AndroidLp, OverlappingExtents) {
  auto b = super_image({{"system_a", {{k_data, 8192}}}, {"vendor_a", {{k_data + 4096, 8192}}}});
  EXPECT_EQ(error_of(b), "super: slot 0: extents of partitions system_a and vendor_a overlap (byte 0x11000)");
}

TEST(AndroidLp, ExtentsOutsideTheDataArea) {
  auto b = super_image({{"system_a", {{4096, 8192}}}});
  EXPECT_EQ(error_of(b),
            "super: slot 0: partition system_a: extent 0: bytes 0x1000+0x2000 outside the super device's data "
            "(0x10000..0x20000) (byte 0x30c0)");
  b = super_image({{"system_a", {{k_data, u64(1) << 40}}}});
  EXPECT_EQ(error_of(b),
            "super: slot 0: partition system_a: extent 0: bytes 0x10000+0x10000000000 outside the super device's "
            "data (0x10000..0x20000) (byte 0x30c0)");
}

TEST(AndroidLp, HugeCountsAreBounded) {
  auto b = super_image({{"system_a", {{k_data, 8192}}}});
  for (u64 off : slot_offsets(2)) {
    put32(b, off + 84, 0xFFFFFFFF);  // partitions.num_entries
    sign(b, off);
  }
  EXPECT_EQ(error_of(b), "super: partition table (4294967295 entries at 0) exceeds tables_size 188 (byte 0x3050)");
  b = super_image({{"system_a", {{k_data, 8192}}}});
  for (u64 off : slot_offsets(2)) {
    put64(b, off + 128 + 52, ~u64(0));  // extent 0: 2^64-1 sectors
    sign(b, off);
  }
  EXPECT_EQ(error_of(b), "super: slot 0: partition system_a: extent 0: 18446744073709551615 sectors (byte 0x30b4)");
}

}  // namespace
