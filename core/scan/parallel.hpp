// A minimal fork-join loop: `jobs` threads take indexes from a shared counter while the calling
// thread calls `tick` about ten times a second (progress). The first exception stops the loop
// and is rethrown in the caller.
#pragma once

#include <cstddef>
#include <functional>

namespace core::scan {

// Calls fn(i) for every i < count on up to `jobs` threads; fn must be safe to run concurrently
// for different i. Rethrows the first exception fn threw (the others are dropped).
void parallel_for(std::size_t count, unsigned jobs, const std::function<void(std::size_t)>& fn,
                  const std::function<void()>& tick = {});

}  // namespace core::scan
