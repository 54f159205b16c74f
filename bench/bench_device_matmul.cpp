// Square matmul y = a . b (n x n) on one device, per dtype, for a GPU comparison with
// PyTorch (bench/torch_gpu_reference.py prints the same lines; bench/run_gpu_bench.sh runs both):
//
//   build/bin/bench_device_matmul [--device vulkan] [--dtype f32,f16,bf16] [--n 4096]
//                                 [--batch 1] [--min-time 1] [--check] [--check-n 512]
//                                 [--layout nn|tn|nt|tt] [--op matmul|copy] [--shape MxNxK]
//
// Prints one line per dtype:
//   matmul n=4096 f16: 1.234 ms, 111.4 TFLOP/s (device vulkan:0 (NVIDIA H100 80GB HBM3))
// FLOP = 2 n^3 (n^3 multiply-adds), times the batch: --batch B multiplies B pairs of n x n
// matrices in one call ((B, n, n) operands, "matmul n=... batch=B" lines); --layout t stores
// that operand transposed (a column-major view, as a backward pass multiplies); --shape MxNxK
// multiplies (M x K) by (K x N) instead of n x n by n x n ("matmul MxNxK=..." lines, FLOP
// 2 M N K), for shapes whose tile count fills whole waves of the GPU. Each timed call allocates its
// result, as torch.matmul does, and the device is synchronized once after the timed loop, so the time is
// device throughput with the host's recording overlapped, not one call's latency.
//
// --op copy times a copy of a into a new contiguous tensor instead (a.clone(); with
// --layout t. a transposed view, so the copy transposes, as x.mT().contiguous() does):
//   copy n=4096 layout=tn f16: 0.0123 ms, 5461 GB/s (device ...)
// bytes = 2 n^2 elements (read and written), times the batch.
//
// --check first compares each dtype's product on a small n with an f32 CPU product of the
// same (already rounded) inputs, so a fast path that computes garbage, or accumulates in
// 16 bits, shows up as an error far above the dtype's rounding; it exits 1 if any does.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "silica/silica.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string device;  // empty: silica::best_device() ($SILICA_DEVICE, else the best GPU)
  std::vector<silica::DType> dtypes{silica::DType::f32, silica::DType::f16, silica::DType::bf16};
  int64_t n = 4096;
  int64_t shape_m = 0, shape_n = 0, shape_k = 0;  // --shape; 0: n x n x n
  int64_t batch = 1;
  double min_time = 1.0;
  bool check = false;
  int64_t check_n = 512;
  bool a_t = false, b_t = false;  // --layout: operands stored transposed (column-major views)
  bool copy = false;              // --op copy: time a.clone() instead of the product
};

