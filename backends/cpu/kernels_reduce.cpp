// Reductions over any set of axes. Inputs are contiguous; the output has the input's
// ndim with size 1 on reduced axes. Each reduction is an accumulator (add one value,
// read the result) run by one driver over either layout; floating sums accumulate in double
// (contiguous f32 runs add groups of 4 values in float first, see SumAcc::add_run).
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

  // Size-1 axes are dropped (they move no index), and a reduced axis that directly follows
  // a reduced axis it continues in memory is merged into it: reducing (N,C,H,W) over
  // {0,2,3} walks runs of H*W values, not of W.
  ReducePlan(const SilicaTensorDesc& in, uint64_t mask) {
    bool prev_reduced = false;
    for (int d = 0; d < in.ndim; ++d) {
      const bool reduced = mask & (uint64_t{1} << d);
      if (reduced) red_count *= in.shape[d];
      else out_count *= in.shape[d];
      if (in.shape[d] == 1) continue;
      if (reduced) {
        if (prev_reduced && red_strides[red_ndim - 1] == in.strides[d] * in.shape[d]) {
          red_shape[red_ndim - 1] *= in.shape[d];
          red_strides[red_ndim - 1] = in.strides[d];
        } else {
          red_shape[red_ndim] = in.shape[d];
          red_strides[red_ndim++] = in.strides[d];
        }
      } else {
        kept_shape[kept_ndim] = in.shape[d];
        kept_strides[kept_ndim++] = in.strides[d];
      }
      prev_reduced = reduced;
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

  /// Calls run(value_offset, count, step) for each run of reduced elements of output
  /// element `out_index`, in row-major order.
  template <typename Run>
  void for_each_run(int64_t out_index, Run&& run) const {
    int64_t base = base_offset(out_index);
    std::array<const int64_t*, 1> st{red_strides};
    strided_runs<1>(red_ndim, red_shape, st, 0, red_count,
                    [&](const std::array<int64_t, 1>& off, int64_t count, const std::array<int64_t, 1>& step) {
                      run(base + off[0], count, step[0]);
                    });
  }

  /// Calls visit(value_offset) for every reduced element of output element `out_index`.
  template <typename Visit>
  void for_each(int64_t out_index, Visit&& visit) const {
    for_each_run(out_index, [&](int64_t first, int64_t count, int64_t step) {
      for (int64_t i = 0; i < count; ++i) visit(first + i * step);
    });
  }
};

template <typename T>
using acc_t = std::conditional_t<is_float_v<T>, double, std::conditional_t<std::is_same_v<T, bool>, int64_t, T>>;

template <typename C>
bool is_nan(C v) {
  if constexpr (std::is_floating_point_v<C>) return std::isnan(v);
  else return false;
}

// Consecutive outputs one column block holds (see run_reduction).
constexpr int64_t kColumnBlock = 64;

/// Runs a copy of `init` per output element over that element's reduced values (in
/// row-major order) and stores acc.value(). Acc: add(compute_t<T>), value() -> Out.
/// When the input's last axis is kept (reducing "columns"), neighbouring outputs read
/// neighbouring memory: a block of them advances together through the reduced values
/// so that every cache line is read once instead of once per output.
template <typename T, typename Out, typename Acc>
void run_reduction(const ReducePlan& plan, const SilicaTensorDesc& in, const SilicaTensorDesc& out,
                   const Acc& init) {
  using C = compute_t<T>;
  const T* x = data<const T>(in);
  Out* o = data<Out>(out);
  const int64_t red = std::max<int64_t>(plan.red_count, 1);
  const bool columns = plan.kept_ndim > 0 && plan.red_ndim > 0 && plan.kept_strides[plan.kept_ndim - 1] == 1 &&
                       plan.kept_shape[plan.kept_ndim - 1] >= 4;
  if (!columns) {
    parallel_for(plan.out_count, std::max<int64_t>(1, 32768 / red), [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        Acc acc = init;
        plan.for_each_run(i, [&](int64_t first, int64_t count, int64_t step) {
          if constexpr (requires { acc.add_run(x, count); }) {
            if (step == 1) return acc.add_run(x + first, count);
          }
          for (int64_t k = 0; k < count; ++k) acc.add(static_cast<C>(x[first + k * step]));
        });
        o[i] = acc.value();
      }
    });
    return;
  }
  const int64_t width = plan.kept_shape[plan.kept_ndim - 1];
  const int64_t blocks = (width + kColumnBlock - 1) / kColumnBlock;
  const int64_t rows = plan.out_count / width;
  parallel_for(rows * blocks, std::max<int64_t>(1, 32768 / (red * kColumnBlock)), [&](int64_t b, int64_t e) {
    Acc acc[kColumnBlock];
    for (int64_t t = b; t < e; ++t) {
      const int64_t j0 = (t % blocks) * kColumnBlock, first = (t / blocks) * width + j0;
      const int64_t w = std::min(kColumnBlock, width - j0);
      for (int64_t j = 0; j < w; ++j) acc[j] = init;
      // Output first + j reads the values of output `first` shifted by j (last stride is 1).
      plan.for_each(first, [&](int64_t off) {
        const T* p = x + off;
        for (int64_t j = 0; j < w; ++j) acc[j].add(static_cast<C>(p[j]));
      });
      for (int64_t j = 0; j < w; ++j) o[first + j] = acc[j].value();
    }
  });
}

