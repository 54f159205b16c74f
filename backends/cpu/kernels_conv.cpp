// 2-D convolution by im2col + GEMM (OpenBLAS), and its input/weight gradients.
//
// For a chunk of `nb` samples and one group g, the column matrix col has one row per
// (c, kh, kw) of the group's Cg input channels (CKK = Cg*KH*KW rows) and one column per
// (sample, oh, ow) (nb*P columns, P = OH*OW), holding the input element each kernel tap
// sees (0 in the padding). Then
//   forward:      y_g  (Og x nb*P) = w_g (Og x CKK) . col
//   grad input:   col  = w_g^T . dy_g, scattered back and summed into dx (col2im)
//   grad weight:  dw_g (Og x CKK) += dy_g . col^T, accumulated over all chunks
// Samples are chunked so that small images still give BLAS wide matrices; with one
// sample per chunk y_g and dy_g are read and written in place (their (Og, P) block is
// contiguous). A 1x1 kernel with stride 1 and no padding needs no col at all.
#include <cstring>
#include <mutex>
#include <vector>

#include "gemm.h"
#include "winograd.h"

namespace silica::cpu {

namespace {

struct Geom {
  int64_t N, C, H, W, O, KH, KW, OH, OW;
  int64_t sh, sw, ph, pw, dh, dw, G;
  int64_t Cg, Og, KK, CKK, P, HW;
  bool pointwise;  // the input plane block (Cg, H*W) is already the column matrix
};

// x-shaped (N,C,H,W), weight-shaped (O,C/G,KH,KW) and y-shaped (N,O,OH,OW) descriptors.
bool make_geom(const SilicaTensorDesc& x, const SilicaTensorDesc& w, const SilicaTensorDesc& y, const SilicaAttrs* a,
               Geom& g) {
  if (x.ndim != 4 || w.ndim != 4 || y.ndim != 4 || a->num_ints < 7) return false;
  g.N = x.shape[0], g.C = x.shape[1], g.H = x.shape[2], g.W = x.shape[3];
  g.O = w.shape[0], g.KH = w.shape[2], g.KW = w.shape[3];
  g.OH = y.shape[2], g.OW = y.shape[3];
  g.sh = a->ints[0], g.sw = a->ints[1], g.ph = a->ints[2], g.pw = a->ints[3];
  g.dh = a->ints[4], g.dw = a->ints[5], g.G = a->ints[6];
  if (g.G < 1 || g.C % g.G || g.O % g.G || w.shape[1] != g.C / g.G || y.shape[0] != g.N || y.shape[1] != g.O ||
      g.sh < 1 || g.sw < 1 || g.dh < 1 || g.dw < 1)
    return false;
  g.Cg = g.C / g.G, g.Og = g.O / g.G, g.KK = g.KH * g.KW, g.CKK = g.Cg * g.KK;
  g.P = g.OH * g.OW, g.HW = g.H * g.W;
  g.pointwise = g.KK == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0 && g.OH == g.H && g.OW == g.W;
  return fits_blas({g.Og, g.CKK, g.N * g.P, g.C * g.HW});
}

SilicaStatus bad_geometry() {
  return set_error(SILICA_ERROR_INVALID, "conv2d: inconsistent shapes or attributes (expects x (N,C,H,W), w "
                                         "(O,C/groups,KH,KW), y (N,O,OH,OW) and 7 ints; sizes below 2^31)");
}

// Samples per chunk: enough columns (nb*P) for an efficient GEMM, a bounded col buffer.
// A plane of at least kWidePlane outputs already makes a GEMM as efficient as a wider one
// (64x196x288: 97 GFLOP/s on one core, 64x1176x288: 95), so such convolutions go one
// sample at a time: y and dy are used in place (no transposing copies) and the col
// matrix of a sample (288 x 196 floats for the cnn's conv2) stays in L2 for its GEMM.
int64_t chunk_samples(const Geom& g) {
  constexpr int64_t kTargetColumns = 1024;
  constexpr int64_t kWidePlane = 128;
  constexpr int64_t kMaxColElements = int64_t{1} << 22;  // per buffer set (one per thread)
  if (g.P >= kWidePlane) return 1;
  int64_t p = std::max<int64_t>(g.P, 1);
  int64_t nb = (kTargetColumns + p - 1) / p;
  nb = std::min(nb, std::max<int64_t>(1, kMaxColElements / std::max<int64_t>(g.CKK * p, 1)));
  return std::clamp<int64_t>(nb, 1, std::max<int64_t>(g.N, 1));
}

// Output positions o in [lo, hi) whose tap reads input index o*stride + off inside [0, in).
struct Span {
  int64_t lo, hi;
};
Span valid_span(int64_t out, int64_t in, int64_t stride, int64_t off) {
  int64_t lo = off >= 0 ? 0 : (-off + stride - 1) / stride;
  int64_t hi = in - 1 - off < 0 ? 0 : (in - 1 - off) / stride + 1;
  lo = std::min(lo, out);
  return {lo, std::clamp(hi, lo, out)};
}

// True when a col row is the input plane shifted by a constant: stride 1, no dilation and
// an output as wide as the input (a "same" convolution, 3x3 with padding 1).
bool shifted_rows(const Geom& g) { return g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1 && g.OW == g.W; }

// One (sample, tap) row of col when shifted_rows(g): dst[i] = plane[i + (kh-ph)*W + (kw-pw)],
// one copy for the whole plane, then 0 in the rows outside the plane and in the columns
// that wrapped around into the neighbouring row (the padding).
template <typename C>
void im2col_shifted(const Geom& g, const C* plane, int64_t kh, int64_t kw, C* dst) {
  const int64_t dy = kh - g.ph, dxs = kw - g.pw, shift = dy * g.W + dxs;
  const int64_t oh0 = std::clamp<int64_t>(-dy, 0, g.OH), oh1 = std::clamp<int64_t>(g.H - dy, oh0, g.OH);
  const int64_t lo = oh0 * g.W, hi = oh1 * g.W;                    // rows inside the plane
  const int64_t c_lo = std::clamp<int64_t>(-shift, lo, hi);          // ... whose source lies
  const int64_t c_hi = std::clamp<int64_t>(g.HW - shift, c_lo, hi);  // inside it too
  std::fill(dst, dst + c_lo, C(0));
  std::memcpy(dst + c_lo, plane + c_lo + shift, static_cast<size_t>(c_hi - c_lo) * sizeof(C));
  std::fill(dst + c_hi, dst + g.P, C(0));
  if (dxs == 0) return;
  const int64_t z0 = dxs > 0 ? std::max<int64_t>(g.W - dxs, 0) : 0, z1 = dxs > 0 ? g.W : std::min(g.W, -dxs);
  for (int64_t oh = oh0; oh < oh1; ++oh)
    for (int64_t ow = z0; ow < z1; ++ow) dst[oh * g.W + ow] = C(0);
}

// Fills col (CKK x nb*P) for samples n0.. n0+nb-1 and group gi of x (N,C,H,W).
template <typename C>
void im2col(const Geom& g, const C* x, int64_t n0, int64_t nb, int64_t gi, C* col) {
  const int64_t cols = nb * g.P;
  const bool shifted = shifted_rows(g);
  parallel_for(g.CKK * nb, std::max<int64_t>(1, 8192 / std::max<int64_t>(g.P, 1)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t row = r / nb, s = r % nb;
      const int64_t c = row / g.KK, kh = (row / g.KW) % g.KH, kw = row % g.KW;
      const C* plane = x + ((n0 + s) * g.C + gi * g.Cg + c) * g.HW;
      C* dst = col + row * cols + s * g.P;
      if (shifted) {
        im2col_shifted(g, plane, kh, kw, dst);
        continue;
      }
      const int64_t woff = kw * g.dw - g.pw;
      const Span ws = valid_span(g.OW, g.W, g.sw, woff);
      for (int64_t oh = 0; oh < g.OH; ++oh) {
        C* d = dst + oh * g.OW;
        const int64_t ih = oh * g.sh - g.ph + kh * g.dh;
        if (ih < 0 || ih >= g.H) {
          std::fill(d, d + g.OW, C(0));
          continue;
        }
        const C* src = plane + ih * g.W + woff;
        std::fill(d, d + ws.lo, C(0));
        if (g.sw == 1) std::copy(src + ws.lo, src + ws.hi, d + ws.lo);
        else
          for (int64_t ow = ws.lo; ow < ws.hi; ++ow) d[ow] = src[ow * g.sw];
        std::fill(d + ws.hi, d + g.OW, C(0));
      }
    }
  });
}

// Adds col (CKK x nb*P) back into dx (N,C,H,W) for samples n0.. and group gi: the adjoint
// of im2col. Each task owns whole (sample, channel) planes, so no two write one element.
template <typename C>
void col2im_add(const Geom& g, const C* col, int64_t n0, int64_t nb, int64_t gi, C* dx) {
  const int64_t cols = nb * g.P;
  parallel_for(nb * g.Cg, std::max<int64_t>(1, 8192 / std::max<int64_t>(g.KK * g.P, 1)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t s = r / g.Cg, c = r % g.Cg;
      C* plane = dx + ((n0 + s) * g.C + gi * g.Cg + c) * g.HW;
      for (int64_t kh = 0; kh < g.KH; ++kh) {
        for (int64_t kw = 0; kw < g.KW; ++kw) {
          const C* src = col + ((c * g.KH + kh) * g.KW + kw) * cols + s * g.P;
          const int64_t woff = kw * g.dw - g.pw;
          const Span ws = valid_span(g.OW, g.W, g.sw, woff);
          for (int64_t oh = 0; oh < g.OH; ++oh) {
            const int64_t ih = oh * g.sh - g.ph + kh * g.dh;
            if (ih < 0 || ih >= g.H) continue;
            C* d = plane + ih * g.W + woff;
            const C* srow = src + oh * g.OW;
            if (g.sw == 1)  // a contiguous run: vectorizes
              for (int64_t ow = ws.lo; ow < ws.hi; ++ow) d[ow] += srow[ow];
            else
              for (int64_t ow = ws.lo; ow < ws.hi; ++ow) d[ow * g.sw] += srow[ow];
          }
        }
      }
    }
  });
}

