// Google Benchmark programs for the reader's hot paths. The image under test comes from the
// environment (EROFS_SHARE_BENCH_IMAGE), made by tests/bench/inspect-vs-fsck.sh; without it only
// the synthetic benchmarks run.
#include <cstdlib>
#include <vector>

#include <benchmark/benchmark.h>

#include "core/erofs/dir.hpp"
#include "core/erofs/fingerprint.hpp"
#include "core/erofs/image.hpp"
#include "core/util/crc32c.hpp"
#include "core/util/sha256.hpp"

namespace {

const char* bench_image() { return std::getenv("EROFS_SHARE_BENCH_IMAGE"); }

void bm_sha256(benchmark::State& state) {
  std::vector<core::u8> buf(static_cast<std::size_t>(state.range(0)), 0x5a);
  for (auto _ : state) benchmark::DoNotOptimize(core::util::sha256(buf));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(bm_sha256)->Arg(4096)->Arg(1 << 20);

void bm_crc32c(benchmark::State& state) {
  std::vector<core::u8> buf(3072, 0xa5);
  for (auto _ : state) benchmark::DoNotOptimize(core::util::crc32c_update(~0u, buf));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * 3072);
}
BENCHMARK(bm_crc32c);

void bm_walk_tree(benchmark::State& state) {
  if (!bench_image()) return state.SkipWithError("EROFS_SHARE_BENCH_IMAGE not set");
  core::erofs::Image img(bench_image());
  for (auto _ : state) {
    std::size_t n = 0;
    core::erofs::walk_tree(img, [&](const std::string&, const core::erofs::Inode&) { ++n; });
    benchmark::DoNotOptimize(n);
  }
}
BENCHMARK(bm_walk_tree)->Unit(benchmark::kMillisecond);

void bm_digest_all(benchmark::State& state) {
  if (!bench_image()) return state.SkipWithError("EROFS_SHARE_BENCH_IMAGE not set");
  core::erofs::Image img(bench_image());
  std::int64_t bytes = 0;
  for (auto _ : state) {
    core::erofs::walk_tree(img, [&](const std::string&, const core::erofs::Inode& ino) {
      if (ino.type != core::erofs::FileType::file) return;
      benchmark::DoNotOptimize(core::erofs::content_digest(img, ino));
      bytes += static_cast<std::int64_t>(ino.size);
    });
  }
  state.SetBytesProcessed(bytes);
}
BENCHMARK(bm_digest_all)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
