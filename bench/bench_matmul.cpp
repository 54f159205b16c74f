// f32 square matmul on the CPU through silica::matmul (OpenBLAS underneath).
// Napkin math: n x n times n x n is n^3 multiply-adds = 2 n^3 FLOP per product; the
// "GFLOP" counter is a rate (GFLOP per second).
// Threads: SILICA_NUM_THREADS (default: all cores).
#include <benchmark/benchmark.h>

#include "silica/silica.h"

namespace {

void matmul_square(benchmark::State& state) {
  const int64_t n = state.range(0);
  silica::Generator gen(42);
  silica::Tensor a = silica::randn({n, n}, {}, &gen);
  silica::Tensor b = silica::randn({n, n}, {}, &gen);
  for (auto _ : state) {
    silica::Tensor c = silica::matmul(a, b);  // includes allocating c, as torch.matmul does
    c.device().synchronize();
    benchmark::DoNotOptimize(c.impl());
  }
  const double flop = 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n);
  state.counters["GFLOP"] = benchmark::Counter(flop * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

// Real time: the work runs on several threads, so the calling thread's CPU time says little.
BENCHMARK(matmul_square)
    ->Name("matmul")
    ->Arg(256)
    ->Arg(1024)
    ->Arg(2048)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