template <typename C>
struct Buffers {
  std::vector<C> col, tmp;
  std::vector<C> dw;  // grad weight: this task's share of dw (O x CKK)
};

// Runs fn(group, scratch) for every group of one chunk. Groups whose GEMMs are too small
// for gemm to split (depthwise convs) run in parallel on our pool when allowed, each
// task with its own scratch; else they run in order with `buf`.
template <typename C, typename F>
void for_groups(const Geom& g, int64_t nb, bool parallel, Buffers<C>& buf, F&& fn) {
  double work = static_cast<double>(g.Og) * static_cast<double>(g.CKK) * static_cast<double>(nb * g.P);
  if (parallel && g.G > 1 && work <= kSmallGemmWork) {
    int64_t grain = std::max<int64_t>(1, static_cast<int64_t>(kSmallGemmWork / 4 / std::max(work, 1.0)));
    parallel_for(g.G, grain, [&](int64_t b, int64_t e) {
      Buffers<C> scratch;
      for (int64_t gi = b; gi < e; ++gi) fn(gi, scratch);
    });
  } else {
    for (int64_t gi = 0; gi < g.G; ++gi) fn(gi, buf);
  }
}

// Runs chunk(n0, count, buf, parallel) over the batch. With at least one sample per pool
// thread, each thread takes a slice of samples and runs its GEMMs on its own (one
// fork/join per op; gemm inside a parallel region stays on its thread); otherwise chunks
// run in order, with gemm, im2col and the groups threading each step (parallel = true).
// finish(buf) runs once per buffer set, one at a time, after its chunks.
template <typename C, typename Chunk, typename Finish>
void over_batch(const Geom& g, Chunk&& chunk, Finish&& finish) {
  const int64_t nb = chunk_samples(g);
  const int64_t threads = num_threads();
  if (threads > 1 && g.N >= threads) {
    const int64_t per = std::min(nb, (g.N + threads - 1) / threads);
    std::mutex mu;
    parallel_for(g.N, per, [&](int64_t b, int64_t e) {
      Buffers<C> buf;
      for (int64_t n0 = b; n0 < e; n0 += per) chunk(n0, std::min(per, e - n0), buf, false);
      std::lock_guard<std::mutex> lock(mu);
      finish(buf);
    });
  } else {
    Buffers<C> buf;
    for (int64_t n0 = 0; n0 < g.N; n0 += nb) chunk(n0, std::min(nb, g.N - n0), buf, true);
    finish(buf);
  }
}

