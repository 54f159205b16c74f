// Random-number kernels: uniform, normal, integers and Bernoulli draws from Philox4x32-10.
// Element i (row-major in the output) is computed from the block philox(seed, offset + i)
// alone, so the numbers do not depend on threading and other devices can match them.
// The mapping from words to values is documented in philox.h and plugin.h.
#include <limits>

#include "philox.h"
#include "strided.h"

namespace silica::cpu {

namespace {

constexpr int64_t kRandomGrain = 8192;

struct Stream {
  uint64_t seed, offset;
  explicit Stream(const SilicaAttrs* a)
      : seed(static_cast<uint64_t>(a->ints[0])), offset(static_cast<uint64_t>(a->ints[1])) {}
  PhiloxCounter block(int64_t i) const { return philox_block(seed, offset + static_cast<uint64_t>(i)); }
};

/// Significand width of T: the number of random bits a uniform of type T uses.
template <typename T>
constexpr int uniform_digits() {
  if constexpr (std::is_same_v<T, double>)
    return 53;
  else if constexpr (std::is_same_v<T, Half>)
    return 11;
  else if constexpr (std::is_same_v<T, BFloat16>)
    return 8;
  else
    return 24;
}

/// Writes gen(i) to every element of the contiguous output y, in parallel.
template <typename T, typename Gen>
void generate(const SilicaTensorDesc& y, Gen&& gen) {
  T* out = data<T>(y);
  parallel_for(numel(y), kRandomGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) out[i] = gen(i);
  });
}

// floats[0] low, floats[1] high. The fraction has the type's own precision, so
// low + (high - low) * u is exact for [0, 1); a wider range may round up to `high`, which is
// then replaced by `low` to keep the interval half-open.
SilicaStatus uniform_kernel(const SilicaTensorDesc*, int32_t, const SilicaTensorDesc* out, int32_t,
                            const SilicaAttrs* a) {
  Stream s(a);
  double low = a->floats[0], high = a->floats[1];
  visit_float_dtype(out[0].dtype, [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    generate<T>(out[0], [&](int64_t i) {
      PhiloxCounter r = s.block(i);
      double u = philox_unit(philox_join(r[0], r[1]), uniform_digits<T>());
      T v = T(static_cast<C>(low + (high - low) * u));
      if (!(static_cast<double>(static_cast<C>(v)) < high) && low < high) v = T(static_cast<C>(low));
      return v;
    });
  });
  return SILICA_OK;
}

// floats[0] mean, floats[1] std; Box-Muller in double, rounded once to the output type.
SilicaStatus normal_kernel(const SilicaTensorDesc*, int32_t, const SilicaTensorDesc* out, int32_t,
                           const SilicaAttrs* a) {
  Stream s(a);
  double mean = a->floats[0], stddev = a->floats[1];
  visit_float_dtype(out[0].dtype, [&](auto tag) {
    using T = decltype(tag);
    generate<T>(out[0], [&](int64_t i) {
      return T(static_cast<compute_t<T>>(mean + stddev * philox_normal(s.block(i))));
    });
  });
  return SILICA_OK;
}

// ints[2] low, ints[3] high (exclusive): low + w mod (high - low), with w word 0 when the
// range fits in 32 bits and words 0,1 joined otherwise.
SilicaStatus randint_kernel(const SilicaTensorDesc*, int32_t, const SilicaTensorDesc* out, int32_t,
                            const SilicaAttrs* a) {
  Stream s(a);
  int64_t low = a->ints[2], high = a->ints[3];
  if (high <= low)
    return set_error(SILICA_ERROR_INVALID, "randint needs low < high, got [" + std::to_string(low) + ", " +
                                               std::to_string(high) + ")");
  uint64_t range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  bool wide = range > (uint64_t{1} << 32);
  auto value = [&](int64_t i) {
    PhiloxCounter r = s.block(i);
    uint64_t w = wide ? philox_join(r[0], r[1]) : r[0];
    return static_cast<int64_t>(static_cast<uint64_t>(low) + w % range);
  };
  if (out[0].dtype == SILICA_I32)
    generate<int32_t>(out[0], [&](int64_t i) { return static_cast<int32_t>(value(i)); });
  else
    generate<int64_t>(out[0], value);
  return SILICA_OK;
}

// in p; out y: 1 where u < p with u a 53-bit fraction from words 0,1 (the same u for every
// dtype, so a seed gives the same mask whatever the precision of p).
SilicaStatus bernoulli_kernel(const SilicaTensorDesc* in, int32_t, const SilicaTensorDesc* out, int32_t,
                              const SilicaAttrs* a) {
  Stream s(a);
  const SilicaTensorDesc& p = in[0];
  const SilicaTensorDesc& y = out[0];
  visit_float_dtype(p.dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* pp = data<const T>(p);
    T* yp = data<T>(y);
    std::array<const int64_t*, 2> strides{y.strides, p.strides};
    parallel_for(numel(y), kRandomGrain, [&](int64_t b, int64_t e) {
      int64_t i = b;  // y is contiguous, so its offsets are the element numbers
      strided_runs<2>(
          y.ndim, y.shape, strides, b, e,
          [&](const std::array<int64_t, 2>& off, int64_t count, const std::array<int64_t, 2>& step) {
            for (int64_t k = 0; k < count; ++k, ++i) {
              PhiloxCounter r = s.block(i);
              double u = philox_unit(philox_join(r[0], r[1]), 53);
              double prob = static_cast<double>(static_cast<compute_t<T>>(pp[off[1] + k * step[1]]));
              yp[off[0] + k * step[0]] = T(static_cast<compute_t<T>>(u < prob ? 1 : 0));
            }
          });
    });
  });
  return SILICA_OK;
}

}  // namespace

void register_random_kernels() {
  register_kernel(SILICA_OP_RAND_UNIFORM, uniform_kernel, kFloatDTypes);
  register_kernel(SILICA_OP_RAND_NORMAL, normal_kernel, kFloatDTypes);
  register_kernel(SILICA_OP_RAND_INT, randint_kernel, (1u << SILICA_I32) | (1u << SILICA_I64));
  register_kernel(SILICA_OP_BERNOULLI, bernoulli_kernel, kFloatDTypes);
}

}  // namespace silica::cpu
