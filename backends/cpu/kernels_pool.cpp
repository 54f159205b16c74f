// 2-D pooling over (N,C,H,W) planes: max (with argmax indices), average and adaptive
// average, and their gradients. Inputs are contiguous; each (n, c) plane is independent,
// so work is split over planes. Gradients accumulate a plane in compute_t<T> (float for
// f16/bf16) before storing, since windows may overlap.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#if defined(__SSE4_1__)
#include <smmintrin.h>
#endif

#include "kernel.h"

namespace silica::cpu {

namespace {

struct Planes {
  int64_t count, H, W, OH, OW;  // count = N*C
};

// x-shaped and y-shaped (N,C,.,.) descriptors.
bool make_planes(const SilicaTensorDesc& x, const SilicaTensorDesc& y, Planes& p) {
  if (x.ndim != 4 || y.ndim != 4 || x.shape[0] != y.shape[0] || x.shape[1] != y.shape[1]) return false;
  p = {x.shape[0] * x.shape[1], x.shape[2], x.shape[3], y.shape[2], y.shape[3]};
  return true;
}

SilicaStatus bad_shapes(const char* op) {
  return set_error(SILICA_ERROR_INVALID, std::string(op) + ": expects (N,C,H,W) input and output of one N and C, "
                                                           "and its pooling attributes");
}

// Window attributes: kernel h,w, stride h,w, padding h,w, then dilation h,w (max pool).
struct Window {
  int64_t kh, kw, sh, sw, ph, pw, dh = 1, dw = 1;
};

bool read_window(const SilicaAttrs* a, bool dilation, Window& w) {
  if (a->num_ints < (dilation ? 8 : 6)) return false;
  w = {a->ints[0], a->ints[1], a->ints[2], a->ints[3], a->ints[4], a->ints[5]};
  if (dilation) w.dh = a->ints[6], w.dw = a->ints[7];
  return w.kh >= 1 && w.kw >= 1 && w.sh >= 1 && w.sw >= 1 && w.dh >= 1 && w.dw >= 1;
}

int64_t plane_grain(const Planes& p, int64_t per_output) {
  return std::max<int64_t>(1, 32768 / std::max<int64_t>(p.OH * p.OW * per_output, 1));
}

// Runs fn(x_plane_index) for every plane in parallel.
template <typename F>
void each_plane(const Planes& p, int64_t per_output, F&& fn) {
  parallel_for(p.count, plane_grain(p, per_output), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) fn(i);
  });
}

// ---- max pool ----

// Whether tap value v replaces the best so far: the first of equal values wins, and NaN
// beats any number (the first NaN wins, so it propagates). Written with bitwise ops so it
// compiles to selects: on ReLU outputs the comparisons are random and branches mispredict.
template <typename C>
inline bool beats(C v, C best) {
  return (v > best) | ((v != v) & (best == best));
}

// One plane without padding: every window lies inside the plane, so no tap needs a bounds
// check. KH, KW > 0 fix the window at compile time (2x2 is the common case), 0 reads w.
template <int KH, int KW, typename T>
void max_pool_plane_inside(const Planes& p, const Window& w, const T* xp, T* yp, int64_t* ip) {
  using C = compute_t<T>;
  const int64_t kh = KH > 0 ? KH : w.kh, kw = KW > 0 ? KW : w.kw;
  for (int64_t oh = 0; oh < p.OH; ++oh) {
    const int64_t h0 = oh * w.sh;
    int64_t ow = 0;
#if defined(__SSE4_1__)
    if constexpr (std::is_same_v<T, float> && KH == 2 && KW == 2)
      if (w.sh == 2 && w.sw == 2 && w.dh == 1 && w.dw == 1)
        ow = max_pool_2x2_row_sse(p, xp, oh, yp + oh * p.OW, ip + oh * p.OW);
#endif
    for (; ow < p.OW; ++ow) {
      const int64_t first = h0 * p.W + ow * w.sw;
      C best = static_cast<C>(xp[first]);
      int64_t best_i = first;
      for (int64_t i = 0; i < kh; ++i)
        for (int64_t j = 0; j < kw; ++j) {
          const int64_t at = first + i * w.dh * p.W + j * w.dw;
          const C v = static_cast<C>(xp[at]);
          const bool take = beats(v, best);
          best = take ? v : best;
          best_i = take ? at : best_i;
        }
      yp[oh * p.OW + ow] = T(best);
      ip[oh * p.OW + ow] = best_i;
    }
  }
}

