// Indexing kernels: index_select, index_add, gather, scatter_add. All tensors are
// contiguous; index tensors are i64. An out-of-range index makes the kernel fail with
// SILICA_ERROR_INVALID naming the index, axis and size. Worker threads only record the
// lowest bad position (atomically, so the message does not depend on scheduling); the
// message is written by the calling thread after the parallel loop, since last_error is
// per thread.
//
// The accumulating kernels are race-free without atomics: index_add groups the index
// positions by target row so each task owns whole output rows, and scatter_add gives each
// task whole columns along the axis (the only direction in which its writes collide).
#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>
#include <numeric>
#include <vector>

#include "strided.h"

namespace silica::cpu {

namespace {

constexpr int64_t kIndexGrain = 32768;

/// The lowest position at which an index was out of range, seen by any thread.
class BadIndex {
 public:
  void note(int64_t position) {
    int64_t cur = pos_.load(std::memory_order_relaxed);
    while (position < cur && !pos_.compare_exchange_weak(cur, position, std::memory_order_relaxed)) {
    }
  }
  bool any() const { return pos_.load() != kNone; }
  /// Writes the error for the recorded position of `index`.
  SilicaStatus report(const int64_t* index, int64_t axis, int64_t size) const {
    return set_error(SILICA_ERROR_INVALID, "index " + std::to_string(index[pos_.load()]) +
                                               " is out of range for axis " + std::to_string(axis) +
                                               " of size " + std::to_string(size));
  }

