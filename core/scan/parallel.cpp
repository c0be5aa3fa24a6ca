#include "core/scan/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace core::scan {

void parallel_for(std::size_t count, unsigned jobs, const std::function<void(std::size_t)>& fn,
                  const std::function<void()>& tick) {
  if (count == 0) return;
  const unsigned threads = static_cast<unsigned>(std::min<std::size_t>(std::max(1u, jobs), count));
  if (threads == 1 && !tick) {  // nothing to run beside it, nothing to report: no thread
    for (std::size_t i = 0; i < count; ++i) fn(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex mu;
  std::condition_variable done_cv;
  unsigned done = 0;

  auto worker = [&] {
    for (;;) {
      const std::size_t i = next++;
      if (i >= count || failed) break;
      try {
        fn(i);
      } catch (...) {
        std::lock_guard lock(mu);
        if (!error) error = std::current_exception();
        failed = true;
      }
    }
    std::lock_guard lock(mu);
    ++done;
    done_cv.notify_all();
  };
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (unsigned t = 0; t < threads; ++t) pool.push_back(start_thread(worker));
  {
    std::unique_lock lock(mu);
    while (!done_cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return done == threads; })) {
      if (tick) {
        lock.unlock();
        tick();
        lock.lock();
      }
    }
  }
  for (std::thread& t : pool) t.join();
  if (tick) tick();
  if (error) std::rethrow_exception(error);
}

std::thread start_thread(std::function<void()> fn) {
  std::promise<void> running;
  std::future<void> started = running.get_future();
  // The promise moves into the thread, so the shared state outlives set_value().
  std::thread t([running = std::move(running), fn = std::move(fn)]() mutable {
    running.set_value();
    fn();
  });
  started.wait();
  return t;
}

void side_by_side(const std::function<void()>& a, const std::function<void()>& b) {
  std::exception_ptr b_error;
  std::thread other = start_thread([&] {
    try {
      b();
    } catch (...) {
      b_error = std::current_exception();
    }
  });
  std::exception_ptr a_error;
  try {
    a();
  } catch (...) {
    a_error = std::current_exception();
  }
  other.join();
  if (b_error) std::rethrow_exception(b_error);
  if (a_error) std::rethrow_exception(a_error);
}

}  // namespace core::scan