#if defined(__SSE4_1__)
// The 2x2, stride 2 window of every CNN, f32: four outputs of row oh at a time. Branch
// free, as max over ReLU outputs compares random values; the same rule as beats(): taps in
// order (0,0) (0,1) (1,0) (1,1), a later tap wins only when greater, or NaN over a number.
// Writes the whole row when it has at least 4 outputs (the last group overlaps the one
// before it) and returns how many it wrote: OW, or 0 for a narrower row.
inline int64_t max_pool_2x2_row_sse(const Planes& p, const float* xp, int64_t oh, float* yr, int64_t* ir) {
  if (p.OW < 4 || p.W > INT32_MAX / 4 || p.H > INT32_MAX / (4 * p.W)) return 0;
  const float* r0 = xp + 2 * oh * p.W;
  const float* r1 = r0 + p.W;
  const __m128i lane = _mm_setr_epi32(0, 2, 4, 6);
  const __m128i row_index = _mm_set1_epi32(static_cast<int32_t>(2 * oh * p.W));
  const __m128i width = _mm_set1_epi32(static_cast<int32_t>(p.W));
  for (int64_t ow = 0;;) {
    const __m128 a0 = _mm_loadu_ps(r0 + 2 * ow), a1 = _mm_loadu_ps(r0 + 2 * ow + 4);
    const __m128 b0 = _mm_loadu_ps(r1 + 2 * ow), b1 = _mm_loadu_ps(r1 + 2 * ow + 4);
    const __m128 taps[4] = {_mm_shuffle_ps(a0, a1, _MM_SHUFFLE(2, 0, 2, 0)),
                            _mm_shuffle_ps(a0, a1, _MM_SHUFFLE(3, 1, 3, 1)),
                            _mm_shuffle_ps(b0, b1, _MM_SHUFFLE(2, 0, 2, 0)),
                            _mm_shuffle_ps(b0, b1, _MM_SHUFFLE(3, 1, 3, 1))};
    // Offsets of the taps from the window's corner: 0, 1, W, W + 1.
    const __m128i offsets[4] = {_mm_setzero_si128(), _mm_set1_epi32(1), width,
                                _mm_add_epi32(width, _mm_set1_epi32(1))};
    __m128 best = taps[0];
    __m128i off = offsets[0];
    for (int t = 1; t < 4; ++t) {
      const __m128 v = taps[t];
      const __m128 nan_over_number = _mm_andnot_ps(_mm_cmpunord_ps(best, best), _mm_cmpunord_ps(v, v));
      const __m128 take = _mm_or_ps(_mm_cmpgt_ps(v, best), nan_over_number);
      best = _mm_blendv_ps(best, v, take);
      off = _mm_castps_si128(_mm_blendv_ps(_mm_castsi128_ps(off), _mm_castsi128_ps(offsets[t]), take));
    }
    _mm_storeu_ps(yr + ow, best);
    // Flat index in the plane: 2*oh*W + 2*ow + offset, widened to i64.
    const __m128i corner = _mm_add_epi32(row_index, _mm_add_epi32(_mm_set1_epi32(static_cast<int32_t>(2 * ow)), lane));
    const __m128i index = _mm_add_epi32(corner, off);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(ir + ow), _mm_cvtepi32_epi64(index));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(ir + ow + 2), _mm_cvtepi32_epi64(_mm_srli_si128(index, 8)));
    if (ow + 4 >= p.OW) break;
    ow = std::min(ow + 4, p.OW - 4);  // the last group may overlap: it rewrites equal values
  }
  return p.OW;
}
#endif

