// Random tensors. Every draw reserves numel() counters of a Generator and asks the device
// for Philox4x32-10 numbers at those counters (see plugin.h), so a (seed, offset) pair
// reproduces a draw on any device and successive draws never reuse counters.
#include "silica/random.h"

#include <algorithm>
#include <limits>
#include <mutex>
#include <numeric>

#include "ops/op_helpers.h"

namespace silica {

using detail::Attrs;
using detail::run_op;

namespace {

std::mutex& default_mutex() {
  static std::mutex mu;
  return mu;
}

/// (seed, first counter) for a draw of n numbers. The default generator is shared by all
/// threads, so its counter moves under a lock.
std::pair<uint64_t, uint64_t> reserve(Generator* gen, int64_t n) {
  uint64_t count = static_cast<uint64_t>(std::max<int64_t>(n, 0));
  if (gen) return {gen->seed(), gen->advance(count)};
  std::lock_guard<std::mutex> lock(default_mutex());
  Generator& g = default_generator();
  return {g.seed(), g.advance(count)};
}

Attrs stream_attrs(Generator* gen, int64_t n) {
  auto [seed, offset] = reserve(gen, n);
  return Attrs().i(static_cast<int64_t>(seed)).i(static_cast<int64_t>(offset));
}

void require_float_dtype(DType dtype, const char* fn, const char* instead) {
  if (!is_floating(dtype))
    throw Error(std::string("[") + fn + "] makes floating tensors, not " + dtype_name(dtype) + "; " +
                instead);
}

void check_shape(const Shape& shape, const char* fn) {
  for (int64_t d : shape)
    if (d < 0) throw Error(std::string("[") + fn + "] sizes must be >= 0, got " + shape_str(shape));
}

Tensor finish(Tensor t, const TensorOptions& options) {
  if (options.requires_grad) t.requires_grad_(true);
  return t;
}

}  // namespace

Generator& default_generator() {
  static Generator gen(0);
  return gen;
}

void manual_seed(uint64_t seed) {
  std::lock_guard<std::mutex> lock(default_mutex());
  default_generator().set_state(seed, 0);
}

Tensor rand(const Shape& shape, const TensorOptions& options, Generator* gen, double low, double high) {
  require_float_dtype(options.dtype, "rand", "use randint for integers");
  check_shape(shape, "rand");
  if (!(low <= high))
    throw Error("[rand] needs low <= high, got [" + std::to_string(low) + ", " + std::to_string(high) + ")");
  Tensor y = ops::new_tensor(shape, options.dtype, options.device);
  Attrs a = stream_attrs(gen, y.numel());
  run_op("rand", SILICA_OP_RAND_UNIFORM, {}, {y}, a.f(low).f(high));
  return finish(y, options);
}

Tensor randn(const Shape& shape, const TensorOptions& options, Generator* gen, double mean, double stddev) {
  require_float_dtype(options.dtype, "randn", "draw floats and round them if integers are needed");
  check_shape(shape, "randn");
  if (!(stddev >= 0)) throw Error("[randn] stddev must be >= 0, got " + std::to_string(stddev));
  Tensor y = ops::new_tensor(shape, options.dtype, options.device);
  Attrs a = stream_attrs(gen, y.numel());
  run_op("randn", SILICA_OP_RAND_NORMAL, {}, {y}, a.f(mean).f(stddev));
  return finish(y, options);
}

Tensor randint(int64_t low, int64_t high, const Shape& shape, const TensorOptions& options, Generator* gen) {
  check_shape(shape, "randint");
  if (low >= high)
    throw Error("[randint] needs low < high, got [" + std::to_string(low) + ", " + std::to_string(high) +
                ")");
  DType dt = options.dtype;
  if (dt == DType::i32 &&
      (low < std::numeric_limits<int32_t>::min() || high - 1 > std::numeric_limits<int32_t>::max()))
    throw Error("[randint] range [" + std::to_string(low) + ", " + std::to_string(high) +
                ") does not fit in i32; use DType::i64");
  // Other dtypes are drawn as i64 and converted.
  DType draw = dt == DType::i32 ? DType::i32 : DType::i64;
  Tensor y = ops::new_tensor(shape, draw, options.device);
  Attrs a = stream_attrs(gen, y.numel());
  run_op("randint", SILICA_OP_RAND_INT, {}, {y}, a.i(low).i(high));
  if (draw != dt) {
    NoGradGuard no_grad;
    y = y.to(dt);
  }
  return finish(y, options);
}

Tensor bernoulli(const Tensor& p, Generator* gen) {
  if (!p.defined()) throw Error("[bernoulli] p is undefined");
  if (!is_floating(p.dtype()))
    throw Error(std::string("[bernoulli] p must be a floating tensor of probabilities, got ") +
                ops::describe(p));
  NoGradGuard no_grad;  // a sample has no gradient with respect to p
  Tensor pc = p.contiguous();
  Tensor y = ops::new_tensor(p.shape(), p.dtype(), p.device());
  run_op("bernoulli", SILICA_OP_BERNOULLI, {pc}, {y}, stream_attrs(gen, y.numel()));
  return y;
}

Tensor bernoulli(const Shape& shape, double p, const TensorOptions& options, Generator* gen) {
  require_float_dtype(options.dtype, "bernoulli", "draw a floating mask and convert it");
  check_shape(shape, "bernoulli");
  if (!(p >= 0 && p <= 1)) throw Error("[bernoulli] p must be in [0, 1], got " + std::to_string(p));
  Tensor y = bernoulli(full(shape, p, TensorOptions(options.dtype).with_device(options.device)), gen);
  return finish(y, options);
}

Tensor randperm(int64_t n, const TensorOptions& options, Generator* gen) {
  if (n < 0) throw Error("[randperm] n must be >= 0, got " + std::to_string(n));
  // Sort 0..n-1 by a random 62-bit key each (ties, vanishingly rare, keep index order).
  // The keys come from the CPU kernel, so every device gets the same permutation.
  NoGradGuard no_grad;
  std::vector<int64_t> keys =
      randint(0, int64_t{1} << 62, {n}, TensorOptions(DType::i64).with_device(Device()), gen)
          .to_vector<int64_t>();
  std::vector<int64_t> perm(static_cast<size_t>(n));
  std::iota(perm.begin(), perm.end(), int64_t{0});
  std::stable_sort(perm.begin(), perm.end(), [&](int64_t a, int64_t b) { return keys[a] < keys[b]; });
  Tensor t = from_vector(perm, {n}, TensorOptions(DType::i64)).to(options.dtype).to(options.device);
  return finish(t, options);
}

}  // namespace silica