template <typename T>
struct SumAcc {
  acc_t<T> total = 0;
  bool mean = false;
  double count = 0;  // values per output, for the mean (0/0 = NaN over nothing)
  void add(compute_t<T> v) { total += static_cast<acc_t<T>>(v); }
  // A contiguous run, into independent partial sums the compiler vectorizes instead of
  // one chain of dependent double additions. f32 sums blocks of 64 values in 16 float
  // lanes (4 values each, so hardly any rounding) and adds each block's sum in double:
  // widening every value to double costs more than reading it.
  void add_run(const T* p, int64_t n) {
    int64_t i = 0;
    if constexpr (std::is_same_v<T, float>) {
      constexpr int64_t kLanes = 16, kBlock = 64;
      for (; i + kBlock <= n; i += kBlock) {
        float lane[kLanes] = {};
        for (int64_t j = 0; j < kBlock; j += kLanes)
          for (int64_t k = 0; k < kLanes; ++k) lane[k] += p[i + j + k];
        double block = 0;
        for (int64_t k = 0; k < kLanes; ++k) block += static_cast<double>(lane[k]);
        total += block;
      }
    }
    acc_t<T> s[4] = {0, 0, 0, 0};
    for (; i + 4 <= n; i += 4)
      for (int k = 0; k < 4; ++k) s[k] += static_cast<acc_t<T>>(static_cast<compute_t<T>>(p[i + k]));
    for (; i < n; ++i) s[0] += static_cast<acc_t<T>>(static_cast<compute_t<T>>(p[i]));
    total += (s[0] + s[1]) + (s[2] + s[3]);
  }
  T value() const {
    if (!mean) return T(static_cast<compute_t<T>>(total));
    return T(static_cast<compute_t<T>>(static_cast<double>(total) / count));
  }
};

// max (IsMax) or min; a NaN among the values makes the result NaN.
template <typename T, bool IsMax>
struct ExtremumAcc {
  using C = compute_t<T>;
  C best{};
  bool any = false, nan = false;
  void add(C v) {
    nan = nan || is_nan(v);
    if (!any || (IsMax ? v > best : v < best)) best = v;
    any = true;
  }
  T value() const { return static_cast<T>(nan ? std::numeric_limits<C>::quiet_NaN() : best); }
};

// Position of the max (min) among the values: the first among ties; the first NaN wins (PyTorch).
template <typename T, bool IsMax>
struct ArgAcc {
  using C = compute_t<T>;
  C best{};
  int64_t k = 0, best_k = 0;
  bool nan = false;
  void add(C v) {
    if (!nan) {
      if (is_nan(v)) nan = true, best_k = k;
      else if (k == 0 || (IsMax ? v > best : v < best)) best = v, best_k = k;
    }
    ++k;
  }
  int64_t value() const { return best_k; }
};

// Welford's running mean and sum of squared deviations, in double (stable in one pass).
// The variance divides by max(0, count - correction) as PyTorch does.
template <typename T>
struct VarAcc {
  double mean = 0, m2 = 0, correction = 1;
  int64_t count = 0;
  bool take_sqrt = false;
  void add(compute_t<T> v) {
    double d = static_cast<double>(v) - mean;
    ++count;
    mean += d / static_cast<double>(count);
    m2 += d * (static_cast<double>(v) - mean);
  }
  T value() const {
    double r = count ? m2 / std::max(0.0, static_cast<double>(count) - correction)
                     : std::numeric_limits<double>::quiet_NaN();
    return T(static_cast<compute_t<T>>(take_sqrt ? std::sqrt(r) : r));
  }
};