// One plane, any window: taps in the padding do not compete.
template <typename T>
void max_pool_plane(const Planes& p, const Window& w, const T* xp, T* yp, int64_t* ip) {
  using C = compute_t<T>;
  for (int64_t oh = 0; oh < p.OH; ++oh) {
    for (int64_t ow = 0; ow < p.OW; ++ow) {
      C best = -std::numeric_limits<C>::infinity();
      int64_t best_i = -1;
      for (int64_t i = 0; i < w.kh; ++i) {
        const int64_t ih = oh * w.sh - w.ph + i * w.dh;
        if (ih < 0 || ih >= p.H) continue;
        for (int64_t j = 0; j < w.kw; ++j) {
          const int64_t iw = ow * w.sw - w.pw + j * w.dw;
          if (iw < 0 || iw >= p.W) continue;
          const C v = static_cast<C>(xp[ih * p.W + iw]);
          if (best_i < 0 || beats(v, best)) {
            best = v;
            best_i = ih * p.W + iw;
          }
        }
      }
      yp[oh * p.OW + ow] = T(best);
      ip[oh * p.OW + ow] = best_i;
    }
  }
}

SilicaStatus max_pool_kernel(const SilicaTensorDesc* in, int32_t, const SilicaTensorDesc* out, int32_t num_out,
                             const SilicaAttrs* attrs) {
  Planes p;
  Window w;
  if (num_out < 2 || !make_planes(in[0], out[0], p) || !read_window(attrs, true, w)) return bad_shapes("max_pool2d");
  // Every window inside the plane (no padding, and no partial last window of ceil_mode).
  const bool inside = w.ph == 0 && w.pw == 0 && (p.OH - 1) * w.sh + (w.kh - 1) * w.dh < p.H &&
                      (p.OW - 1) * w.sw + (w.kw - 1) * w.dw < p.W;
  visit_float_dtype(in[0].dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* x = data<const T>(in[0]);
    T* y = data<T>(out[0]);
    int64_t* idx = data<int64_t>(out[1]);
    each_plane(p, w.kh * w.kw, [&](int64_t plane) {
      const T* xp = x + plane * p.H * p.W;
      T* yp = y + plane * p.OH * p.OW;
      int64_t* ip = idx + plane * p.OH * p.OW;
      if (inside && w.kh == 2 && w.kw == 2) max_pool_plane_inside<2, 2>(p, w, xp, yp, ip);
      else if (inside) max_pool_plane_inside<0, 0>(p, w, xp, yp, ip);
      else max_pool_plane(p, w, xp, yp, ip);
    });
  });
  return SILICA_OK;
}

// in dy (N,C,OH,OW), indices; out dx (N,C,H,W): dx[index] += dy. Float and double
// accumulate in dx itself; f16/bf16 in a float plane per task, stored once.
SilicaStatus max_pool_grad_kernel(const SilicaTensorDesc* in, int32_t num_in, const SilicaTensorDesc* out, int32_t,
                                  const SilicaAttrs*) {
  Planes p;
  if (num_in < 2 || !make_planes(out[0], in[0], p)) return bad_shapes("max_pool2d_grad");
  visit_float_dtype(in[0].dtype, [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    const T* dy = data<const T>(in[0]);
    const int64_t* idx = data<const int64_t>(in[1]);
    T* dx = data<T>(out[0]);
    const int64_t hw = p.H * p.W, ohw = p.OH * p.OW;
    parallel_for(p.count, plane_grain(p, 1), [&](int64_t b, int64_t e) {
      std::vector<C> scratch;
      for (int64_t plane = b; plane < e; ++plane) {
        const T* g = dy + plane * ohw;
        const int64_t* ip = idx + plane * ohw;
        T* d = dx + plane * hw;
        C* acc;
        if constexpr (std::is_same_v<T, C>) {
          acc = d;
        } else {
          scratch.resize(static_cast<size_t>(hw));
          acc = scratch.data();
        }
        std::fill(acc, acc + hw, C(0));
        for (int64_t o = 0; o < ohw; ++o)
          if (ip[o] >= 0 && ip[o] < hw) acc[ip[o]] += static_cast<C>(g[o]);
        if constexpr (!std::is_same_v<T, C>)
          for (int64_t i = 0; i < hw; ++i) d[i] = T(acc[i]);
      }
    });
  });
  return SILICA_OK;
}

// ---- average pool ----

// One output's window, clipped to the plane, and its divisor (PyTorch's rule: the window
// counts padding up to H+pad when count_include_pad, else only the clipped taps).
struct AvgWindow {
  int64_t h0, h1, w0, w1, divisor;
};

