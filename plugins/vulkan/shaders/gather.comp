// GATHER along an axis: y[p] = x[p with p[axis] replaced by index[p]], y and index of one
// shape (contiguous), x contiguous; moves bits (any dtype). One invocation per element.
// Parameters: P(0) elements, P(1) ndim, P(2..9) index shape, P(10..17) x strides (0 on the
// axis), P(18) x stride of the axis, P(19) x size on the axis, P(20) axis, P(21) y base,
// P(22) x base, P(23) index base. Bindings: y 1, x 2, index 3, status 7.
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
  const int total = P(0), nd = P(1), n = P(19);
  const bool wide = dtype_size(y_dt) == 8;
  for (int i = int(gl_GlobalInvocationID.x); i < total; i += grid_threads()) {
    const int off = P(22) + walk_offsets(i, nd, 2, 10, 10).x;  // p with p[axis] = 0
    const int v = idx_index(P(23) + i);
    if (v < 0 || v >= n) {
      uvec2 w = idx_index_words(P(23) + i);
      report_bad_index(194, w.x, w.y, P(20), n);
      continue;
    }
    const int src = off + v * P(18);
    if (wide) y_setbits2(P(21) + i, x_bits2(src));
    else y_setbits(P(21) + i, x_bits(src));
  }
}