// log(sum(exp(x))) kept as max m and sum s of exp(x - m), rescaled when m grows, so
// nothing overflows. -inf values add nothing; an infinite maximum is the result.
template <typename T>
struct LogSumExpAcc {
  double m = -std::numeric_limits<double>::infinity(), s = 0;
  bool nan = false;
  void add(compute_t<T> v_in) {
    double v = static_cast<double>(v_in);
    if (std::isnan(v)) nan = true;
    else if (v == m) s += 1;  // also inf == inf, where v - m would be NaN
    else if (v > m) s = s * std::exp(m - v) + 1, m = v;
    else s += std::exp(v - m);
  }
  T value() const {
    double r = nan ? std::numeric_limits<double>::quiet_NaN() : std::isinf(m) ? m : m + std::log(s);
    return T(static_cast<compute_t<T>>(r));
  }
};

template <bool Mean>
SilicaStatus sum_kernel(const SilicaTensorDesc* in, int32_t, const SilicaTensorDesc* out, int32_t,
                        const SilicaAttrs* a) {
  ReducePlan plan(in[0], static_cast<uint64_t>(a->ints[0]));
  visit_dtype(in[0].dtype, [&](auto tag) {
    using T = decltype(tag);
    SumAcc<T> init;
    init.mean = Mean;
    init.count = static_cast<double>(plan.red_count);
    run_reduction<T, T>(plan, in[0], out[0], init);
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

template <bool IsMax>
SilicaStatus extremum_kernel(const SilicaTensorDesc* in, int32_t, const SilicaTensorDesc* out, int32_t,
                             const SilicaAttrs* a) {
  uint64_t mask = static_cast<uint64_t>(a->ints[0]);
  ReducePlan plan(in[0], mask);
  if (plan.red_count == 0 && plan.out_count > 0) return empty_reduction_error(IsMax ? "max" : "min", in[0], mask);
  visit_dtype(in[0].dtype, [&](auto tag) {
    using T = decltype(tag);
    run_reduction<T, T>(plan, in[0], out[0], ExtremumAcc<T, IsMax>{});
  });
  return SILICA_OK;
}

// The ABI passes one axis; the index counts row-major over the reduced axes in general.
template <bool IsMax>
SilicaStatus arg_extremum_kernel(const SilicaTensorDesc* in, int32_t, const SilicaTensorDesc* out, int32_t,
                                 const SilicaAttrs* a) {
  uint64_t mask = static_cast<uint64_t>(a->ints[0]);
  ReducePlan plan(in[0], mask);
  if (plan.red_count == 0 && plan.out_count > 0)
    return empty_reduction_error(IsMax ? "argmax" : "argmin", in[0], mask);
  visit_dtype(in[0].dtype, [&](auto tag) {
    using T = decltype(tag);
    run_reduction<T, int64_t>(plan, in[0], out[0], ArgAcc<T, IsMax>{});
  });
  return SILICA_OK;
}

template <bool Std>
SilicaStatus var_kernel(const SilicaTensorDesc* in, int32_t, const SilicaTensorDesc* out, int32_t,
                        const SilicaAttrs* a) {
  ReducePlan plan(in[0], static_cast<uint64_t>(a->ints[0]));
  visit_float_dtype(in[0].dtype, [&](auto tag) {
    using T = decltype(tag);
    VarAcc<T> init;
    init.correction = a->num_floats > 0 ? a->floats[0] : 1.0;
    init.take_sqrt = Std;
    run_reduction<T, T>(plan, in[0], out[0], init);
  });
  return SILICA_OK;
}

SilicaStatus logsumexp_kernel(const SilicaTensorDesc* in, int32_t, const SilicaTensorDesc* out, int32_t,
                              const SilicaAttrs* a) {
  ReducePlan plan(in[0], static_cast<uint64_t>(a->ints[0]));
  visit_float_dtype(in[0].dtype, [&](auto tag) {
    using T = decltype(tag);
    run_reduction<T, T>(plan, in[0], out[0], LogSumExpAcc<T>{});
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