// dy_g for samples n0..n0+nb-1 as an (Og x nb*P) matrix: in place for one sample, else
// gathered into buf. Returns the pointer; *ld gets its leading dimension.
template <typename C>
const C* gather_dy(const Geom& g, const C* dy, int64_t n0, int64_t nb, int64_t gi, std::vector<C>& buf, int64_t* ld) {
  if (nb == 1) {
    *ld = g.P;
    return dy + (n0 * g.O + gi * g.Og) * g.P;
  }
  buf.resize(static_cast<size_t>(g.Og * nb * g.P));
  for (int64_t s = 0; s < nb; ++s)
    for (int64_t o = 0; o < g.Og; ++o) {
      const C* src = dy + ((n0 + s) * g.O + gi * g.Og + o) * g.P;
      std::copy(src, src + g.P, buf.data() + o * nb * g.P + s * g.P);
    }
  *ld = nb * g.P;
  return buf.data();
}

// The column matrix for samples n0.. and group gi: the input itself when pointwise.
template <typename C>
const C* columns(const Geom& g, const C* x, int64_t n0, int64_t nb, int64_t gi, std::vector<C>& buf, int64_t* ld) {
  if (g.pointwise && nb == 1) {
    *ld = g.HW;
    return x + (n0 * g.C + gi * g.Cg) * g.HW;
  }
  buf.resize(static_cast<size_t>(g.CKK * nb * g.P));
  im2col(g, x, n0, nb, gi, buf.data());
  *ld = nb * g.P;
  return buf.data();
}

