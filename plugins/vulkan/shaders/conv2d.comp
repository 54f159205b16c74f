// CONV2D and its two gradients as implicit GEMMs (common/gemm_tile.glsl): the im2col
// matrix is never built; the B loader computes which input element each (tap, position)
// pair reads. Per group g (gl_WorkGroupID.z % G), with Cg = C/G, Og = O/G, KK = KH*KW,
// P = OH*OW:
//   MODE 0 forward      y_g (Og x N*P)   = w_g (Og x Cg*KK) . col (Cg*KK x N*P)  [+ bias]
//   MODE 1 grad input   dx_g (Cg x N*HW) = w_g^T (Cg x Og*KK) . dy taps (Og*KK x N*HW)
//   MODE 2 grad weight  dw_g (Og x Cg*KK) = dy_g (Og x N*P) . col^T (N*P x Cg*KK),
//        split over K: slice s = gl_WorkGroupID.z / G sums positions
//        [s*chunk, (s+1)*chunk) into partial s of the output (P(24) chunk; partials are
//        then summed by the host with a reduction when there is more than one).
// Parameters: P(0..8) N, C, H, W, O, KH, KW, OH, OW; P(9..14) stride h, w, padding h, w,
// dilation h, w; P(15) groups; P(16) has bias; P(20) output base, P(21) first input base,
// P(22) second input base, P(23) bias base, P(24) split-K chunk, P(25) partial stride.
// Bindings: output 1, first input 2 (x; dy for the gradients), second 3 (w; w; x), bias 4.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(constant_id = 0) const int MODE = 0;
layout(constant_id = 5) const bool A_K_FAST = true;
layout(constant_id = 6) const bool B_N_FAST = true;
#include "params.glsl"
#define T_NAME y
#define T_BINDING 1
#define T_SPEC 1
#include "tensor.glsl"
#define T_NAME u
#define T_BINDING 2
#define T_SPEC 2
#define T_READONLY
#include "tensor.glsl"
#define T_NAME v
#define T_BINDING 3
#define T_SPEC 3
#define T_READONLY
#include "tensor.glsl"
#define T_NAME bias
#define T_BINDING 4
#define T_SPEC 4
#define T_READONLY
#include "tensor.glsl"

int N, C, H, W, O, KH, KW, OH, OW, SH, SW, PH, PW, DH, DW, G;
int Cg, Og, KK, CKK, NP, HW;
int g;          // the group of this workgroup
int out_base;   // output base, plus the partial's offset in MODE 2
int u_base, v_base;

// Input element (n, channel cc, ih, iw) of x (N, C, H, W), 0 in the padding.
float x_at(int n, int cc, int ih, int iw, bool from_u) {
  if (ih < 0 || ih >= H || iw < 0 || iw >= W) return 0.0;
  int e = ((n * C + cc) * H + ih) * W + iw;
  return from_u ? u_loadf(u_base + e) : v_loadf(v_base + e);
}

// The im2col element: tap k = (c, kh, kw) of group g at output position q = (n, oh, ow).
float col_at(int k, int q, bool from_u) {
  const int c = k / KK, r = k - c * KK, kh = r / KW, kw = r - kh * KW;
  const int n = q / NP, p = q - n * NP, oh = p / OW, ow = p - oh * OW;
  return x_at(n, g * Cg + c, oh * SH - PH + kh * DH, ow * SW - PW + kw * DW, from_u);
}

float gemm_a(int m, int k) {
  if (MODE == 0) return v_loadf(v_base + (g * Og + m) * CKK + k);           // w_g
  if (MODE == 1) {                                                           // w_g^T, k = (o, tap)
    const int o = k / KK, r = k - o * KK;
    return v_loadf(v_base + ((g * Og + o) * Cg + m) * KK + r);
  }
  const int n = k / NP, p = k - n * NP;                                      // dy_g, k = (n, p)
  return u_loadf(u_base + (n * O + g * Og + m) * NP + p);
}

float gemm_b(int k, int q) {
  if (MODE == 0) return col_at(k, q, true);
  if (MODE == 2) return col_at(q, k, false);
  // MODE 1: the dy element tap k = (o, kh, kw) sees from input position q = (n, ih, iw).
  const int o = k / KK, r = k - o * KK, kh = r / KW, kw = r - kh * KW;
  const int n = q / HW, s = q - n * HW, ih = s / W, iw = s - ih * W;
  const int th = ih + PH - kh * DH, tw = iw + PW - kw * DW;
  if (th < 0 || tw < 0) return 0.0;
  const int oh = th / SH, ow = tw / SW;
  if (oh * SH != th || ow * SW != tw || oh >= OH || ow >= OW) return 0.0;
  return u_loadf(u_base + ((n * O + g * Og + o) * OH + oh) * OW + ow);
}

void gemm_store(int m, int q, float value) {
  if (MODE == 0) {
    const int n = q / NP, p = q - n * NP, o = g * Og + m;
    if (P(16) != 0) value += bias_loadf(P(23) + o);
    y_storef(out_base + (n * O + o) * NP + p, value);
  } else if (MODE == 1) {
    const int n = q / HW, s = q - n * HW;
    y_storef(out_base + (n * C + g * Cg + m) * HW + s, value);
  } else {
    y_storef(out_base + (g * Og + m) * CKK + q, value);
  }
}

#include "gemm_tile.glsl"

void main() {
  N = P(0), C = P(1), H = P(2), W = P(3), O = P(4), KH = P(5), KW = P(6), OH = P(7), OW = P(8);
  SH = P(9), SW = P(10), PH = P(11), PW = P(12), DH = P(13), DW = P(14), G = P(15);
  Cg = C / G, Og = O / G, KK = KH * KW, CKK = Cg * KK, NP = OH * OW, HW = H * W;
  u_base = P(21);
  v_base = P(22);
  const int z = int(gl_WorkGroupID.z);
  g = z % G;
  out_base = P(20);
  int M, Ncols, k_begin = 0, k_end;
  if (MODE == 0) {
    M = Og, Ncols = N * NP, k_end = CKK;
  } else if (MODE == 1) {
    M = Cg, Ncols = N * HW, k_end = Og * KK;
  } else {
    M = Og, Ncols = CKK;
    const int split = z / G, chunk = P(24);
    k_begin = split * chunk;
    k_end = min(N * NP, k_begin + chunk);
    out_base += split * P(25);
  }
  gemm_tile(int(gl_WorkGroupID.y) * GEMM_BM, int(gl_WorkGroupID.x) * GEMM_BN, M, Ncols, k_begin, k_end);
}
