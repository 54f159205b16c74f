// Reductions over any set of axes. Inputs are contiguous; the output has the input's
// ndim with size 1 on reduced axes. Floating sums accumulate in double.
#include <algorithm>
#include <cmath>
#include <limits>

#include "strided.h"

namespace silica::cpu {

namespace {

// Splits the input's axes into kept (indexed by the output) and reduced ones.
struct ReducePlan {
  int kept_ndim = 0, red_ndim = 0;
  int64_t kept_shape[SILICA_MAX_DIMS], kept_strides[SILICA_MAX_DIMS];
  int64_t red_shape[SILICA_MAX_DIMS], red_strides[SILICA_MAX_DIMS];
  int64_t out_count = 1, red_count = 1;

  ReducePlan(const SilicaTensorDesc& in, uint64_t mask) {
    for (int d = 0; d < in.ndim; ++d) {
      if (mask & (uint64_t{1} << d)) {
        red_shape[red_ndim] = in.shape[d];
        red_strides[red_ndim++] = in.strides[d];
        red_count *= in.shape[d];
      } else {
        kept_shape[kept_ndim] = in.shape[d];
        kept_strides[kept_ndim++] = in.strides[d];
        out_count *= in.shape[d];
      }
    }
  }

  int64_t base_offset(int64_t out_index) const {
    int64_t off = 0;
    for (int d = kept_ndim - 1; d >= 0; --d) {
      off += (out_index % kept_shape[d]) * kept_strides[d];
      out_index /= kept_shape[d];
    }
    return off;
  }

  /// Calls visit(value_offset) for every reduced element of output element `out_index`.
  template <typename Visit>
  void for_each(int64_t out_index, Visit&& visit) const {
    int64_t base = base_offset(out_index);
    std::array<const int64_t*, 1> st{red_strides};
    strided_runs<1>(red_ndim, red_shape, st, 0, red_count,
                    [&](const std::array<int64_t, 1>& off, int64_t count, const std::array<int64_t, 1>& step) {
                      for (int64_t i = 0; i < count; ++i) visit(base + off[0] + i * step[0]);
                    });
  }
};

template <typename T>
using acc_t = std::conditional_t<is_float_v<T>, double, std::conditional_t<std::is_same_v<T, bool>, int64_t, T>>;

/// Runs reduce(plan, out_index) -> value for each output element in parallel.
template <typename Out, typename F>
void reduce_each(const ReducePlan& plan, const SilicaTensorDesc& out, F&& reduce) {
  Out* o = data<Out>(out);
  int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(plan.red_count, 1));
  parallel_for(plan.out_count, grain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) o[i] = reduce(i);
  });
}

template <bool Mean>
SilicaStatus sum_kernel(const SilicaTensorDesc* in, int32_t, const SilicaTensorDesc* out, int32_t,
                        const SilicaAttrs* a) {
  ReducePlan plan(in[0], static_cast<uint64_t>(a->ints[0]));
  visit_dtype(in[0].dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* x = data<const T>(in[0]);
    reduce_each<T>(plan, out[0], [&](int64_t i) {
      acc_t<T> acc = 0;
      plan.for_each(i, [&](int64_t off) { acc += static_cast<acc_t<T>>(compute_t<T>(x[off])); });
      if constexpr (Mean) {
        double m = plan.red_count ? static_cast<double>(acc) / static_cast<double>(plan.red_count)
                                  : std::numeric_limits<double>::quiet_NaN();
        return T(static_cast<compute_t<T>>(m));
      } else {
        return T(static_cast<compute_t<T>>(acc));
      }
    });
  });
  return SILICA_OK;
}

// max/min/argmax/argmin of nothing have no value: names the first empty reduced axis.
SilicaStatus empty_reduction_error(const char* what, const SilicaTensorDesc& in, uint64_t mask) {
  for (int d = 0; d < in.ndim; ++d)
    if ((mask & (uint64_t{1} << d)) && in.shape[d] == 0)
      return set_error(SILICA_ERROR_INVALID, std::string("cannot take the ") + what + " over axis " +
                                                 std::to_string(d) + ", which has size 0");
  return set_error(SILICA_ERROR_INVALID, std::string("cannot take the ") + what + " of no elements");
}

template <typename C>
bool is_nan(C v) {
  if constexpr (std::is_floating_point_v<C>) return std::isnan(v);
  else return false;
}

// max (IsMax) or min; a NaN anywhere in the reduced elements makes the result NaN.
template <bool IsMax>
SilicaStatus extremum_kernel(const SilicaTensorDesc* in, int32_t, const SilicaTensorDesc* out, int32_t,
                             const SilicaAttrs* a) {
  uint64_t mask = static_cast<uint64_t>(a->ints[0]);
  ReducePlan plan(in[0], mask);
  if (plan.red_count == 0 && plan.out_count > 0) return empty_reduction_error(IsMax ? "max" : "min", in[0], mask);
  visit_dtype(in[0].dtype, [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    const T* x = data<const T>(in[0]);
    reduce_each<T>(plan, out[0], [&](int64_t i) {
      bool first = true, nan = false;
      C best{};
      plan.for_each(i, [&](int64_t off) {
        C v = static_cast<C>(x[off]);
        if (is_nan(v)) nan = true;
        if (first || (IsMax ? v > best : v < best)) best = v;
        first = false;
      });
      if (nan) best = std::numeric_limits<C>::quiet_NaN();
      return static_cast<T>(best);
    });
  });
  return SILICA_OK;
}