template <typename C>
void zero(C* p, int64_t n) {
  parallel_for(n, 1 << 16, [&](int64_t b, int64_t e) { std::fill(p + b, p + e, C(0)); });
}

// f32 3x3 stride-1 convolutions with enough channels go through Winograd F(2x2, 3x3)
// (winograd.h): 2.25x fewer multiply-adds. f64 keeps im2col (the conformance reference),
// and f16/bf16 too. The input gradient of such a convolution is one as well (of dy, with
// the filters transposed and rotated, padding 2 - p); the weight gradient is F(3x3, 2x2).
bool use_winograd(const Geom& g) {
  return g.KH == 3 && g.KW == 3 && g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1 && g.G == 1 && g.ph <= 2 &&
         g.pw <= 2 && winograd_worthwhile(g.C, g.O, g.OH, g.OW) && winograd_worthwhile(g.O, g.C, g.H, g.W);
}

template <typename T>
void conv_forward(const Geom& g, const SilicaTensorDesc* in, int32_t num_in, const SilicaTensorDesc& out) {
  using C = gemm_t<T>;
  const bool has_bias = num_in > 2;
  if constexpr (std::is_same_v<T, float>) {
    if (use_winograd(g)) {
      winograd_conv3x3({g.N, g.C, g.H, g.W, g.O, g.OH, g.OW, g.ph, g.pw, data<const float>(in[0]),
                        data<const float>(in[1]), false, has_bias ? data<const float>(in[2]) : nullptr,
                        data<float>(out)});
      return;
    }
  }
  AsCompute<C, T> x(data<const T>(in[0]), g.N * g.C * g.HW), w(data<const T>(in[1]), g.O * g.CKK);
  std::vector<C> bias(static_cast<size_t>(g.O), C(0));
  if (has_bias)
    for (int64_t o = 0; o < g.O; ++o) bias[o] = static_cast<C>(static_cast<compute_t<T>>(data<const T>(in[2])[o]));
  OutCompute<C, T> y(data<T>(out), g.N * g.O * g.P);
  auto chunk = [&](int64_t n0, int64_t cnt, Buffers<C>& outer, bool parallel) {
    for_groups<C>(g, cnt, parallel, outer, [&](int64_t gi, Buffers<C>& buf) {
      const C* wg = w.get() + gi * g.Og * g.CKK;
      const C* bg = bias.data() + gi * g.Og;
      int64_t ldc;
      const C* col = columns(g, x.get(), n0, cnt, gi, buf.col, &ldc);
      if (cnt == 1) {  // write y's (Og, P) block directly, starting from the bias
        C* dst = y.get() + (n0 * g.O + gi * g.Og) * g.P;
        if (has_bias)
          for (int64_t o = 0; o < g.Og; ++o) std::fill(dst + o * g.P, dst + (o + 1) * g.P, bg[o]);
        gemm<C>(false, false, g.Og, g.P, g.CKK, wg, g.CKK, col, ldc, has_bias ? C(1) : C(0), dst, g.P);
        return;
      }
      const int64_t cols = cnt * g.P;
      buf.tmp.resize(static_cast<size_t>(g.Og * cols));
      gemm<C>(false, false, g.Og, cols, g.CKK, wg, g.CKK, col, ldc, C(0), buf.tmp.data(), cols);
      // (Og, cnt, P) -> y's (cnt, Og, P) rows, adding the bias.
      parallel_for(cnt * g.Og, std::max<int64_t>(1, 8192 / std::max<int64_t>(g.P, 1)), [&](int64_t b, int64_t e) {
        for (int64_t r = b; r < e; ++r) {
          const int64_t s = r / g.Og, o = r % g.Og;
          const C* src = buf.tmp.data() + o * cols + s * g.P;
          C* dst = y.get() + ((n0 + s) * g.O + gi * g.Og + o) * g.P;
          for (int64_t p = 0; p < g.P; ++p) dst[p] = src[p] + bg[o];
        }
      });
    });
  };
  over_batch<C>(g, chunk, [](Buffers<C>&) {});
  y.store();
}

