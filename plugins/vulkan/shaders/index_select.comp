// INDEX_SELECT: x (outer, n, inner) contiguous, index (K); y (outer, K, inner):
// y[o, k, j] = x[o, index[k], j], moving bits (any dtype). One invocation per element of y;
// an index outside [0, n) is reported through the status word.
// Parameters: P(0) elements of y, P(1) n, P(2) inner, P(3) K, P(4) axis, P(5) y base,
// P(6) x base, P(7) index base. Bindings: y 1, x 2, index 3, status 7.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 256) in;
#include "params.glsl"
#include "status.glsl"
#define T_NAME y
#define T_BINDING 1
#define T_SPEC 1
#include "tensor.glsl"
#define T_NAME x
#define T_BINDING 2
#define T_SPEC 2
#define T_READONLY
#include "tensor.glsl"
#define T_NAME idx
#define T_BINDING 3
#define T_SPEC 3
#define T_READONLY
#include "tensor.glsl"

void main() {
  const int total = P(0), n = P(1), inner = P(2), K = P(3);
  const bool wide = dtype_size(y_dt) == 8;
  for (int i = int(gl_GlobalInvocationID.x); i < total; i += grid_threads()) {
    const int r = i / inner, j = i - r * inner, o = r / K, k = r - o * K;
    const int v = idx_index(P(7) + k);
    if (v < 0 || v >= n) {
      uvec2 w = idx_index_words(P(7) + k);
      report_bad_index(192, w.x, w.y, P(4), n);
      continue;
    }
    const int src = P(6) + (o * n + v) * inner + j;
    if (wide) y_setbits2(P(5) + i, x_bits2(src));
    else y_setbits(P(5) + i, x_bits(src));
  }
}
