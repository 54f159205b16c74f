// One training step of `silica train`'s Fashion-MNIST models on the CPU, and the ops
// that make it up. The models come from tools/silica/models.cpp, as `silica train` builds them.
//
//   SILICA_NUM_THREADS=2 build/bin/bench_train_step [--benchmark_filter=step/cnn]
//
// A step is what train.cpp does per batch: u8 pixels -> f32 -> normalize, forward,
// cross_entropy, zero_grad, backward, Adam step, and the per-step host read of the loss.
//
// Napkin math (multiply-adds x 2 = FLOPs, per batch):
//   mlp, B=128: forward 128*(784*256 + 256*128 + 128*10)*2 = 60 MFLOP; backward
//     (dW for all three, dX for the last two) 69 MFLOP; 235k parameters for Adam.
//   cnn, B=64: conv1 (1->32, 28x28, 3x3) 29 MFLOP, conv2 (32->64, 14x14, 3x3) 462 MFLOP,
//     fc1 (3136->128) 51 MFLOP: forward 0.54 GFLOP; backward conv2 dX + dW 925 MFLOP,
//     conv1 dW 29, fc1 dX + dW 103: 1.06 GFLOP; 1.6 GFLOP per step, 422k parameters.
//
// Floor: a single-threaded OpenBLAS sgemm runs these shapes at ~95 GFLOP/s on one AMD
// EPYC (Zen 4) core, so the cnn's GEMMs alone take ~17 ms per step on one thread; the
// rest (im2col/col2im, relu, max_pool, bias sums, Adam) is memory bound: the 64x32x28x28
// activations are 6.4 MB, read or written about ten times per step.
//
// Instruction counts (repeatable on a loaded machine):
//   valgrind --tool=callgrind --toggle-collect='*run_steps*' build/bin/bench_train_step --steps=cnn:3
// runs 3 steps after one warm-up step, outside Google Benchmark.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "models.h"  // tools/silica
#include "silica/nn.h"
#include "silica/optim.h"
#include "silica/silica.h"

namespace {

using namespace silica;

// A model, its optimizer and one batch of random pixels and labels.
struct Trainer {
  std::shared_ptr<nn::Module> model;
  std::unique_ptr<optim::Adam> opt;
  Tensor pixels, labels;

  Trainer(const std::string& name, int64_t batch) {
    Generator gen(0);
    model = cli::build_model(name, gen);  // the very models `silica train` builds
    optim::AdamOptions o;
    o.lr = 1e-3;
    opt = std::make_unique<optim::Adam>(model->parameters(), o);
    pixels = randint(0, 256, {batch, 28, 28}, DType::u8, &gen);
    labels = randint(0, 10, {batch}, DType::i64, &gen);
  }

  // train.cpp's prepare_images.
  Tensor images() const {
    constexpr double kMean = 0.2860, kStd = 0.3530;
    NoGradGuard no_grad;
    Tensor x = pixels.to(DType::f32);
    x = (x * (1.0 / (255.0 * kStd))) - (kMean / kStd);
    return x.reshape({x.size(0), 1, x.size(-2), x.size(-1)});
  }

