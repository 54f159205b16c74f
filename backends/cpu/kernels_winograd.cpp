// 3x3 stride-1 convolution by Winograd's minimal filtering F(2x2, 3x3) (Lavin and Gray,
// "Fast Algorithms for Convolutional Neural Networks", 2016). Each 2x2 output tile is
//   Y = A^T [ (G g G^T) .* (B^T d B) ] A
// for its 4x4 input tile d and filter g, so a tile costs 16 multiplications per (output,
// input) channel pair instead of 36. Summed over input channels, the 16 element-wise
// products become 16 GEMMs: M[xi] (O x tiles) = U[xi] (O x C) . V[xi] (C x tiles), with
// U = G g G^T (the filters, transformed once per call) and V = B^T d B (the input tiles).
//
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]   G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1]
//   A^T = [1 1 1 0; 0 1 -1 -1]
//
// Work goes in chunks of samples (enough tiles for the GEMMs to be efficient), one chunk
// per pool task: input planes -> V, the 16 GEMMs, then M -> y (+ bias).
#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "gemm.h"
#include "winograd.h"

namespace silica::cpu {

namespace {

constexpr int64_t kTargetColumns = 96;  // tiles per chunk: 64x96x32 GEMMs already run near peak

// U[xi][o][c] = (G g G^T)[xi] for the filter g of output o and input c.
std::unique_ptr<float[]> transform_filters(const WinogradConv& p) {
  auto u = std::make_unique<float[]>(static_cast<size_t>(16 * p.O * p.C));
  for (int64_t o = 0; o < p.O; ++o) {
    for (int64_t c = 0; c < p.C; ++c) {
      float g[3][3];
      for (int kh = 0; kh < 3; ++kh)
        for (int kw = 0; kw < 3; ++kw)
          g[kh][kw] = p.flip ? p.w[((c * p.O + o) * 3 + (2 - kh)) * 3 + (2 - kw)] : p.w[((o * p.C + c) * 3 + kh) * 3 + kw];
      float t[4][3];  // G g
      for (int j = 0; j < 3; ++j) {
        t[0][j] = g[0][j];
        t[1][j] = 0.5f * (g[0][j] + g[1][j] + g[2][j]);
        t[2][j] = 0.5f * (g[0][j] - g[1][j] + g[2][j]);
        t[3][j] = g[2][j];
      }
      for (int i = 0; i < 4; ++i) {  // (G g) G^T
        const float r[4] = {t[i][0], 0.5f * (t[i][0] + t[i][1] + t[i][2]), 0.5f * (t[i][0] - t[i][1] + t[i][2]),
                            t[i][2]};
        for (int j = 0; j < 4; ++j) u[((i * 4 + j) * p.O + o) * p.C + c] = r[j];
      }
    }
  }
  return u;
}

// The transforms are separable, so they go a tile row at a time on whole rows, which
// vectorizes: B^T combines the 4 input rows of tile row ty column by column, then B
// combines columns 2tx .. 2tx+3 of those sums for every tile tx; likewise A^T and A.

// V = B^T d B for the TW tiles of tile row ty of the input plane x (H x W), zero-padded by
// ph, pw: element xi of tile tx goes to v[xi * xi_stride + tx]. `zero` holds W zeros (the
// rows above and below the plane); t is scratch for 4 rows of 2 TW + 2 floats whose
// padding columns (before pw and from pw + W) the caller has set to 0: this only writes
// the others. (Zeroing them per call cost a memset call per row.)
void input_row(const float* x, int64_t H, int64_t W, int64_t ph, int64_t pw, int64_t ty, int64_t TW,
               const float* zero, float* t, float* v, int64_t xi_stride) {
  const int64_t Q = 2 * TW + 2;  // padded columns the row's tiles cover; pw + W <= Q
  const float* rows[4];
  for (int r = 0; r < 4; ++r) {
    const int64_t ih = 2 * ty - ph + r;
    rows[r] = ih >= 0 && ih < H ? x + ih * W : zero;
  }
  // The scratch rows never overlap the input: restrict lets this loop vectorize.
  float *__restrict t0 = t, *__restrict t1 = t + Q, *__restrict t2 = t + 2 * Q, *__restrict t3 = t + 3 * Q;
  const float *__restrict a = rows[0], *__restrict b = rows[1], *__restrict c = rows[2], *__restrict d = rows[3];
  for (int64_t iw = 0; iw < W; ++iw) {  // B^T d, one column at a time (padded column pw + iw)
    t0[pw + iw] = a[iw] - c[iw];
    t1[pw + iw] = b[iw] + c[iw];
    t2[pw + iw] = c[iw] - b[iw];
    t3[pw + iw] = b[iw] - d[iw];
  }
  for (int i = 0; i < 4; ++i) {  // (B^T d) B: tile tx uses columns 2tx .. 2tx+3
    const float* ti = t + i * Q;
    float *v0 = v + (4 * i) * xi_stride, *v1 = v0 + xi_stride, *v2 = v1 + xi_stride, *v3 = v2 + xi_stride;
    int64_t tx = 0;
#if defined(__SSE2__)
    // Four tiles at a time: even and odd columns split by shuffles. Rows of tiles are short
    // (7 for a 14x14 plane), so the last group overlaps the one before (same values).
    for (; TW >= 4;) {
      const __m128 a0 = _mm_loadu_ps(ti + 2 * tx), a1 = _mm_loadu_ps(ti + 2 * tx + 4);
      const __m128 b0 = _mm_loadu_ps(ti + 2 * tx + 2), b1 = _mm_loadu_ps(ti + 2 * tx + 6);
      const __m128 e0 = _mm_shuffle_ps(a0, a1, _MM_SHUFFLE(2, 0, 2, 0));  // columns 2tx
      const __m128 o0 = _mm_shuffle_ps(a0, a1, _MM_SHUFFLE(3, 1, 3, 1));  // 2tx + 1
      const __m128 e1 = _mm_shuffle_ps(b0, b1, _MM_SHUFFLE(2, 0, 2, 0));  // 2tx + 2
      const __m128 o1 = _mm_shuffle_ps(b0, b1, _MM_SHUFFLE(3, 1, 3, 1));  // 2tx + 3
      _mm_storeu_ps(v0 + tx, _mm_sub_ps(e0, e1));
      _mm_storeu_ps(v1 + tx, _mm_add_ps(o0, e1));
      _mm_storeu_ps(v2 + tx, _mm_sub_ps(e1, o0));
      _mm_storeu_ps(v3 + tx, _mm_sub_ps(o0, o1));
      if (tx + 4 >= TW) break;
      tx = std::min(tx + 4, TW - 4);
    }
    if (TW >= 4) continue;
#endif
    for (; tx < TW; ++tx) {
      const float e0 = ti[2 * tx], o0 = ti[2 * tx + 1], e1 = ti[2 * tx + 2], o1 = ti[2 * tx + 3];
      v0[tx] = e0 - e1;
      v1[tx] = o0 + e1;
      v2[tx] = e1 - o0;
      v3[tx] = o0 - o1;
    }
  }
}

// Y = A^T m A + bias for the T tiles of one output plane, element xi of tile k at
// m[xi * xi_stride + k], into y (OH x OW). First the four outputs of every tile, one loop
// over all tiles (16 input and 4 output streams, vectorized), then rows 2ty, 2ty+1 of y
// interleave them. r is scratch for 4 T floats.
void output_plane(const float* m, int64_t xi_stride, int64_t TH, int64_t TW, float bias, float* y, int64_t OH,
                  int64_t OW, float* r) {
  const int64_t T = TH * TW;
  float *y00 = r, *y01 = r + T, *y10 = r + 2 * T, *y11 = r + 3 * T;
  const float* mm[16];
  for (int xi = 0; xi < 16; ++xi) mm[xi] = m + xi * xi_stride;
  for (int64_t k = 0; k < T; ++k) {
    float a[2][4];  // A^T m: rows 0 and 1, columns 0..3
    for (int j = 0; j < 4; ++j) {
      const float m0 = mm[j][k], m1 = mm[4 + j][k], m2 = mm[8 + j][k], m3 = mm[12 + j][k];
      a[0][j] = m0 + m1 + m2;
      a[1][j] = m1 - m2 - m3;
    }
    y00[k] = a[0][0] + a[0][1] + a[0][2] + bias;
    y01[k] = a[0][1] - a[0][2] - a[0][3] + bias;
    y10[k] = a[1][0] + a[1][1] + a[1][2] + bias;
    y11[k] = a[1][1] - a[1][2] - a[1][3] + bias;
  }
  const int64_t pairs = OW / 2;  // tiles whose two columns are both inside
  for (int64_t ty = 0; ty < TH; ++ty) {
    for (int i = 0; i < 2 && 2 * ty + i < OH; ++i) {
      const float* left = (i == 0 ? y00 : y10) + ty * TW;
      const float* right = (i == 0 ? y01 : y11) + ty * TW;
      float* row = y + (2 * ty + i) * OW;
      for (int64_t tx = 0; tx < pairs; ++tx) {
        row[2 * tx] = left[tx];
        row[2 * tx + 1] = right[tx];
      }
      if (OW % 2) row[2 * pairs] = left[pairs];
    }
  }
}

// D = A dy A^T for the TW tiles of tile row ty of the plane dy (OH x OW), the 2x2 blocks
// at rows 2ty, 2ty+1 and columns 2tx, 2tx+1 (0 outside): element xi of tile tx goes to
// d[xi * xi_stride + tx]. A = [1 0; 1 1; 1 -1; 0 -1]. `zero` holds OW zeros; t is scratch
// for 4 rows of 2 TW floats whose column OW, when OW is odd, the caller has set to 0.
void grad_row(const float* dy, int64_t OH, int64_t OW, int64_t ty, int64_t TW, const float* zero, float* t, float* d,
              int64_t xi_stride) {
  const int64_t Q = 2 * TW;  // >= OW
  const float* __restrict r0 = dy + 2 * ty * OW;
  const float* __restrict r1 = 2 * ty + 1 < OH ? r0 + OW : zero;
  float *__restrict s0 = t, *__restrict s1 = t + Q, *__restrict s2 = t + 2 * Q, *__restrict s3 = t + 3 * Q;
  for (int64_t q = 0; q < OW; ++q) {  // A dy, one column at a time
    s0[q] = r0[q];
    s1[q] = r0[q] + r1[q];
    s2[q] = r0[q] - r1[q];
    s3[q] = -r1[q];
  }
  for (int i = 0; i < 4; ++i) {  // (A dy) A^T: tile tx uses columns 2tx, 2tx+1
    const float* si = t + i * Q;
    float *d0 = d + (4 * i) * xi_stride, *d1 = d0 + xi_stride, *d2 = d1 + xi_stride, *d3 = d2 + xi_stride;
    int64_t tx = 0;
#if defined(__SSE2__)
    for (; TW >= 4;) {  // as in input_row: four tiles at a time, the last group overlapping
      const __m128 a0 = _mm_loadu_ps(si + 2 * tx), a1 = _mm_loadu_ps(si + 2 * tx + 4);
      const __m128 e = _mm_shuffle_ps(a0, a1, _MM_SHUFFLE(2, 0, 2, 0));  // columns 2tx
      const __m128 o = _mm_shuffle_ps(a0, a1, _MM_SHUFFLE(3, 1, 3, 1));  // 2tx + 1
      _mm_storeu_ps(d0 + tx, e);
      _mm_storeu_ps(d1 + tx, _mm_add_ps(e, o));
      _mm_storeu_ps(d2 + tx, _mm_sub_ps(e, o));
      _mm_storeu_ps(d3 + tx, _mm_sub_ps(_mm_setzero_ps(), o));
      if (tx + 4 >= TW) break;
      tx = std::min(tx + 4, TW - 4);
    }
    if (TW >= 4) continue;
#endif
    for (; tx < TW; ++tx) {
      const float e = si[2 * tx], o = si[2 * tx + 1];
      d0[tx] = e;
      d1[tx] = e + o;
      d2[tx] = e - o;
      d3[tx] = -o;
    }
  }
}

// The input transform V = B^T x B of samples n0 .. n0+nb-1 (all channels, T tiles each).
// t: scratch for 4 (2 TW + 2) floats.
void input_chunk(const float* x_all, int64_t C, int64_t H, int64_t W, int64_t ph, int64_t pw, int64_t TH, int64_t TW,
                 int64_t n0, int64_t nb, const float* zero, float* t, float* v) {
  const int64_t T = TH * TW, cols = nb * T;
  std::fill(t, t + 4 * (2 * TW + 2), 0.0f);  // the padding columns input_row leaves alone
  for (int64_t s = 0; s < nb; ++s)
    for (int64_t c = 0; c < C; ++c) {
      const float* x = x_all + ((n0 + s) * C + c) * H * W;
      for (int64_t ty = 0; ty < TH; ++ty)
        input_row(x, H, W, ph, pw, ty, TW, zero, t, v + c * cols + s * T + ty * TW, C * cols);
    }
}

// Samples n0 .. n0+nb-1: input transform, 16 GEMMs, output transform. `scratch` holds
// W + max(4 (2 TW + 2), 4 T) floats.
void run_chunk(const WinogradConv& p, int64_t TH, int64_t TW, const float* u, int64_t n0, int64_t nb, float* v,
               float* m, float* scratch) {
  const int64_t T = TH * TW, cols = nb * T;
  float* zero = scratch;
  float* t = scratch + p.W;
  std::fill(zero, zero + p.W, 0.0f);
  input_chunk(p.x, p.C, p.H, p.W, p.ph, p.pw, TH, TW, n0, nb, zero, t, v);
  for (int xi = 0; xi < 16; ++xi)
    gemm<float>(false, false, p.O, cols, p.C, u + xi * p.O * p.C, p.C, v + xi * p.C * cols, cols, 0.0f,
                m + xi * p.O * cols, cols);
  for (int64_t s = 0; s < nb; ++s)
    for (int64_t o = 0; o < p.O; ++o)
      output_plane(m + o * cols + s * T, p.O * cols, TH, TW, p.bias ? p.bias[o] : 0.0f,
                   p.y + ((n0 + s) * p.O + o) * p.OH * p.OW, p.OH, p.OW, t);
}

}  // namespace

bool winograd_worthwhile(int64_t C, int64_t O, int64_t OH, int64_t OW) {
  return C >= 16 && O >= 16 && OH >= 2 && OW >= 2;
}

void winograd_conv3x3(const WinogradConv& p) {
  const int64_t TH = (p.OH + 1) / 2, TW = (p.OW + 1) / 2, T = TH * TW;
  if (p.N == 0 || T == 0) return;
  const std::unique_ptr<float[]> u = transform_filters(p);
  const int64_t nb = std::clamp<int64_t>((kTargetColumns + T - 1) / T, 1, p.N);
  const int64_t chunks = (p.N + nb - 1) / nb;
  parallel_for(chunks, 1, [&](int64_t b, int64_t e) {
    const int64_t cols = nb * T;
    // Uninitialized (make_unique<float[]> would zero them): every element is written first.
    std::unique_ptr<float[]> v(new float[static_cast<size_t>(16 * p.C * cols)]);
    std::unique_ptr<float[]> m(new float[static_cast<size_t>(16 * p.O * cols)]);
    std::unique_ptr<float[]> scratch(new float[static_cast<size_t>(p.W + 4 * std::max(2 * TW + 2, T))]);
    for (int64_t k = b; k < e; ++k) {
      const int64_t n0 = k * nb;
      run_chunk(p, TH, TW, u.get(), n0, std::min(nb, p.N - n0), v.get(), m.get(), scratch.get());
    }
  });
}

void winograd_conv3x3_grad_weight(const WinogradGradWeight& p) {
  const int64_t TH = (p.OH + 1) / 2, TW = (p.OW + 1) / 2, T = TH * TW;
  const int64_t OC = p.O * p.C;
  std::vector<float> total(static_cast<size_t>(16 * OC), 0.0f);  // sum over tiles of D .* V, per xi
  if (p.N > 0 && T > 0) {
    const int64_t nb = std::clamp<int64_t>((kTargetColumns + T - 1) / T, 1, p.N);
    const int64_t chunks = (p.N + nb - 1) / nb;
    std::mutex mu;
    parallel_for(chunks, 1, [&](int64_t b, int64_t e) {
      const int64_t full_cols = nb * T, zeros = std::max(p.W, p.OW);
      std::unique_ptr<float[]> v(new float[static_cast<size_t>(16 * p.C * full_cols)]);
      std::unique_ptr<float[]> d(new float[static_cast<size_t>(16 * p.O * full_cols)]);
      std::unique_ptr<float[]> scratch(new float[static_cast<size_t>(zeros + 4 * (2 * TW + 2) + 4 * 2 * TW)]);
      std::vector<float> acc(static_cast<size_t>(16 * OC), 0.0f);
      float* zero = scratch.get();
      float* t = zero + zeros;             // input_row's rows
      float* t_dy = t + 4 * (2 * TW + 2);  // grad_row's rows
      std::fill(zero, zero + zeros, 0.0f);
      std::fill(t_dy, t_dy + 4 * 2 * TW, 0.0f);  // column OW of an odd-width dy stays 0
      for (int64_t k = b; k < e; ++k) {
        const int64_t n0 = k * nb, cnt = std::min(nb, p.N - n0), cols = cnt * T;
        input_chunk(p.x, p.C, p.H, p.W, p.ph, p.pw, TH, TW, n0, cnt, zero, t, v.get());
        for (int64_t s = 0; s < cnt; ++s)
          for (int64_t o = 0; o < p.O; ++o) {
            const float* dy = p.dy + ((n0 + s) * p.O + o) * p.OH * p.OW;
            for (int64_t ty = 0; ty < TH; ++ty)
              grad_row(dy, p.OH, p.OW, ty, TW, zero, t_dy, d.get() + o * cols + s * T + ty * TW, p.O * cols);
          }
        // acc[xi] (O x C) += D[xi] (O x tiles) . V[xi]^T (tiles x C)
        for (int xi = 0; xi < 16; ++xi)
          gemm<float>(false, true, p.O, p.C, cols, d.get() + xi * p.O * cols, cols, v.get() + xi * p.C * cols, cols,
                      1.0f, acc.data() + xi * OC, p.C);
      }
      std::lock_guard<std::mutex> lock(mu);
      for (size_t i = 0; i < acc.size(); ++i) total[i] += acc[i];
    });
  }
  // dw = G^T M G, G^T = [1 .5 .5 0; 0 .5 -.5 0; 0 .5 .5 1].
  for (int64_t oc = 0; oc < OC; ++oc) {
    float m[4][4];
    for (int xi = 0; xi < 16; ++xi) m[xi / 4][xi % 4] = total[xi * OC + oc];
    float t[3][4];  // G^T M
    for (int j = 0; j < 4; ++j) {
      t[0][j] = m[0][j] + 0.5f * (m[1][j] + m[2][j]);
      t[1][j] = 0.5f * (m[1][j] - m[2][j]);
      t[2][j] = 0.5f * (m[1][j] + m[2][j]) + m[3][j];
    }
    float* out = p.dw + oc * 9;
    for (int i = 0; i < 3; ++i) {  // (G^T M) G
      out[i * 3 + 0] = t[i][0] + 0.5f * (t[i][1] + t[i][2]);
      out[i * 3 + 1] = 0.5f * (t[i][1] - t[i][2]);
      out[i * 3 + 2] = 0.5f * (t[i][1] + t[i][2]) + t[i][3];
    }
  }
}

}  // namespace silica::cpu
