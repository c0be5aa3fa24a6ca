// Linux versions and the first release that mounts each incompat feature (format reference
// §1.3, the "since" column of dump.erofs' table).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/util/ints.hpp"

namespace core::lint {

struct KernelVersion {
  unsigned major = 0;
  unsigned minor = 0;
  auto operator<=>(const KernelVersion&) const = default;
};

// The first kernel with inode page-cache sharing (ISHARE_XATTRS, §6).
inline constexpr KernelVersion k_ishare_kernel{7, 0};

// Parses "6.12" or "6.12.3" (the patch level is ignored); nullopt otherwise.
std::optional<KernelVersion> parse_kernel_version(std::string_view text);
std::string to_string(KernelVersion version);

struct FeatureKernel {
  bool incompat;      // incompat (mount refused without it) or compat bit
  u32 bit;
  const char* name;   // dump.erofs' name
  KernelVersion since;
};

// Incompat features and compression algorithms with the first kernel that supports them.
std::span<const FeatureKernel> incompat_feature_kernels();

struct AlgorithmKernel {
  unsigned algorithm;  // bit number in available_compr_algs (§5.3)
  const char* name;
  KernelVersion since;
};
std::span<const AlgorithmKernel> algorithm_kernels();

}  // namespace core::lint