  double step() {
    Tensor logits = (*model)(images());
    Tensor loss = cross_entropy(logits, labels);
    opt->zero_grad();
    loss.backward();
    opt->step();
    return loss.item();
  }
};

int64_t default_batch(const std::string& model) { return model == "mlp" ? 128 : 64; }

void step(benchmark::State& state, const std::string& model) {
  Trainer t(model, default_batch(model));
  t.step();  // optimizer state and allocator cache
  for (auto _ : state) benchmark::DoNotOptimize(t.step());
  state.counters["samples/s"] =
      benchmark::Counter(static_cast<double>(default_batch(model)), benchmark::Counter::kIsIterationInvariantRate);
}

// Forward + loss only (no graph recorded), to split a step into its halves.
void forward(benchmark::State& state, const std::string& model) {
  Trainer t(model, default_batch(model));
  NoGradGuard no_grad;
  for (auto _ : state) benchmark::DoNotOptimize(cross_entropy((*t.model)(t.images()), t.labels).item());
}

// The Adam update of all parameters (gradients from one backward pass).
void adam(benchmark::State& state, const std::string& model) {
  Trainer t(model, default_batch(model));
  t.step();
  Tensor loss = cross_entropy((*t.model)(t.images()), t.labels);
  loss.backward();
  for (auto _ : state) {
    t.opt->step();
    benchmark::DoNotOptimize(t.model->parameters()[0].impl());
  }
}

// conv2 of the cnn (64x32x14x14 -> 64x64x14x14) and its two gradients.
void conv2_forward(benchmark::State& state) {
  Generator gen(1);
  Tensor x = randn({64, 32, 14, 14}, {}, &gen), w = randn({64, 32, 3, 3}, {}, &gen), b = randn({64}, {}, &gen);
  Conv2dOptions o;
  o.padding_h = o.padding_w = 1;
  for (auto _ : state) benchmark::DoNotOptimize(conv2d(x, w, b, o).impl());
  state.counters["GFLOP/s"] = benchmark::Counter(64.0 * 64 * 288 * 196 * 2 * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void conv2_backward(benchmark::State& state) {
  Generator gen(1);
  Tensor x = randn({64, 32, 14, 14}, TensorOptions().with_requires_grad(), &gen);
  Tensor w = randn({64, 32, 3, 3}, TensorOptions().with_requires_grad(), &gen);
  Tensor b = randn({64}, TensorOptions().with_requires_grad(), &gen);
  Tensor g = randn({64, 64, 14, 14}, {}, &gen);
  Conv2dOptions o;
  o.padding_h = o.padding_w = 1;
  for (auto _ : state) {
    Tensor y = conv2d(x, w, b, o);
    y.backward(g);
    x.zero_grad();
    w.zero_grad();
    b.zero_grad();
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(3 * 64.0 * 64 * 288 * 196 * 2 * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void conv1_backward(benchmark::State& state) {
  Generator gen(1);
  Tensor x = randn({64, 1, 28, 28}, {}, &gen);
  Tensor w = randn({32, 1, 3, 3}, TensorOptions().with_requires_grad(), &gen);
  Tensor b = randn({32}, TensorOptions().with_requires_grad(), &gen);
  Tensor g = randn({64, 32, 28, 28}, {}, &gen);
  Conv2dOptions o;
  o.padding_h = o.padding_w = 1;
  for (auto _ : state) {
    Tensor y = conv2d(x, w, b, o);
    y.backward(g);
    w.zero_grad();
    b.zero_grad();
  }
}

// relu + max_pool2d of conv1's output (64x32x28x28) with their gradients.
void relu_pool(benchmark::State& state) {
  Generator gen(1);
  Tensor x = randn({64, 32, 28, 28}, TensorOptions().with_requires_grad(), &gen);
  Tensor g = randn({64, 32, 14, 14}, {}, &gen);
  Pool2dOptions p;
  for (auto _ : state) {
    Tensor y = max_pool2d(relu(x), p);
    y.backward(g);
    x.zero_grad();
  }
}

// Runs `steps` steps for callgrind (--toggle-collect='*run_steps*').
__attribute__((noinline)) double run_steps(Trainer& t, int steps) {
  double s = 0;
  for (int i = 0; i < steps; ++i) s += t.step();
  return s;
}

}  // namespace

BENCHMARK_CAPTURE(step, mlp, std::string("mlp"))->Name("step/mlp")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(step, cnn, std::string("cnn"))->Name("step/cnn")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(forward, mlp, std::string("mlp"))->Name("forward/mlp")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(forward, cnn, std::string("cnn"))->Name("forward/cnn")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(adam, mlp, std::string("mlp"))->Name("adam/mlp")->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_CAPTURE(adam, cnn, std::string("cnn"))->Name("adam/cnn")->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(conv2_forward)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(conv2_backward)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(conv1_backward)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(relu_pool)->Unit(benchmark::kMillisecond)->UseRealTime();

int main(int argc, char** argv) {
  // --steps=MODEL:N runs one warm-up step and N steps, for instruction counting.
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--steps=", 8) == 0) {
      std::string spec = argv[i] + 8;
      size_t colon = spec.find(':');
      std::string model = spec.substr(0, colon);
      int steps = colon == std::string::npos ? 1 : std::atoi(spec.c_str() + colon + 1);
      Trainer t(model, default_batch(model));
      t.step();
      std::printf("%s: loss after %d steps %.6f\n", model.c_str(), steps, run_steps(t, steps) / steps);
      return 0;
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
