// A fixed pool of worker threads for CPU kernels.
#pragma once

#include <cstdint>
#include <functional>

namespace silica::cpu {

/// Threads used by kernels (defaults to the hardware's cores; SILICA_NUM_THREADS overrides).
int num_threads();
void set_num_threads(int n);

/// Runs fn(begin, end) over [0, n) split into chunks of at least `grain` items (up to 4
/// per thread, taken by whichever thread is free); runs inline when n <= grain or inside
/// another parallel_for. Blocks until all chunks are done.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

}  // namespace silica::cpu