 private:
  static constexpr int64_t kNone = std::numeric_limits<int64_t>::max();
  std::atomic<int64_t> pos_{kNone};
};

/// Sizes before, at and after `axis`: the tensor viewed as (outer, n, inner).
struct AxisSplit {
  int64_t outer = 1, n = 1, inner = 1;
  AxisSplit(const SilicaTensorDesc& d, int axis) {
    for (int i = 0; i < d.ndim; ++i) {
      if (i < axis)
        outer *= d.shape[i];
      else if (i == axis)
        n = d.shape[i];
      else
        inner *= d.shape[i];
    }
  }
};

int64_t element_size(int32_t dtype) {
  switch (dtype) {
    case SILICA_F64:
    case SILICA_I64: return 8;
    case SILICA_F32:
    case SILICA_I32: return 4;
    case SILICA_F16:
    case SILICA_BF16: return 2;
    default: return 1;
  }
}

/// Calls fn(W{}) with W an unsigned word as wide as an element of `dtype`: the copying
/// kernels move bits and work for every dtype.
template <typename F>
void visit_word(int32_t dtype, F&& fn) {
  switch (element_size(dtype)) {
    case 8: fn(uint64_t{}); break;
    case 4: fn(uint32_t{}); break;
    case 2: fn(uint16_t{}); break;
    default: fn(uint8_t{}); break;
  }
}

/// y = x, in parallel (both contiguous, same shape and dtype).
void copy_all(const SilicaTensorDesc& y, const SilicaTensorDesc& x) {
  int64_t bytes = numel(y) * element_size(y.dtype);
  char* dst = data<char>(y);
  const char* src = data<const char>(x);
  parallel_for(bytes, 1 << 20, [&](int64_t b, int64_t e) { std::memcpy(dst + b, src + b, e - b); });
}

/// Accumulator for the adding kernels: double for floating types, int64 for integers.
template <typename T>
using acc_t = std::conditional_t<is_float_v<T>, double, int64_t>;

// in x (outer, n, inner), index (K); out y (outer, K, inner); ints[0] axis.
SilicaStatus index_select_kernel(const SilicaTensorDesc* in, int32_t, const SilicaTensorDesc* out, int32_t,
                                 const SilicaAttrs* a) {
  int axis = static_cast<int>(a->ints[0]);
  AxisSplit s(in[0], axis);
  const int64_t* index = data<const int64_t>(in[1]);
  int64_t k_count = numel(in[1]);
  BadIndex bad;
  visit_word(in[0].dtype, [&](auto tag) {
    using W = decltype(tag);
    const W* x = data<const W>(in[0]);
    W* y = data<W>(out[0]);
    int64_t grain = std::max<int64_t>(1, kIndexGrain / std::max<int64_t>(s.inner, 1));
    parallel_for(s.outer * k_count, grain, [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        int64_t o = r / k_count, k = r % k_count, v = index[k];
        if (v < 0 || v >= s.n) {
          bad.note(k);
          continue;
        }
        const W* src = x + (o * s.n + v) * s.inner;
        W* dst = y + r * s.inner;
        for (int64_t j = 0; j < s.inner; ++j) dst[j] = src[j];
      }
    });
  });
  return bad.any() ? bad.report(index, axis, s.n) : SILICA_OK;
}

// in base (outer, n, inner), index (K), src (outer, K, inner); out y = base with
// y[o, index[k], :] += src[o, k, :]. Positions k are grouped by target row (sorted, so the
// sum order is fixed); each task sums one group into one slice of one row in acc_t.
SilicaStatus index_add_kernel(const SilicaTensorDesc* in, int32_t, const SilicaTensorDesc* out, int32_t,
                              const SilicaAttrs* a) {
  int axis = static_cast<int>(a->ints[0]);
  AxisSplit s(in[0], axis);
  const int64_t* index = data<const int64_t>(in[1]);
  int64_t k_count = numel(in[1]);
  for (int64_t k = 0; k < k_count; ++k)
    if (index[k] < 0 || index[k] >= s.n) {
      BadIndex bad;
      bad.note(k);
      return bad.report(index, axis, s.n);
    }
  copy_all(out[0], in[0]);
  if (k_count == 0 || s.outer == 0 || s.inner == 0) return SILICA_OK;

  std::vector<int64_t> order(static_cast<size_t>(k_count));
  std::iota(order.begin(), order.end(), int64_t{0});
  std::stable_sort(order.begin(), order.end(), [&](int64_t p, int64_t q) { return index[p] < index[q]; });
  std::vector<int64_t> group_start;  // groups are order[group_start[g] .. group_start[g + 1])
  for (int64_t p = 0; p < k_count; ++p)
    if (p == 0 || index[order[p]] != index[order[p - 1]]) group_start.push_back(p);
  int64_t groups = static_cast<int64_t>(group_start.size());
  group_start.push_back(k_count);

  constexpr int64_t kSlice = 4096;  // inner elements per task, so long rows still spread out
  int64_t slices = (s.inner + kSlice - 1) / kSlice;
  int64_t tasks = s.outer * groups * slices;
  int64_t work = std::max<int64_t>(1, k_count * std::min(s.inner, kSlice) / groups);
  visit_dtype(in[0].dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<T, bool>) {
      using Acc = acc_t<T>;
      const T* src = data<const T>(in[2]);
      T* y = data<T>(out[0]);
      parallel_for(tasks, std::max<int64_t>(1, kIndexGrain / work), [&](int64_t b, int64_t e) {
        std::vector<Acc> acc(static_cast<size_t>(std::min(s.inner, kSlice)));
        for (int64_t t = b; t < e; ++t) {
          int64_t slice = t % slices, g = (t / slices) % groups, o = t / (slices * groups);
          int64_t j0 = slice * kSlice, len = std::min(kSlice, s.inner - j0);
          T* row = y + (o * s.n + index[order[group_start[g]]]) * s.inner + j0;
          for (int64_t j = 0; j < len; ++j) acc[j] = static_cast<Acc>(static_cast<compute_t<T>>(row[j]));
          for (int64_t p = group_start[g]; p < group_start[g + 1]; ++p) {
            const T* from = src + (o * k_count + order[p]) * s.inner + j0;
            for (int64_t j = 0; j < len; ++j) acc[j] += static_cast<Acc>(static_cast<compute_t<T>>(from[j]));
          }
          for (int64_t j = 0; j < len; ++j) row[j] = T(static_cast<compute_t<T>>(acc[j]));
        }
      });
    }
  });
  return SILICA_OK;
}

/// Row-major strides of a contiguous tensor of d's shape.
void contiguous_strides(const SilicaTensorDesc& d, int64_t* strides) {
  int64_t s = 1;
  for (int i = d.ndim - 1; i >= 0; --i) {
    strides[i] = s;
    s *= d.shape[i];
  }
}

