// SCATTER_ADD along an axis: y = base, then y[p with p[axis] = index[p]] += src[p] for every
// position p of index (src has index's shape; all tensors contiguous). Writes collide only
// along the axis, so each invocation owns one column of y (all positions that differ only
// in the axis coordinate): it copies base's column, then adds the matching column of src in
// order (race-free, deterministic). Integers add in 32 bits or 64 (SILICA_INT64 variant).
// Parameters: P(0) columns of y, P(1) ndim, P(2) axis, P(3..10) y shape, P(11..18) index
// shape, P(19) y base, P(20) base base, P(21) index base, P(22) src base.
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
  const int columns = P(0), nd = P(1), axis = P(2);
  const int n = P(3 + axis), len = P(11 + axis);
  const bool floating = dtype_is_float(y_dt);
  for (int c = int(gl_GlobalInvocationID.x); c < columns; c += grid_threads()) {
    // Offsets of the column's first element in y and in index/src, and their axis strides.
    int rest = c, yoff = 0, ioff = 0, ystride = 1, istride = 1, y_axis_stride = 1, i_axis_stride = 1;
    bool inside = true;
    for (int d = nd - 1; d >= 0; --d) {
      const int ys = P(3 + d), is = P(11 + d);
      if (d == axis) {
        y_axis_stride = ystride;
        i_axis_stride = istride;
      } else {
        const int coord = rest % ys;
        rest /= ys;
        yoff += coord * ystride;
        ioff += coord * istride;
        inside = inside && coord < is;
      }
      ystride *= ys;
      istride *= is;
    }
    for (int r = 0; r < n; ++r) {
      const int e = yoff + r * y_axis_stride;
      if (floating) y_storef(P(19) + e, base_loadf(P(20) + e));
#ifdef SILICA_INT64
      else y_storel(P(19) + e, base_loadl(P(20) + e));
#else
      else y_storei(P(19) + e, base_loadi(P(20) + e));
#endif
    }
    if (!inside) continue;
    for (int t = 0; t < len; ++t) {
      const int p = ioff + t * i_axis_stride;
      const int v = idx_index(P(21) + p);
      if (v < 0 || v >= n) {
        uvec2 w = idx_index_words(P(21) + p);
        report_bad_index(195, w.x, w.y, axis, n);
        continue;
      }
      const int e = P(19) + yoff + v * y_axis_stride, s = P(22) + p;
      if (floating) y_storef(e, y_loadf(e) + src_loadf(s));
#ifdef SILICA_INT64
      else y_storel(e, y_loadl(e) + src_loadl(s));
#else
      else y_storei(e, y_loadi(e) + src_loadi(s));
#endif
    }
  }
}
