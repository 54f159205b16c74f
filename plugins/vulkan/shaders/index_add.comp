// INDEX_ADD: y = base, then y[o, index[k], j] += src[o, k, j] for k = 0..K-1, with base and y
// (outer, n, inner), src (outer, K, inner), all contiguous. Writes collide only within one
// column (o, j), so each invocation owns a column: it copies base's column and adds src in
// order of k (race-free, deterministic, no atomics). Integers add in 32 bits or, in the
// SILICA_INT64 variant, 64 bits.
// Parameters: P(0) columns (outer * inner), P(1) n, P(2) inner, P(3) K, P(4) axis,
// P(5) y base, P(6) base base, P(7) index base, P(8) src base.
// Bindings: y 1, base 2, index 3, src 4, status 7.
#version 450
#extension GL_GOOGLE_include_directive : require
#ifdef SILICA_INT64
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
#endif
layout(local_size_x = 64) in;
#include "params.glsl"
#include "status.glsl"
#define T_NAME y
#define T_BINDING 1
#define T_SPEC 1
#include "tensor.glsl"
#define T_NAME base
#define T_BINDING 2
#define T_SPEC 2
#define T_READONLY
#include "tensor.glsl"
#define T_NAME idx
#define T_BINDING 3
#define T_SPEC 3
#define T_READONLY
#include "tensor.glsl"
#define T_NAME src
#define T_BINDING 4
#define T_SPEC 4
#define T_READONLY
#include "tensor.glsl"

void main() {
  const int columns = P(0), n = P(1), inner = P(2), K = P(3);
  const bool floating = dtype_is_float(y_dt);
  for (int c = int(gl_GlobalInvocationID.x); c < columns; c += grid_threads()) {
    const int o = c / inner, j = c - o * inner;
    const int ycol = P(5) + o * n * inner + j, bcol = P(6) + o * n * inner + j;
    for (int r = 0; r < n; ++r) {
      if (floating) y_storef(ycol + r * inner, base_loadf(bcol + r * inner));
#ifdef SILICA_INT64
      else y_storel(ycol + r * inner, base_loadl(bcol + r * inner));
#else
      else y_storei(ycol + r * inner, base_loadi(bcol + r * inner));
#endif
    }
    for (int k = 0; k < K; ++k) {
      const int v = idx_index(P(7) + k);
      if (v < 0 || v >= n) {
        uvec2 w = idx_index_words(P(7) + k);
        report_bad_index(193, w.x, w.y, P(4), n);
        continue;
      }
      const int e = ycol + v * inner, s = P(8) + (o * K + k) * inner + j;
      if (floating) y_storef(e, y_loadf(e) + src_loadf(s));
#ifdef SILICA_INT64
      else y_storel(e, y_loadl(e) + src_loadl(s));
#else
      else y_storei(e, y_loadi(e) + src_loadi(s));
#endif
    }
  }
}
