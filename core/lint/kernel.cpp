#include "core/lint/kernel.hpp"

#include <charconv>

#include <fmt/format.h>

#include "core/erofs/ondisk.hpp"

namespace core::lint {

namespace od = erofs::ondisk;

namespace {

// §1.3: "since" = first mainline release that mounts the feature.
constexpr FeatureKernel k_incompat[] = {
    {true, od::k_incompat_lz4_0padding, "0padding", {5, 4}},
    {true, od::k_incompat_compr_cfgs, "compr_cfgs", {5, 13}},
    {true, od::k_incompat_chunked_file, "chunked_file", {5, 15}},
    {true, od::k_incompat_device_table, "device_table", {5, 16}},
    {true, od::k_incompat_ztailpacking, "ztailpacking", {5, 17}},
    {true, od::k_incompat_fragments, "fragments", {6, 1}},
    {true, od::k_incompat_xattr_prefixes, "xattr_prefixes", {6, 4}},
    {true, od::k_incompat_48bit, "48bit", {6, 15}},
    {true, od::k_incompat_metabox, "metabox", {6, 17}},
};

// §5.3, with the release each decompressor was merged in.
constexpr AlgorithmKernel k_algorithms[] = {
    {0, "lz4", {5, 4}},
    {1, "lzma", {5, 16}},
    {2, "deflate", {6, 6}},
    {3, "zstd", {6, 10}},
};

bool parse_number(std::string_view s, unsigned& out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

std::optional<KernelVersion> parse_kernel_version(std::string_view text) {
  std::size_t dot = text.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  std::string_view rest = text.substr(dot + 1);
  std::size_t dot2 = rest.find('.');
  KernelVersion v;
  unsigned patch = 0;
  if (!parse_number(text.substr(0, dot), v.major)) return std::nullopt;
  if (!parse_number(rest.substr(0, dot2), v.minor)) return std::nullopt;
  if (dot2 != std::string_view::npos && !parse_number(rest.substr(dot2 + 1), patch)) return std::nullopt;
  return v;
}

std::string to_string(KernelVersion version) { return fmt::format("{}.{}", version.major, version.minor); }

std::span<const FeatureKernel> incompat_feature_kernels() { return k_incompat; }
std::span<const AlgorithmKernel> algorithm_kernels() { return k_algorithms; }

}  // namespace core::lint
