// Reductions over any set of axes. Inputs are contiguous; the output has the input's
// ndim with size 1 on reduced axes. Floating sums accumulate in double.
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

}  // namespace

void register_reduce_kernels() {
  register_kernel(SILICA_OP_SUM, sum_kernel<false>, kNumericDTypes);
  register_kernel(SILICA_OP_MEAN, sum_kernel<true>, kFloatDTypes);
}

}  // namespace silica::cpu
