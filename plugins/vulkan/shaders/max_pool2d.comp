// MAX_POOL2D: one invocation per output; padding counts as -inf, so only taps inside the
// plane compete; a NaN wins (it propagates). Writes the value and the flat index
// ih * W + iw of the winner in its input plane (i64).
// Bindings: y 1, indices 2, x 3. Bases: P(13) y, P(15) indices, P(14) x.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 256) in;
#include "params.glsl"
#include "math.glsl"
#include "pool_window.glsl"
#define T_NAME y
#define T_BINDING 1
#define T_SPEC 1
#include "tensor.glsl"
#define T_NAME idx
#define T_BINDING 2
#define T_SPEC 2
#include "tensor.glsl"
#define T_NAME x
#define T_BINDING 3
#define T_SPEC 3
#define T_READONLY
#include "tensor.glsl"

void main() {
  const int total = P(0), H = P(1), W = P(2), OH = P(3), OW = P(4);
  const int KH = P(5), KW = P(6), SH = P(7), SW = P(8), PH = P(9), PW = P(10), DH = P(11), DW = P(12);
  for (int i = int(gl_GlobalInvocationID.x); i < total; i += grid_threads()) {
    const int plane = i / (OH * OW), p = i - plane * (OH * OW), oh = p / OW, ow = p - oh * OW;
    const int xplane = P(14) + plane * H * W;
    float best = -SILICA_INF;
    int best_i = -1;
    for (int a = 0; a < KH; ++a) {
      const int ih = oh * SH - PH + a * DH;
      if (ih < 0 || ih >= H) continue;
      for (int b = 0; b < KW; ++b) {
        const int iw = ow * SW - PW + b * DW;
        if (iw < 0 || iw >= W) continue;
        const float v = x_loadf(xplane + ih * W + iw);
        if (best_i < 0 || v > best || (isnan(v) && !isnan(best))) {
          best = v;
          best_i = ih * W + iw;
        }
      }
    }
    y_storef(P(13) + i, best);
    idx_storei(P(15) + i, best_i);
  }
}
