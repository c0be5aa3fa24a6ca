// core/inspect/detail: the oldest kernel from the feature bits and dump.erofs' size buckets.
#include <gtest/gtest.h>

#include "core/erofs/ondisk.hpp"
#include "core/inspect/detail.hpp"

namespace od = core::erofs::ondisk;
using core::inspect::min_kernel;
using core::inspect::size_bucket;

namespace {

core::erofs::SuperInfo with_incompat(core::u32 bits) {
  core::erofs::SuperInfo sb;
  sb.feature_incompat = bits;
  return sb;
}

}  // namespace

TEST(InspectMinKernel, NoFeatureIsTheFirstNonStagingRelease) { EXPECT_EQ(min_kernel(with_incompat(0)), "5.4"); }

TEST(InspectMinKernel, EachIncompatBitRaisesItToItsRelease) {
  EXPECT_EQ(min_kernel(with_incompat(od::k_incompat_lz4_0padding)), "5.4");
  EXPECT_EQ(min_kernel(with_incompat(od::k_incompat_compr_cfgs)), "5.13");
  EXPECT_EQ(min_kernel(with_incompat(od::k_incompat_chunked_file)), "5.15");
  EXPECT_EQ(min_kernel(with_incompat(od::k_incompat_device_table)), "5.16");
  EXPECT_EQ(min_kernel(with_incompat(od::k_incompat_ztailpacking)), "5.17");
  EXPECT_EQ(min_kernel(with_incompat(od::k_incompat_fragments)), "6.1");
  EXPECT_EQ(min_kernel(with_incompat(od::k_incompat_xattr_prefixes)), "6.4");
  EXPECT_EQ(min_kernel(with_incompat(od::k_incompat_48bit)), "6.15");
  EXPECT_EQ(min_kernel(with_incompat(od::k_incompat_metabox)), "6.17");
}

TEST(InspectMinKernel, TheNewestFeatureWinsRegardlessOfBitOrder) {
  // 6.1 beats 5.17 and 5.4; versions compare numerically (5.17 > 5.4, not as strings).
  EXPECT_EQ(min_kernel(with_incompat(od::k_incompat_lz4_0padding | od::k_incompat_ztailpacking)), "5.17");
  EXPECT_EQ(min_kernel(with_incompat(od::k_incompat_fragments | od::k_incompat_ztailpacking)), "6.1");
  EXPECT_EQ(min_kernel(with_incompat(od::k_incompat_all)), "6.17");
}

TEST(InspectSizeBucket, PowersOfTwoOfKibibytesCappedAtTheLast) {
  EXPECT_EQ(size_bucket(0), 0u);
  EXPECT_EQ(size_bucket(1023), 0u);
  EXPECT_EQ(size_bucket(1024), 1u);
  EXPECT_EQ(size_bucket(2047), 1u);
  EXPECT_EQ(size_bucket(2048), 2u);
  EXPECT_EQ(size_bucket(300000), 9u);  // 292 KiB: [256, 512)
  EXPECT_EQ(size_bucket(core::u64(32768) * 1024 - 1), 15u);
  EXPECT_EQ(size_bucket(core::u64(32768) * 1024), 16u);
  EXPECT_EQ(size_bucket(~core::u64(0)), core::inspect::k_size_buckets - 1);
}
