// CROSS_ENTROPY (loss per sample) and CROSS_ENTROPY_GRAD (dlogits), fused: each sample's
// row of logits x (N, C) gives lse = log(sum exp(x)) and sum(x); with label smoothing eps
//   loss = (1 - eps) (lse - x_t) + eps (lse - sum / C)
//   dx_c = dloss * (exp(x_c - lse) - ((1 - eps) [c == t] + eps / C))
// and rows whose target equals the ignore index give 0. A target outside [0, C) is
// reported through the status word and gives NaN.
// Parameters: P(0) N, P(1) C, P(2), P(3) ignore index (low, high word), PF(4) eps,
// P(5) x base, P(6) target base, P(7) out base, P(8) dloss base.
// Bindings: out 1, x 2, target 3, dloss 4 (gradient only), status 7.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(constant_id = 0) const bool GRAD = false;
#include "params.glsl"
#include "math.glsl"
#include "status.glsl"
#include "row_reduce.glsl"
#define T_NAME y
#define T_BINDING 1
#define T_SPEC 1
#include "tensor.glsl"
#define T_NAME x
#define T_BINDING 2
#define T_SPEC 2
#define T_READONLY
#include "tensor.glsl"
#define T_NAME target
#define T_BINDING 3
#define T_SPEC 4
#define T_READONLY
#include "tensor.glsl"
#define T_NAME dloss
#define T_BINDING 4
#define T_SPEC 5
#define T_READONLY
#include "tensor.glsl"

void main() {
  const int N = P(0), C = P(1), xbase = P(5), tbase = P(6), ybase = P(7), gbase = P(8);
  const uvec2 ignore = uvec2(uint(P(2)), uint(P(3)));
  const float eps = PF(4);
  for (int i = first_row(); i < N; i += row_step()) {
    const uvec2 words = target_index_words(tbase + i);
    const int row = xbase + i * C, out_row = ybase + (GRAD ? i * C : i);
    if (words == ignore) {
      if (GRAD) {
        for (int c = first_col(); c < C; c += col_step()) y_storef(out_row + c, 0.0);
      } else if (row_leader()) {
        y_storef(out_row, 0.0);
      }
      continue;
    }
    int t = target_index(tbase + i);
    const bool bad = t < 0 || t >= C;
    if (bad && row_leader()) report_bad_target(GRAD ? 164 : 163, words.x, words.y, C);
    float m = -SILICA_INF, total = 0.0;
    for (int c = first_col(); c < C; c += col_step()) {
      const float v = x_loadf(row + c);
      m = max_keep_nan(m, v);
      total += v;
    }
    m = row_max(m);
    total = row_sum(total);
    float s = 0.0;
    for (int c = first_col(); c < C; c += col_step()) s += exp(x_loadf(row + c) - m);
    const float lse = m + log_precise(row_sum(s));
    if (GRAD) {
      const float g = dloss_loadf(gbase + i), uniform_share = eps / float(C);
      for (int c = first_col(); c < C; c += col_step()) {
        const float p = exp(x_loadf(row + c) - lse);
        const float q = (c == t ? 1.0 - eps : 0.0) + uniform_share;
        y_storef(out_row + c, bad ? SILICA_NAN : g * (p - q));
      }
    } else if (row_leader()) {
      const float nll = bad ? SILICA_NAN : lse - x_loadf(row + t);
      y_storef(out_row, (1.0 - eps) * nll + eps * (lse - total / float(C)));
    }
  }
}
