// Fused optimizer updates: one pass over a parameter and its state instead of a dozen
// elementwise ops (each reading and writing whole tensors, plus an allocation apiece).
//
// SILICA_OP_ADAM_UPDATE follows the composed update in src/optim/adam.cpp operation for
// operation, in compute_t<T>, so f32 and f64 results match it bit for bit:
//   m = m*b1 + g*(1-b1);  v = v*b2 + (g*g)*(1-b2);  amsgrad: vmax = max(vmax, v)
//   p = p + (m / (sqrt(v or vmax) / sqrt(1-b2^t) + eps)) * (-lr / (1-b1^t))
// (f16/bf16 keep the intermediates in float, rounding only the stored results.)
#include <cmath>

#include "kernel.h"

namespace silica::cpu {

namespace {

constexpr int64_t kOptimGrain = 16384;

bool same_layout(const SilicaTensorDesc& a, const SilicaTensorDesc& b) {
  if (a.dtype != b.dtype || a.ndim != b.ndim) return false;
  for (int i = 0; i < a.ndim; ++i)
    if (a.shape[i] != b.shape[i]) return false;
  return is_contiguous(a) && is_contiguous(b);
}

// in g; out p, m, v[, vmax]; floats lr, beta1, beta2, eps; ints step, amsgrad.
SilicaStatus adam_update_kernel(const SilicaTensorDesc* in, int32_t num_in, const SilicaTensorDesc* out,
                                int32_t num_out, const SilicaAttrs* attrs) {
  const bool amsgrad = attrs->num_ints >= 2 && attrs->ints[1] != 0;
  bool ok = num_in == 1 && num_out == (amsgrad ? 4 : 3) && attrs->num_floats >= 4 && attrs->num_ints >= 1 &&
            attrs->ints[0] >= 1;
  for (int i = 0; ok && i < num_out; ++i) ok = same_layout(in[0], out[i]);
  if (!ok)
    return set_error(SILICA_ERROR_INVALID,
                     "adam_update: expects g and p, m, v (and vmax with amsgrad) contiguous, of one shape and "
                     "dtype, floats lr, beta1, beta2, eps and ints step >= 1, amsgrad");
  const double lr = attrs->floats[0], b1 = attrs->floats[1], b2 = attrs->floats[2], eps = attrs->floats[3];
  const double t = static_cast<double>(attrs->ints[0]);
  const double correction1 = 1.0 - std::pow(b1, t), correction2 = 1.0 - std::pow(b2, t);
  visit_float_dtype(in[0].dtype, [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    // The constants as the composed path's scalar tensors hold them.
    const C cb1 = C(b1), cb1c = C(1.0 - b1), cb2 = C(b2), cb2c = C(1.0 - b2);
    const C sqrt_c2 = C(std::sqrt(correction2)), ceps = C(eps), neg_step = C(-lr / correction1);
    // Distinct tensors by the op's contract; restrict and by-value constants let the loop
    // vectorize (a store through T* could otherwise change a captured float).
    const T* __restrict g = data<const T>(in[0]);
    T* __restrict p = data<T>(out[0]);
    T* __restrict m = data<T>(out[1]);
    T* __restrict v = data<T>(out[2]);
    T* __restrict vmax = amsgrad ? data<T>(out[3]) : nullptr;
    parallel_for(numel(in[0]), kOptimGrain, [=](int64_t b, int64_t e) {
      if (vmax) {
        for (int64_t i = b; i < e; ++i) {
          const C gi = C(g[i]);
          const C mi = C(m[i]) * cb1 + gi * cb1c;
          const C vi = C(v[i]) * cb2 + (gi * gi) * cb2c;
          const C old = C(vmax[i]);
          const C second = (old != old || old > vi) ? old : vi;  // maximum(vmax, v): NaN propagates
          m[i] = T(mi);
          v[i] = T(vi);
          vmax[i] = T(second);
          p[i] = T(C(p[i]) + (mi / (std::sqrt(second) / sqrt_c2 + ceps)) * neg_step);
        }
      } else {
        for (int64_t i = b; i < e; ++i) {
          const C gi = C(g[i]);
          const C mi = C(m[i]) * cb1 + gi * cb1c;
          const C vi = C(v[i]) * cb2 + (gi * gi) * cb2c;
          m[i] = T(mi);
          v[i] = T(vi);
          p[i] = T(C(p[i]) + (mi / (std::sqrt(vi) / sqrt_c2 + ceps)) * neg_step);
        }
      }
    });
  });
  return SILICA_OK;
}

}  // namespace

void register_optim_kernels() { register_kernel(SILICA_OP_ADAM_UPDATE, adam_update_kernel, kFloatDTypes); }

}  // namespace silica::cpu