template <typename T>
void conv_grad_input(const Geom& g, const SilicaTensorDesc& dy_d, const SilicaTensorDesc& w_d,
                     const SilicaTensorDesc& dx_d) {
  using C = gemm_t<T>;
  if constexpr (std::is_same_v<T, float>) {
    if (use_winograd(g)) {  // dx = conv(dy padded by 2 - p, w transposed and rotated)
      winograd_conv3x3({g.N, g.O, g.OH, g.OW, g.C, g.H, g.W, 2 - g.ph, 2 - g.pw, data<const float>(dy_d),
                        data<const float>(w_d), true, nullptr, data<float>(dx_d)});
      return;
    }
  }
  AsCompute<C, T> dy(data<const T>(dy_d), g.N * g.O * g.P), w(data<const T>(w_d), g.O * g.CKK);
  OutCompute<C, T> dx(data<T>(dx_d), g.N * g.C * g.HW);
  zero(dx.get(), g.N * g.C * g.HW);  // col2im accumulates
  auto chunk = [&](int64_t n0, int64_t cnt, Buffers<C>& outer, bool parallel) {
    for_groups<C>(g, cnt, parallel, outer, [&](int64_t gi, Buffers<C>& buf) {
      const C* wg = w.get() + gi * g.Og * g.CKK;
      int64_t ld_dy;
      const C* dyg = gather_dy(g, dy.get(), n0, cnt, gi, buf.tmp, &ld_dy);
      if (g.pointwise && cnt == 1) {  // dx_g (Cg, HW) = w_g^T dy_g, straight into dx
        C* dst = dx.get() + (n0 * g.C + gi * g.Cg) * g.HW;
        gemm<C>(true, false, g.Cg, g.P, g.Og, wg, g.CKK, dyg, ld_dy, C(0), dst, g.HW);
        return;
      }
      const int64_t cols = cnt * g.P;
      buf.col.resize(static_cast<size_t>(g.CKK * cols));
      gemm<C>(true, false, g.CKK, cols, g.Og, wg, g.CKK, dyg, ld_dy, C(0), buf.col.data(), cols);
      col2im_add(g, buf.col.data(), n0, cnt, gi, dx.get());
    });
  };
  over_batch<C>(g, chunk, [](Buffers<C>&) {});
  dx.store();
}

