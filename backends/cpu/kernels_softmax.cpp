// softmax / log_softmax over one axis, their gradient, and the fused cross-entropy loss
// with its gradient. Inputs and outputs are contiguous: the axis splits a tensor into an
// (outer, n, inner) layout, element (o, k, j) at (o * n + k) * inner + j.
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernel.h"

namespace silica::cpu {

namespace {

struct AxisLayout {
  int64_t outer = 1, n = 1, inner = 1;

  AxisLayout(const SilicaTensorDesc& d, int64_t axis) {
    if (d.ndim == 0) return;  // a scalar is one row of one element
    if (axis < 0) axis += d.ndim;
    for (int i = 0; i < d.ndim; ++i) {
      if (i < axis) outer *= d.shape[i];
      else if (i == axis) n = d.shape[i];
      else inner *= d.shape[i];
    }
  }
};

// Columns handled together when inner > 1: the loops over the axis then walk rows of
// kBlock neighbouring elements instead of striding through memory one value at a time.
constexpr int64_t kBlock = 64;

/// Calls fn(o, j0, j1) for every (outer index, block of inner columns), in parallel.
template <typename F>
void for_each_block(const AxisLayout& L, F&& fn) {
  int64_t blocks = (L.inner + kBlock - 1) / kBlock;
  int64_t tasks = L.outer * blocks;
  int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(L.n * std::min(L.inner, kBlock), 1));
  parallel_for(tasks, grain, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      int64_t o = t / blocks, j0 = (t % blocks) * kBlock;
      fn(o, j0, std::min(L.inner, j0 + kBlock));
    }
  });
}

// NaN-keeping maximum: std::max would drop a NaN, which must reach every output of its row.
template <typename C>
C max_keep_nan(C m, C v) {
  return (v > m || std::isnan(v)) ? v : m;
}

// One contiguous row of n values (the axis is the last one). softmax keeps exp(x - m) in
// y when y holds the compute type, so each value takes one exp; log_softmax needs none
// beyond the sum.
template <bool Log, typename T>
void softmax_row(const T* x, T* y, int64_t n) {
  using C = compute_t<T>;
  C m = -std::numeric_limits<C>::infinity();
  for (int64_t k = 0; k < n; ++k) m = max_keep_nan(m, static_cast<C>(x[k]));
  double s = 0;
  if constexpr (!Log && std::is_same_v<T, C>) {
    for (int64_t k = 0; k < n; ++k) {
      C e = std::exp(x[k] - m);
      y[k] = e;
      s += static_cast<double>(e);
    }
    const C inv = static_cast<C>(1.0 / s);
    for (int64_t k = 0; k < n; ++k) y[k] *= inv;
    return;
  }
  for (int64_t k = 0; k < n; ++k) s += static_cast<double>(std::exp(static_cast<C>(x[k]) - m));
  if constexpr (Log) {
    const double shift = static_cast<double>(m) + std::log(s);
    for (int64_t k = 0; k < n; ++k) y[k] = T(static_cast<C>(static_cast<double>(static_cast<C>(x[k])) - shift));
  } else {
    const double inv = 1.0 / s;
    for (int64_t k = 0; k < n; ++k) y[k] = T(static_cast<C>(std::exp(static_cast<C>(x[k]) - m) * inv));
  }
}