AvgWindow avg_window(const Planes& p, const Window& w, bool include_pad, int64_t oh, int64_t ow) {
  int64_t h0 = oh * w.sh - w.ph, w0 = ow * w.sw - w.pw;
  int64_t h1 = std::min(h0 + w.kh, p.H + w.ph), w1 = std::min(w0 + w.kw, p.W + w.pw);
  const int64_t padded = (h1 - h0) * (w1 - w0);
  h0 = std::max<int64_t>(h0, 0), w0 = std::max<int64_t>(w0, 0);
  h1 = std::min(h1, p.H), w1 = std::min(w1, p.W);
  const int64_t inside = std::max<int64_t>(h1 - h0, 0) * std::max<int64_t>(w1 - w0, 0);
  return {h0, h1, w0, w1, include_pad ? padded : inside};
}

SilicaStatus avg_pool_kernel(const SilicaTensorDesc* in, int32_t, const SilicaTensorDesc* out, int32_t,
                             const SilicaAttrs* attrs) {
  Planes p;
  Window w;
  if (!make_planes(in[0], out[0], p) || !read_window(attrs, false, w) || attrs->num_ints < 7)
    return bad_shapes("avg_pool2d");
  const bool include_pad = attrs->ints[6] != 0;
  visit_float_dtype(in[0].dtype, [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    const T* x = data<const T>(in[0]);
    T* y = data<T>(out[0]);
    each_plane(p, w.kh * w.kw, [&](int64_t plane) {
      const T* xp = x + plane * p.H * p.W;
      T* yp = y + plane * p.OH * p.OW;
      for (int64_t oh = 0; oh < p.OH; ++oh)
        for (int64_t ow = 0; ow < p.OW; ++ow) {
          const AvgWindow a = avg_window(p, w, include_pad, oh, ow);
          C s = 0;
          for (int64_t ih = a.h0; ih < a.h1; ++ih)
            for (int64_t iw = a.w0; iw < a.w1; ++iw) s += static_cast<C>(xp[ih * p.W + iw]);
          yp[oh * p.OW + ow] = T(a.divisor > 0 ? s / static_cast<C>(a.divisor) : C(0));
        }
    });
  });
  return SILICA_OK;
}

// in dy; out dx; the forward's attributes.
SilicaStatus avg_pool_grad_kernel(const SilicaTensorDesc* in, int32_t, const SilicaTensorDesc* out, int32_t,
                                  const SilicaAttrs* attrs) {
  Planes p;
  Window w;
  if (!make_planes(out[0], in[0], p) || !read_window(attrs, false, w) || attrs->num_ints < 7)
    return bad_shapes("avg_pool2d_grad");
  const bool include_pad = attrs->ints[6] != 0;
  visit_float_dtype(in[0].dtype, [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    const T* dy = data<const T>(in[0]);
    T* dx = data<T>(out[0]);
    const int64_t hw = p.H * p.W;
    each_plane(p, w.kh * w.kw, [&](int64_t plane) {
      std::vector<C> acc(static_cast<size_t>(hw), C(0));
      const T* g = dy + plane * p.OH * p.OW;
      for (int64_t oh = 0; oh < p.OH; ++oh)
        for (int64_t ow = 0; ow < p.OW; ++ow) {
          const AvgWindow a = avg_window(p, w, include_pad, oh, ow);
          if (a.divisor <= 0) continue;
          const C share = static_cast<C>(g[oh * p.OW + ow]) / static_cast<C>(a.divisor);
          for (int64_t ih = a.h0; ih < a.h1; ++ih)
            for (int64_t iw = a.w0; iw < a.w1; ++iw) acc[ih * p.W + iw] += share;
        }
      T* d = dx + plane * hw;
      for (int64_t i = 0; i < hw; ++i) d[i] = T(acc[i]);
    });
  });
  return SILICA_OK;
}

// ---- adaptive average pool ----

// PyTorch's adaptive windows: output i of `out` averages [floor(i*in/out), ceil((i+1)*in/out)).
inline int64_t adaptive_start(int64_t i, int64_t in, int64_t out) { return (i * in) / out; }
inline int64_t adaptive_end(int64_t i, int64_t in, int64_t out) { return ((i + 1) * in + out - 1) / out; }

