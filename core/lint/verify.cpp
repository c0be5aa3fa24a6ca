// Content verification: the expensive part of lint, spread over threads. Each task owns one
// FileFacts slot, so workers share nothing but the task counter.
#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>


#include "core/erofs/fingerprint.hpp"
#include "core/lint/collect.hpp"
#include "core/util/sha256.hpp"

namespace core::lint {

namespace {

struct Task {
  std::size_t image;
  std::size_t file;
  u64 size;
};

void verify_one(const erofs::Image& img, FileFacts& f) {
  try {
    util::Digest d = erofs::content_digest(img, f.inode);
    if (f.verify_wanted) f.content = d;
  } catch (const CorruptImage& e) {
    f.content_corrupt = true;
    f.content_error = e.reason();
    if (!e.where().detail.empty()) f.content_error += " @ " + e.where().detail;
  } catch (const Unsupported& e) {
    f.content_error = e.what();
  } catch (const DataUnavailable& e) {
    f.content_error = e.what();
  }
}

// §6.2: erofs-utils 1.9.3 rebuild (--clean=data) hashes i_size bytes read contiguously from
// the first data block of a layout-2 source, i.e. it skips the inline tail. If the stored
// digest equals that, the image was made by that bug rather than by a forger. Reading the
// inode as if it were layout 0 (all i_size bytes in blocks from startblk) reproduces the read.
bool rebuild_bug_pattern(const erofs::Image& img, const FileFacts& f) {
  if (f.inode.layout != erofs::Layout::flat_inline || f.inode.size < img.block_size() || f.inode.startblk_null)
    return false;
  erofs::Inode as_blocks = f.inode;
  as_blocks.layout = erofs::Layout::flat_plain;
  try {
    return erofs::content_digest(img, as_blocks) == f.fingerprint.digest;
  } catch (const Error&) {  // the contiguous read runs past the image: not this bug's output
    return false;
  }
}

}  // namespace

void verify_contents(std::vector<ImageFacts>& facts, const std::vector<std::unique_ptr<erofs::Image>>& images,
                     unsigned jobs) {
  std::vector<Task> tasks;
  for (std::size_t i = 0; i < facts.size(); ++i) {
    if (!images[i]) continue;
    facts[i].verified = true;
    for (std::size_t k = 0; k < facts[i].files.size(); ++k)
      if (facts[i].files[k].verify_wanted || facts[i].files[k].read_wanted) tasks.push_back({i, k, facts[i].files[k].inode.size});
  }
  // Largest first, so one big file does not start last and run alone.
  std::stable_sort(tasks.begin(), tasks.end(), [](const Task& a, const Task& b) { return a.size > b.size; });
  unsigned n = jobs ? jobs : std::max(1u, std::thread::hardware_concurrency());
  n = static_cast<unsigned>(std::min<std::size_t>(n, tasks.size()));

  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mu;
  auto worker = [&] {
    try {
      for (std::size_t t; (t = next.fetch_add(1)) < tasks.size();)
        verify_one(*images[tasks[t].image], facts[tasks[t].image].files[tasks[t].file]);
    } catch (...) {  // a bug or out of memory: stop everyone, rethrow on the caller's thread
      std::lock_guard lock(failure_mu);
      if (!failure) failure = std::current_exception();
      next = tasks.size();
    }
  };
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < n; ++i) threads.emplace_back(worker);
  if (n > 0) worker();
  for (auto& t : threads) t.join();
  if (failure) std::rethrow_exception(failure);

  for (std::size_t i = 0; i < facts.size(); ++i) {
    if (!images[i]) continue;
    for (FileFacts& f : facts[i].files) {
      if (f.content_corrupt)
        facts[i].broken.push_back(Broken{f.path, f.inode.nid, std::nullopt, "content: " + f.content_error});
      if (f.content && f.fingerprint.state == erofs::FingerprintState::valid && *f.content != f.fingerprint.digest)
        f.rebuild_bug_pattern = rebuild_bug_pattern(*images[i], f);
    }
  }
}

}  // namespace core::lint
