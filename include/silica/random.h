// Random numbers: Philox4x32-10, counter based, so a seed gives the same numbers on every device.
#pragma once

#include <cstdint>

#include "silica/tensor.h"

namespace silica {

/// A seed and a counter. Each draw of n numbers uses counters [offset, offset + n) and
/// advances the offset, so streams never overlap and a state can be saved and restored.
class Generator {
 public:
  explicit Generator(uint64_t seed = 0) : seed_(seed) {}
  uint64_t seed() const { return seed_; }
  uint64_t offset() const { return offset_; }
  void set_state(uint64_t seed, uint64_t offset) { seed_ = seed; offset_ = offset; }
  /// Reserves n counters and returns the first.
  uint64_t advance(uint64_t n) { uint64_t first = offset_; offset_ += n; return first; }

 private:
  uint64_t seed_;
  uint64_t offset_ = 0;
};

/// The generator used when none is passed.
Generator& default_generator();
/// Reseeds the default generator (and resets its counter).
void manual_seed(uint64_t seed);

/// Uniform in [low, high).
Tensor rand(const Shape& shape, const TensorOptions& options = {}, Generator* gen = nullptr,
            double low = 0.0, double high = 1.0);
/// Normal with the given mean and standard deviation.
Tensor randn(const Shape& shape, const TensorOptions& options = {}, Generator* gen = nullptr,
             double mean = 0.0, double stddev = 1.0);
/// Integers uniform in [low, high).
Tensor randint(int64_t low, int64_t high, const Shape& shape,
               const TensorOptions& options = DType::i64, Generator* gen = nullptr);
/// 1 with probability p (elementwise), else 0, of p's dtype and device.
Tensor bernoulli(const Tensor& p, Generator* gen = nullptr);
Tensor bernoulli(const Shape& shape, double p, const TensorOptions& options = {},
                 Generator* gen = nullptr);
/// A random permutation of 0..n-1 (i64).
Tensor randperm(int64_t n, const TensorOptions& options = DType::i64, Generator* gen = nullptr);

}  // namespace silica