SilicaStatus adaptive_avg_kernel(const SilicaTensorDesc* in, int32_t, const SilicaTensorDesc* out, int32_t,
                                 const SilicaAttrs*) {
  Planes p;
  if (!make_planes(in[0], out[0], p)) return bad_shapes("adaptive_avg_pool2d");
  visit_float_dtype(in[0].dtype, [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    const T* x = data<const T>(in[0]);
    T* y = data<T>(out[0]);
    const int64_t per = (p.H / std::max<int64_t>(p.OH, 1) + 1) * (p.W / std::max<int64_t>(p.OW, 1) + 1);
    each_plane(p, per, [&](int64_t plane) {
      const T* xp = x + plane * p.H * p.W;
      T* yp = y + plane * p.OH * p.OW;
      for (int64_t oh = 0; oh < p.OH; ++oh) {
        const int64_t h0 = adaptive_start(oh, p.H, p.OH), h1 = adaptive_end(oh, p.H, p.OH);
        for (int64_t ow = 0; ow < p.OW; ++ow) {
          const int64_t w0 = adaptive_start(ow, p.W, p.OW), w1 = adaptive_end(ow, p.W, p.OW);
          C s = 0;
          for (int64_t ih = h0; ih < h1; ++ih)
            for (int64_t iw = w0; iw < w1; ++iw) s += static_cast<C>(xp[ih * p.W + iw]);
          const int64_t count = (h1 - h0) * (w1 - w0);
          yp[oh * p.OW + ow] = T(count > 0 ? s / static_cast<C>(count) : std::numeric_limits<C>::quiet_NaN());
        }
      }
    });
  });
  return SILICA_OK;
}

// in dy (N,C,OH,OW); out dx (N,C,H,W).
SilicaStatus adaptive_avg_grad_kernel(const SilicaTensorDesc* in, int32_t, const SilicaTensorDesc* out, int32_t,
                                      const SilicaAttrs*) {
  Planes p;
  if (!make_planes(out[0], in[0], p)) return bad_shapes("adaptive_avg_pool2d_grad");
  visit_float_dtype(in[0].dtype, [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    const T* dy = data<const T>(in[0]);
    T* dx = data<T>(out[0]);
    const int64_t hw = p.H * p.W;
    const int64_t per = (p.H / std::max<int64_t>(p.OH, 1) + 1) * (p.W / std::max<int64_t>(p.OW, 1) + 1);
    each_plane(p, per, [&](int64_t plane) {
      std::vector<C> acc(static_cast<size_t>(hw), C(0));
      const T* g = dy + plane * p.OH * p.OW;
      for (int64_t oh = 0; oh < p.OH; ++oh) {
        const int64_t h0 = adaptive_start(oh, p.H, p.OH), h1 = adaptive_end(oh, p.H, p.OH);
        for (int64_t ow = 0; ow < p.OW; ++ow) {
          const int64_t w0 = adaptive_start(ow, p.W, p.OW), w1 = adaptive_end(ow, p.W, p.OW);
          const int64_t count = (h1 - h0) * (w1 - w0);
          if (count <= 0) continue;
          const C share = static_cast<C>(g[oh * p.OW + ow]) / static_cast<C>(count);
          for (int64_t ih = h0; ih < h1; ++ih)
            for (int64_t iw = w0; iw < w1; ++iw) acc[ih * p.W + iw] += share;
        }
      }
      T* d = dx + plane * hw;
      for (int64_t i = 0; i < hw; ++i) d[i] = T(acc[i]);
    });
  });
  return SILICA_OK;
}

}  // namespace

void register_pool_kernels() {
  register_kernel(SILICA_OP_MAX_POOL2D, max_pool_kernel, kFloatDTypes);
  register_kernel(SILICA_OP_MAX_POOL2D_GRAD, max_pool_grad_kernel, kFloatDTypes);
  register_kernel(SILICA_OP_AVG_POOL2D, avg_pool_kernel, kFloatDTypes);
  register_kernel(SILICA_OP_AVG_POOL2D_GRAD, avg_pool_grad_kernel, kFloatDTypes);
  register_kernel(SILICA_OP_ADAPTIVE_AVG_POOL2D, adaptive_avg_kernel, kFloatDTypes);
  register_kernel(SILICA_OP_ADAPTIVE_AVG_POOL2D_GRAD, adaptive_avg_grad_kernel, kFloatDTypes);
}

}  // namespace silica::cpu