// in x, index (shape of y, sizes <= x's except on the axis); out y; ints[0] axis.
// y[p] = x[p with p[axis] replaced by index[p]].
SilicaStatus gather_kernel(const SilicaTensorDesc* in, int32_t, const SilicaTensorDesc* out, int32_t,
                           const SilicaAttrs* a) {
  int axis = static_cast<int>(a->ints[0]);
  const SilicaTensorDesc &x = in[0], &ix = in[1];
  const int64_t* index = data<const int64_t>(ix);
  int64_t n = x.shape[axis], axis_stride = x.strides[axis];
  int64_t ix_strides[SILICA_MAX_DIMS], x_strides[SILICA_MAX_DIMS];
  contiguous_strides(ix, ix_strides);
  for (int i = 0; i < x.ndim; ++i) x_strides[i] = i == axis ? 0 : x.strides[i];  // the index picks it
  std::array<const int64_t*, 2> strides{ix_strides, x_strides};
  BadIndex bad;
  visit_word(x.dtype, [&](auto tag) {
    using W = decltype(tag);
    const W* xp = data<const W>(x);
    W* y = data<W>(out[0]);  // y has index's shape and layout
    parallel_for(numel(ix), kIndexGrain, [&](int64_t b, int64_t e) {
      strided_runs<2>(
          ix.ndim, ix.shape, strides, b, e,
          [&](const std::array<int64_t, 2>& off, int64_t count, const std::array<int64_t, 2>& step) {
            for (int64_t i = 0; i < count; ++i) {
              int64_t p = off[0] + i * step[0], v = index[p];
              if (v < 0 || v >= n) {
                bad.note(p);
                continue;
              }
              y[p] = xp[off[1] + i * step[1] + v * axis_stride];
            }
          });
    });
  });
  return bad.any() ? bad.report(index, axis, n) : SILICA_OK;
}

// in base, index, src (index's shape); out y = base, then y[p with p[axis] = index[p]] += src[p].
// Writes collide only along the axis, so the index is walked with the axis innermost and
// each task takes whole columns (all positions that differ only in the axis coordinate).
SilicaStatus scatter_add_kernel(const SilicaTensorDesc* in, int32_t, const SilicaTensorDesc* out, int32_t,
                                const SilicaAttrs* a) {
  int axis = static_cast<int>(a->ints[0]);
  const SilicaTensorDesc &ix = in[1], &y = out[0];
  const int64_t* index = data<const int64_t>(ix);
  int64_t n = y.shape[axis], axis_stride = y.strides[axis];
  copy_all(out[0], in[0]);
  int64_t total = numel(ix), column = ix.shape[axis];
  if (total == 0) return SILICA_OK;

  // Axes permuted so `axis` comes last.
  int nd = ix.ndim;
  int64_t ix_contig[SILICA_MAX_DIMS];
  contiguous_strides(ix, ix_contig);
  int64_t shape[SILICA_MAX_DIMS], ix_strides[SILICA_MAX_DIMS], y_strides[SILICA_MAX_DIMS];
  for (int i = 0, j = 0; i < nd; ++i) {
    if (i == axis) continue;
    shape[j] = ix.shape[i];
    ix_strides[j] = ix_contig[i];
    y_strides[j++] = y.strides[i];
  }
  shape[nd - 1] = column;
  ix_strides[nd - 1] = ix_contig[axis];
  y_strides[nd - 1] = 0;  // the index picks the position along the axis
  std::array<const int64_t*, 2> strides{ix_strides, y_strides};
  BadIndex bad;
  visit_dtype(y.dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<T, bool>) {
      using C = compute_t<T>;
      // One add at a time, each rounded to T (as PyTorch does): order is fixed per column.
      using Acc = acc_t<T>;
      const T* src = data<const T>(in[2]);  // src has index's shape and layout
      T* yp = data<T>(y);
      int64_t columns = total / column;
      parallel_for(columns, std::max<int64_t>(1, kIndexGrain / column), [&](int64_t b, int64_t e) {
        strided_runs<2>(
            nd, shape, strides, b * column, e * column,
            [&](const std::array<int64_t, 2>& off, int64_t count, const std::array<int64_t, 2>& step) {
              for (int64_t i = 0; i < count; ++i) {
                int64_t p = off[0] + i * step[0], v = index[p];
                if (v < 0 || v >= n) {
                  bad.note(p);
                  continue;
                }
                T& dst = yp[off[1] + v * axis_stride];
                dst = T(static_cast<C>(static_cast<Acc>(static_cast<C>(dst)) +
                                       static_cast<Acc>(static_cast<C>(src[p]))));
              }
            });
      });
    }
  });
  return bad.any() ? bad.report(index, axis, n) : SILICA_OK;
}

}  // namespace

void register_index_kernels() {
  register_kernel(SILICA_OP_INDEX_SELECT, index_select_kernel, kAllDTypes);
  register_kernel(SILICA_OP_INDEX_ADD, index_add_kernel, kNumericDTypes);
  register_kernel(SILICA_OP_GATHER, gather_kernel, kAllDTypes);
  register_kernel(SILICA_OP_SCATTER_ADD, scatter_add_kernel, kNumericDTypes);
}

}  // namespace silica::cpu
