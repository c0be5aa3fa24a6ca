// Minimal fork-join helpers: a loop whose `jobs` threads take indexes from a shared counter
// while the calling thread calls `tick` about ten times a second (progress), and two calls side
// by side. The first exception stops the loop and is rethrown in the caller.
#pragma once

#include <cstddef>
#include <functional>
#include <thread>

namespace core::scan {

// Calls fn(i) for every i < count on up to `jobs` threads; fn must be safe to run concurrently
// for different i. Rethrows the first exception fn threw (the others are dropped).
void parallel_for(std::size_t count, unsigned jobs, const std::function<void(std::size_t)>& fn,
                  const std::function<void()>& tick = {});

// Runs a() here and b() on another thread at the same time; returns when both are done and
// rethrows b's exception, if any (then a's).
void side_by_side(const std::function<void()>& a, const std::function<void()>& b);

// Starts fn on a new thread and returns once that thread runs. A thread started while its
// creator kept its core busy waited 0.5-1.5 ms for the scheduler to move it to the idle core;
// waiting for it to start (about 30 us) lets it take this core and this thread the other.
std::thread start_thread(std::function<void()> fn);

}  // namespace core::scan