[[noreturn]] void usage(const char* error) {
  if (error) std::fprintf(stderr, "bench_device_matmul: %s\n", error);
  std::fprintf(
      error ? stderr : stdout,
      "usage: bench_device_matmul [flags]\n"
      "  --device NAME    vulkan, vulkan:1, cpu, ... (default: the best device, or $SILICA_DEVICE)\n"
      "  --dtype LIST     comma-separated of f32, f16, bf16 (default: all three)\n"
      "  --n N            matrix size (default 4096)\n"
      "  --batch B        B products of n x n matrices per call, as (B, n, n) operands (default 1)\n"
      "  --min-time S     seconds of timed calls per dtype, at least (default 1)\n"
      "  --check          first compare with an f32 CPU product at --check-n\n"
      "  --check-n N      size of the --check product (default 512)\n"
      "  --layout L       nn, tn, nt or tt: t stores that operand transposed, as a column-major view\n"
      "                   (what a backward pass multiplies; default nn)\n"
      "  --op OP          matmul (default) or copy: a.clone() into a contiguous tensor (with\n"
      "                   --layout tn a transposed copy), in GB/s read and written\n"
      "  --shape MxNxK    multiply (M x K) by (K x N) instead of n x n matrices (matmul only)\n");
  std::exit(error ? 2 : 0);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i], value;
    const auto eq = flag.find('=');
    if (eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    }
    // Flags that take a value accept "--flag value" as well as "--flag=value".
    const auto next = [&]() -> std::string {
      if (eq != std::string::npos) return value;
      if (i + 1 >= argc) usage((flag + " needs a value").c_str());
      return argv[++i];
    };
    const auto whole = [&](const std::string& v) {
      char* end = nullptr;
      const long long x = std::strtoll(v.c_str(), &end, 10);
      if (v.empty() || *end || x < 1 || x > 65536)
        usage((flag + " must be a whole number from 1 to 65536").c_str());
      return static_cast<int64_t>(x);
    };
    if (flag == "--help" || flag == "-h") {
      usage(nullptr);
    } else if (flag == "--device") {
      o.device = next();
    } else if (flag == "--dtype") {
      o.dtypes.clear();
      const std::string list = next();
      size_t start = 0;
      while (start <= list.size()) {
        const size_t comma = std::min(list.find(',', start), list.size());
        const std::string name = list.substr(start, comma - start);
        if (name == "all") {
          o.dtypes = {silica::DType::f32, silica::DType::f16, silica::DType::bf16};
        } else if (name == "f32" || name == "f16" || name == "bf16") {
          o.dtypes.push_back(silica::dtype_from_name(name));
        } else {
          usage(("unknown --dtype '" + name + "' (f32, f16, bf16 or all)").c_str());
        }
        start = comma + 1;
      }
    } else if (flag == "--n") {
      o.n = whole(next());
    } else if (flag == "--batch") {
      o.batch = whole(next());
    } else if (flag == "--min-time") {
      const std::string v = next();
      char* end = nullptr;
      o.min_time = std::strtod(v.c_str(), &end);
      if (v.empty() || *end || !(o.min_time >= 0 && o.min_time <= 600))
        usage("--min-time must be 0 to 600 seconds");
    } else if (flag == "--check") {
      o.check = true;
    } else if (flag == "--check-n") {
      o.check_n = whole(next());
    } else if (flag == "--layout") {
      const std::string v = next();
      if (v.size() != 2 || (v[0] != 'n' && v[0] != 't') || (v[1] != 'n' && v[1] != 't'))
        usage(("unknown --layout '" + v + "' (nn, tn, nt or tt)").c_str());
      o.a_t = v[0] == 't';
      o.b_t = v[1] == 't';
    } else if (flag == "--shape") {
      const std::string v = next();
      const auto x1 = v.find('x'), x2 = x1 == std::string::npos ? x1 : v.find('x', x1 + 1);
      if (x2 == std::string::npos)
        usage(("--shape '" + v + "': expected MxNxK, e.g. 4224x4096x4096").c_str());
      o.shape_m = whole(v.substr(0, x1));
      o.shape_n = whole(v.substr(x1 + 1, x2 - x1 - 1));
      o.shape_k = whole(v.substr(x2 + 1));
    } else if (flag == "--op") {
      const std::string v = next();
      if (v != "matmul" && v != "copy") usage(("unknown --op '" + v + "' (matmul or copy)").c_str());
      o.copy = v == "copy";
    } else {
      usage(("unknown flag " + flag).c_str());
    }
  }
  if (o.copy && o.check) usage("--check compares products with the CPU; it does not apply to --op copy");
  if (o.copy && o.shape_m) usage("--shape sets a product's sizes; it does not apply to --op copy");
  return o;
}

// Inputs: normal(0, 1) drawn on the CPU (the same numbers for every device and dtype, since
// the generator is seeded per call), moved to the device, then cast there.
// transposed: the values are laid out column-major (a transposed view of a contiguous tensor).
// rows x cols, as the product reads it (stored cols x rows where transposed).
silica::Tensor input(int64_t rows, int64_t cols, uint64_t seed, silica::DType dtype,
                     const silica::Device& device, int64_t batch = 1, bool transposed = false) {
  silica::Generator gen(seed);
  if (transposed) std::swap(rows, cols);
  const silica::Shape shape = batch > 1 ? silica::Shape{batch, rows, cols} : silica::Shape{rows, cols};
  const silica::Tensor t = silica::randn(shape, {}, &gen).to(device).to(dtype);
  return transposed ? t.mT() : t;
}

// Largest tolerated max|y - ref| / max|ref| per dtype at n = 512. The reference uses the
// same rounded inputs, so what remains is the rounding of the output (f16: 2^-11,
// bf16: 2^-8 relative to an element, less relative to the largest element) and of the
// accumulation order; f32 allows TF32-sized errors to stay visible (TF32: ~1e-3).
double tolerance(silica::DType dtype) {
  switch (dtype) {
    case silica::DType::f16: return 2e-3;
    case silica::DType::bf16: return 1e-2;
    default: return 1e-4;
  }
}