template <typename T>
void conv_grad_weight(const Geom& g, const SilicaTensorDesc& dy_d, const SilicaTensorDesc& x_d,
                      const SilicaTensorDesc& dw_d) {
  using C = gemm_t<T>;
  if constexpr (std::is_same_v<T, float>) {
    if (use_winograd(g)) {
      winograd_conv3x3_grad_weight({g.N, g.C, g.H, g.W, g.O, g.OH, g.OW, g.ph, g.pw, data<const float>(x_d),
                                    data<const float>(dy_d), data<float>(dw_d)});
      return;
    }
  }
  AsCompute<C, T> dy(data<const T>(dy_d), g.N * g.O * g.P), x(data<const T>(x_d), g.N * g.C * g.HW);
  OutCompute<C, T> dw(data<T>(dw_d), g.O * g.CKK);
  zero(dw.get(), g.O * g.CKK);
  // Each buffer set sums its chunks into its own dw (beta = 1); finish adds it to the total.
  auto chunk = [&](int64_t n0, int64_t cnt, Buffers<C>& outer, bool parallel) {
    if (outer.dw.empty()) outer.dw.assign(static_cast<size_t>(g.O * g.CKK), C(0));
    C* acc = outer.dw.data();
    for_groups<C>(g, cnt, parallel, outer, [&](int64_t gi, Buffers<C>& buf) {
      int64_t ld_dy, ld_col;
      const C* dyg = gather_dy(g, dy.get(), n0, cnt, gi, buf.tmp, &ld_dy);
      const C* col = columns(g, x.get(), n0, cnt, gi, buf.col, &ld_col);
      gemm<C>(false, true, g.Og, g.CKK, cnt * g.P, dyg, ld_dy, col, ld_col, C(1), acc + gi * g.Og * g.CKK, g.CKK);
    });
  };
  C* total = dw.get();
  over_batch<C>(g, chunk, [&](Buffers<C>& buf) {
    for (size_t i = 0; i < buf.dw.size(); ++i) total[i] += buf.dw[i];
  });
  dw.store();
}

SilicaStatus conv2d_kernel(const SilicaTensorDesc* in, int32_t num_in, const SilicaTensorDesc* out, int32_t,
                           const SilicaAttrs* attrs) {
  Geom g;
  if (num_in < 2 || !make_geom(in[0], in[1], out[0], attrs, g)) return bad_geometry();
  visit_float_dtype(in[0].dtype, [&](auto tag) { conv_forward<decltype(tag)>(g, in, num_in, out[0]); });
  return SILICA_OK;
}

// in dy (N,O,OH,OW), w; out dx (N,C,H,W).
SilicaStatus conv2d_grad_input_kernel(const SilicaTensorDesc* in, int32_t num_in, const SilicaTensorDesc* out,
                                      int32_t, const SilicaAttrs* attrs) {
  Geom g;
  if (num_in < 2 || !make_geom(out[0], in[1], in[0], attrs, g)) return bad_geometry();
  visit_float_dtype(in[0].dtype, [&](auto tag) { conv_grad_input<decltype(tag)>(g, in[0], in[1], out[0]); });
  return SILICA_OK;
}

// in dy (N,O,OH,OW), x (N,C,H,W); out dw (O,C/G,KH,KW).
SilicaStatus conv2d_grad_weight_kernel(const SilicaTensorDesc* in, int32_t num_in, const SilicaTensorDesc* out,
                                       int32_t, const SilicaAttrs* attrs) {
  Geom g;
  if (num_in < 2 || !make_geom(in[1], out[0], in[0], attrs, g)) return bad_geometry();
  visit_float_dtype(in[0].dtype, [&](auto tag) { conv_grad_weight<decltype(tag)>(g, in[0], in[1], out[0]); });
  return SILICA_OK;
}

}  // namespace

void register_conv_kernels() {
  register_kernel(SILICA_OP_CONV2D, conv2d_kernel, kFloatDTypes);
  register_kernel(SILICA_OP_CONV2D_GRAD_INPUT, conv2d_grad_input_kernel, kFloatDTypes);
  register_kernel(SILICA_OP_CONV2D_GRAD_WEIGHT, conv2d_grad_weight_kernel, kFloatDTypes);
}

}  // namespace silica::cpu
