// Elementwise add of two 16M-element f32 tensors on the CPU: memory bound.
// Napkin math: read a and b, write c = 3 * 4 bytes * 16M = 192 MiB per add; the "GB"
// counter is a rate (GB per second).
// Threads: SILICA_NUM_THREADS (default: all cores).
#include <benchmark/benchmark.h>

#include "silica/silica.h"

namespace {

constexpr int64_t kElements = int64_t{16} << 20;

void add_f32(benchmark::State& state) {
  const int64_t n = state.range(0);
  silica::Generator gen(7);
  silica::Tensor a = silica::randn({n}, {}, &gen);
  silica::Tensor b = silica::randn({n}, {}, &gen);
  for (auto _ : state) {
    silica::Tensor c = silica::add(a, b);  // allocates c each time (from the caching allocator)
    c.device().synchronize();
    benchmark::DoNotOptimize(c.impl());
  }
  const double bytes = 3.0 * 4.0 * static_cast<double>(n);
  state.counters["GB"] = benchmark::Counter(bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

BENCHMARK(add_f32)->Name("add")->Arg(kElements)->UseRealTime()->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