// Returns false when the error is above tolerance().
bool check(const silica::Device& device, silica::DType dtype, int64_t n, const Options& o) {
  const silica::Tensor a = input(n, n, 1, dtype, device, 1, o.a_t),
                       b = input(n, n, 2, dtype, device, 1, o.b_t);
  // f32 copies of the rounded inputs, multiplied on the CPU in f32.
  const silica::Tensor ref =
      silica::matmul(a.to(silica::DType::f32).to("cpu"), b.to(silica::DType::f32).to("cpu"));
  const silica::Tensor y = silica::matmul(a, b).to(silica::DType::f32).to("cpu");
  const double err =
      silica::max(silica::abs(silica::sub(y, ref))).item() / silica::max(silica::abs(ref)).item();
  const bool ok = std::isfinite(err) && err <= tolerance(dtype);
  std::printf("check  n=%lld %s: max|y - ref| / max|ref| = %.3g (limit %.0e) %s\n", static_cast<long long>(n),
              silica::dtype_name(dtype), err, tolerance(dtype), ok ? "ok" : "TOO LARGE");
  return ok;
}

// Seconds per call of `op` (a product or a copy): calls until at least min_time seconds
// have passed between the first call and the synchronize that follows the last.
template <class Op>
double time_calls(const silica::Device& device, const Op& op, double min_time) {
  // Warm-up: pipeline creation (shader compilation), allocator growth, clocks ramping up.
  for (int i = 0; i < 3; ++i) (void)op();
  device.synchronize();
  // The iteration count is grown like Google Benchmark does: from a short probe, aim for
  // 1.4x min_time so one more round is rarely needed, and at most 10x per round.
  int64_t iters = 1;
  for (;;) {
    const auto start = Clock::now();
    for (int64_t i = 0; i < iters; ++i) {
      silica::Tensor y = op();  // allocated per call, as torch.matmul does
      (void)y;
    }
    device.synchronize();
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (seconds >= min_time || iters >= (int64_t{1} << 30)) return seconds / static_cast<double>(iters);
    const double per_call = std::max(seconds, 1e-9) / static_cast<double>(iters);
    iters = std::clamp<int64_t>(static_cast<int64_t>(std::ceil(1.4 * min_time / per_call)), iters + 1,
                                iters * 10);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  try {
    const silica::Device device = o.device.empty() ? silica::best_device() : silica::Device(o.device);
    const std::string where = device.str() + " (" + device.name() + ")";
    bool checks_ok = true;
    if (o.check) {
      for (silica::DType dtype : o.dtypes)
        if (device.supports_dtype(dtype)) checks_ok = check(device, dtype, o.check_n, o) && checks_ok;
    }
    const int64_t M = o.shape_m ? o.shape_m : o.n, N = o.shape_m ? o.shape_n : o.n,
                  K = o.shape_m ? o.shape_k : o.n;
    const double flop = 2.0 * static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K) *
                        static_cast<double>(o.batch);
    const std::string size =
        o.shape_m ? "MxNxK=" + std::to_string(M) + "x" + std::to_string(N) + "x" + std::to_string(K)
                  : "n=" + std::to_string(o.n);
    const std::string label =
        size + (o.batch > 1 ? " batch=" + std::to_string(o.batch) : std::string()) +
        (o.a_t || o.b_t ? std::string(" layout=") + (o.a_t ? 't' : 'n') + (o.b_t ? 't' : 'n')
                        : std::string());
    for (silica::DType dtype : o.dtypes) {
      if (!device.supports_dtype(dtype)) {
        std::printf("%s %s %s: not supported (device %s)\n", o.copy ? "copy" : "matmul", label.c_str(),
                    silica::dtype_name(dtype), where.c_str());
        continue;
      }
      const silica::Tensor a = input(M, K, 1, dtype, device, o.batch, o.a_t),
                           b = input(K, N, 2, dtype, device, o.batch, o.b_t);
      if (o.copy) {
        const double seconds = time_calls(
            device, [&] { return a.clone(); }, o.min_time);
        const double bytes = 2.0 * static_cast<double>(a.numel() * silica::dtype_size(dtype));
        std::printf("copy %s %s: %.4g ms, %.4g GB/s (device %s)\n", label.c_str(), silica::dtype_name(dtype),
                    seconds * 1e3, bytes / seconds * 1e-9, where.c_str());
      } else {
        const double seconds = time_calls(
            device, [&] { return silica::matmul(a, b); }, o.min_time);
        std::printf("matmul %s %s: %.4g ms, %.4g TFLOP/s (device %s)\n", label.c_str(),
                    silica::dtype_name(dtype), seconds * 1e3, flop / seconds * 1e-12, where.c_str());
      }
      std::fflush(stdout);
    }
    return checks_ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_device_matmul: %s\n", e.what());
    return 1;
  }
}