// y = softmax(x) or log_softmax(x) along the axis, after subtracting the maximum.
template <bool Log>
SilicaStatus softmax_kernel(const SilicaTensorDesc* in, int32_t, const SilicaTensorDesc* out, int32_t,
                            const SilicaAttrs* a) {
  AxisLayout L(in[0], a->ints[0]);
  visit_float_dtype(in[0].dtype, [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    const T* x = data<const T>(in[0]);
    T* y = data<T>(out[0]);
    if (L.inner == 1) {
      parallel_for(L.outer, std::max<int64_t>(1, 16384 / std::max<int64_t>(L.n, 1)), [&](int64_t b, int64_t e) {
        for (int64_t o = b; o < e; ++o) softmax_row<Log>(x + o * L.n, y + o * L.n, L.n);
      });
      return;
    }
    // Otherwise a block of neighbouring columns moves down the axis together.
    for_each_block(L, [&](int64_t o, int64_t j0, int64_t j1) {
      C m[kBlock];
      double s[kBlock];
      const int64_t w = j1 - j0;
      for (int64_t j = 0; j < w; ++j) m[j] = -std::numeric_limits<C>::infinity(), s[j] = 0;
      const int64_t base = o * L.n * L.inner + j0;
      for (int64_t k = 0; k < L.n; ++k) {
        const T* row = x + base + k * L.inner;
        for (int64_t j = 0; j < w; ++j) m[j] = max_keep_nan(m[j], static_cast<C>(row[j]));
      }
      constexpr bool keep_exp = !Log && std::is_same_v<T, C>;  // as in softmax_row
      for (int64_t k = 0; k < L.n; ++k) {
        const T* row = x + base + k * L.inner;
        T* yrow = y + base + k * L.inner;
        for (int64_t j = 0; j < w; ++j) {
          C e = std::exp(static_cast<C>(row[j]) - m[j]);
          if constexpr (keep_exp) yrow[j] = e;
          s[j] += static_cast<double>(e);
        }
      }
      for (int64_t j = 0; j < w; ++j) s[j] = Log ? static_cast<double>(m[j]) + std::log(s[j]) : 1.0 / s[j];
      if constexpr (keep_exp) {
        C inv[kBlock];
        for (int64_t j = 0; j < w; ++j) inv[j] = static_cast<C>(s[j]);
        for (int64_t k = 0; k < L.n; ++k) {
          T* yrow = y + base + k * L.inner;
          for (int64_t j = 0; j < w; ++j) yrow[j] *= inv[j];
        }
        return;
      }
      for (int64_t k = 0; k < L.n; ++k) {
        const T* row = x + base + k * L.inner;
        T* yrow = y + base + k * L.inner;
        for (int64_t j = 0; j < w; ++j) {
          double v = static_cast<double>(static_cast<C>(row[j]));
          if constexpr (Log) yrow[j] = T(static_cast<C>(v - s[j]));
          else yrow[j] = T(static_cast<C>(std::exp(static_cast<C>(row[j]) - m[j]) * s[j]));
        }
      }
    });
  });
  return SILICA_OK;
}

// in y, dy; out dx. softmax: dx = y * (dy - sum(dy * y)); log_softmax: dx = dy - exp(y) * sum(dy).
SilicaStatus softmax_grad_kernel(const SilicaTensorDesc* in, int32_t, const SilicaTensorDesc* out, int32_t,
                                 const SilicaAttrs* a) {
  AxisLayout L(in[0], a->ints[0]);
  const bool is_log = a->num_ints > 1 && a->ints[1] != 0;
  visit_float_dtype(in[0].dtype, [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    const T* y = data<const T>(in[0]);
    const T* dy = data<const T>(in[1]);
    T* dx = data<T>(out[0]);
    auto dx_of = [is_log](C yv, C g, C sum) { return T(is_log ? C(g - std::exp(yv) * sum) : C(yv * (g - sum))); };
    if (L.inner == 1) {
      parallel_for(L.outer, std::max<int64_t>(1, 16384 / std::max<int64_t>(L.n, 1)), [&](int64_t b, int64_t e) {
        for (int64_t o = b; o < e; ++o) {
          const T *yr = y + o * L.n, *gr = dy + o * L.n;
          T* dr = dx + o * L.n;
          double s = 0;
          if (is_log) {
            for (int64_t k = 0; k < L.n; ++k) s += static_cast<double>(static_cast<C>(gr[k]));
          } else {
            for (int64_t k = 0; k < L.n; ++k)
              s += static_cast<double>(static_cast<C>(gr[k])) * static_cast<double>(static_cast<C>(yr[k]));
          }
          const C sum = static_cast<C>(s);
          for (int64_t k = 0; k < L.n; ++k) dr[k] = dx_of(static_cast<C>(yr[k]), static_cast<C>(gr[k]), sum);
        }
      });
      return;
    }
    for_each_block(L, [&](int64_t o, int64_t j0, int64_t j1) {
      double s[kBlock];
      const int64_t w = j1 - j0;
      for (int64_t j = 0; j < w; ++j) s[j] = 0;
      const int64_t base = o * L.n * L.inner + j0;
      for (int64_t k = 0; k < L.n; ++k) {
        const int64_t r = base + k * L.inner;
        for (int64_t j = 0; j < w; ++j) {
          double g = static_cast<double>(static_cast<C>(dy[r + j]));
          s[j] += is_log ? g : g * static_cast<double>(static_cast<C>(y[r + j]));
        }
      }
      for (int64_t k = 0; k < L.n; ++k) {
        const int64_t r = base + k * L.inner;
        for (int64_t j = 0; j < w; ++j)
          dx[r + j] = dx_of(static_cast<C>(y[r + j]), static_cast<C>(dy[r + j]), static_cast<C>(s[j]));
      }
    });
  });
  return SILICA_OK;
}

// Cross-entropy needs a row's log-sum-exp and plain sum of logits.
template <typename T>
void row_stats(const T* x, int64_t C, double& lse, double& sum) {
  double m = -std::numeric_limits<double>::infinity();
  sum = 0;
  for (int64_t c = 0; c < C; ++c) {
    double v = static_cast<double>(static_cast<compute_t<T>>(x[c]));
    m = std::max(m, v);
    sum += v;
  }
  double s = 0;
  for (int64_t c = 0; c < C; ++c) s += std::exp(static_cast<double>(static_cast<compute_t<T>>(x[c])) - m);
  lse = m + std::log(s);
}