// argmax/argmin over the reduced axes (one axis by the ABI; the index counts row-major
// over them). The first index among ties wins; a NaN counts as the extremum (PyTorch).
template <bool IsMax>
SilicaStatus arg_extremum_kernel(const SilicaTensorDesc* in, int32_t, const SilicaTensorDesc* out, int32_t,
                                 const SilicaAttrs* a) {
  uint64_t mask = static_cast<uint64_t>(a->ints[0]);
  ReducePlan plan(in[0], mask);
  if (plan.red_count == 0 && plan.out_count > 0)
    return empty_reduction_error(IsMax ? "argmax" : "argmin", in[0], mask);
  visit_dtype(in[0].dtype, [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    const T* x = data<const T>(in[0]);
    reduce_each<int64_t>(plan, out[0], [&](int64_t i) {
      int64_t k = 0, best_k = 0;
      bool nan = false;
      C best{};
      plan.for_each(i, [&](int64_t off) {
        C v = static_cast<C>(x[off]);
        if (!nan) {
          if (is_nan(v)) {
            nan = true;
            best_k = k;
          } else if (k == 0 || (IsMax ? v > best : v < best)) {
            best = v;
            best_k = k;
          }
        }
        ++k;
      });
      return best_k;
    });
  });
  return SILICA_OK;
}

// var / std: two passes in double (mean, then squared deviations) over the reduced
// elements, divided by max(0, count - correction) as PyTorch does.
template <bool Std>
SilicaStatus var_kernel(const SilicaTensorDesc* in, int32_t, const SilicaTensorDesc* out, int32_t,
                        const SilicaAttrs* a) {
  ReducePlan plan(in[0], static_cast<uint64_t>(a->ints[0]));
  double correction = a->num_floats > 0 ? a->floats[0] : 1.0;
  double denom = std::max(0.0, static_cast<double>(plan.red_count) - correction);
  visit_float_dtype(in[0].dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* x = data<const T>(in[0]);
    reduce_each<T>(plan, out[0], [&](int64_t i) {
      double s = 0;
      plan.for_each(i, [&](int64_t off) { s += static_cast<double>(x[off]); });
      double m = s / static_cast<double>(plan.red_count);
      double ss = 0;
      plan.for_each(i, [&](int64_t off) {
        double d = static_cast<double>(x[off]) - m;
        ss += d * d;
      });
      double v = ss / denom;
      return T(static_cast<compute_t<T>>(Std ? std::sqrt(v) : v));
    });
  });
  return SILICA_OK;
}

// log(sum(exp(x))) = m + log(sum(exp(x - m))) with m the maximum, so nothing overflows.
// An infinite maximum is the answer itself (also when every element is -inf).
SilicaStatus logsumexp_kernel(const SilicaTensorDesc* in, int32_t, const SilicaTensorDesc* out, int32_t,
                              const SilicaAttrs* a) {
  ReducePlan plan(in[0], static_cast<uint64_t>(a->ints[0]));
  visit_float_dtype(in[0].dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* x = data<const T>(in[0]);
    reduce_each<T>(plan, out[0], [&](int64_t i) {
      double m = -std::numeric_limits<double>::infinity();
      bool nan = false;
      plan.for_each(i, [&](int64_t off) {
        double v = static_cast<double>(x[off]);
        if (std::isnan(v)) nan = true;
        m = std::max(m, v);
      });
      double r;
      if (nan) {
        r = std::numeric_limits<double>::quiet_NaN();
      } else if (std::isinf(m)) {
        r = m;
      } else {
        double s = 0;
        plan.for_each(i, [&](int64_t off) { s += std::exp(static_cast<double>(x[off]) - m); });
        r = m + std::log(s);
      }
      return T(static_cast<compute_t<T>>(r));
    });
  });
  return SILICA_OK;
}

}  // namespace

void register_reduce_kernels() {
  register_kernel(SILICA_OP_SUM, sum_kernel<false>, kNumericDTypes);
  register_kernel(SILICA_OP_MEAN, sum_kernel<true>, kFloatDTypes);
  register_kernel(SILICA_OP_MAX, extremum_kernel<true>, kAllDTypes);
  register_kernel(SILICA_OP_MIN, extremum_kernel<false>, kAllDTypes);
  register_kernel(SILICA_OP_ARGMAX, arg_extremum_kernel<true>, kAllDTypes);
  register_kernel(SILICA_OP_ARGMIN, arg_extremum_kernel<false>, kAllDTypes);
  register_kernel(SILICA_OP_VAR, var_kernel<false>, kFloatDTypes);
  register_kernel(SILICA_OP_STD, var_kernel<true>, kFloatDTypes);
  register_kernel(SILICA_OP_LOGSUMEXP, logsumexp_kernel, kFloatDTypes);
}

}  // namespace silica::cpu