// Validates every target: in [0, C) or the ignore index. Reports the first bad one.
SilicaStatus check_targets(const int64_t* t, int64_t N, int64_t C, int64_t ignore) {
  for (int64_t i = 0; i < N; ++i)
    if (t[i] != ignore && (t[i] < 0 || t[i] >= C))
      return set_error(SILICA_ERROR_INVALID, "target " + std::to_string(t[i]) + " is out of range for " +
                                                 std::to_string(C) + " classes");
  return SILICA_OK;
}

// in logits (N, C), target (N); out loss (N):
// (1 - eps) * (lse - x_t) + eps * (lse - mean_c x_c), 0 where the target is ignored.
SilicaStatus cross_entropy_kernel(const SilicaTensorDesc* in, int32_t, const SilicaTensorDesc* out, int32_t,
                                  const SilicaAttrs* a) {
  const int64_t N = in[0].shape[0], C = in[0].shape[1];
  const int64_t ignore = a->ints[0];
  const double eps = a->num_floats > 0 ? a->floats[0] : 0.0;
  const int64_t* target = data<const int64_t>(in[1]);
  if (SilicaStatus st = check_targets(target, N, C, ignore); st != SILICA_OK) return st;
  visit_float_dtype(in[0].dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* x = data<const T>(in[0]);
    T* loss = data<T>(out[0]);
    parallel_for(N, std::max<int64_t>(1, 16384 / std::max<int64_t>(C, 1)), [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const int64_t t = target[i];
        if (t == ignore) {
          loss[i] = T(compute_t<T>(0));
          continue;
        }
        const T* row = x + i * C;
        double lse, sum;
        row_stats(row, C, lse, sum);
        double nll = lse - static_cast<double>(static_cast<compute_t<T>>(row[t]));
        double smooth = lse - sum / static_cast<double>(C);
        loss[i] = T(static_cast<compute_t<T>>((1.0 - eps) * nll + eps * smooth));
      }
    });
  });
  return SILICA_OK;
}

// in logits (N, C), target (N), dloss (N); out dlogits (N, C):
// dloss_n * (softmax - ((1 - eps) * onehot + eps / C)), 0 on ignored rows.
SilicaStatus cross_entropy_grad_kernel(const SilicaTensorDesc* in, int32_t, const SilicaTensorDesc* out,
                                       int32_t, const SilicaAttrs* a) {
  const int64_t N = in[0].shape[0], C = in[0].shape[1];
  const int64_t ignore = a->ints[0];
  const double eps = a->num_floats > 0 ? a->floats[0] : 0.0;
  const int64_t* target = data<const int64_t>(in[1]);
  if (SilicaStatus st = check_targets(target, N, C, ignore); st != SILICA_OK) return st;
  visit_float_dtype(in[0].dtype, [&](auto tag) {
    using T = decltype(tag);
    using CT = compute_t<T>;
    const T* x = data<const T>(in[0]);
    const T* dloss = data<const T>(in[2]);
    T* dx = data<T>(out[0]);
    parallel_for(N, std::max<int64_t>(1, 16384 / std::max<int64_t>(C, 1)), [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const int64_t t = target[i];
        T* drow = dx + i * C;
        if (t == ignore) {
          for (int64_t c = 0; c < C; ++c) drow[c] = T(CT(0));
          continue;
        }
        const T* row = x + i * C;
        double lse, sum;
        row_stats(row, C, lse, sum);
        const double g = static_cast<double>(static_cast<CT>(dloss[i]));
        const double uniform = eps / static_cast<double>(C);
        for (int64_t c = 0; c < C; ++c) {
          double p = std::exp(static_cast<double>(static_cast<CT>(row[c])) - lse);
          double q = (c == t ? 1.0 - eps : 0.0) + uniform;
          drow[c] = T(static_cast<CT>(g * (p - q)));
        }
      }
    });
  });
  return SILICA_OK;
}

}  // namespace

void register_softmax_kernels() {
  register_kernel(SILICA_OP_SOFTMAX, softmax_kernel<false>, kFloatDTypes);
  register_kernel(SILICA_OP_LOG_SOFTMAX, softmax_kernel<true>, kFloatDTypes);
  register_kernel(SILICA_OP_SOFTMAX_GRAD, softmax_grad_kernel, kFloatDTypes);
  register_kernel(SILICA_OP_CROSS_ENTROPY, cross_entropy_kernel, kFloatDTypes);
  register_kernel(SILICA_OP_CROSS_ENTROPY_GRAD, cross_entropy_grad_kernel, kFloatDTypes);
}

}  // namespace silica::cpu
