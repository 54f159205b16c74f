// COPY: y[i] = x[i] over any strides (y may be a strided view); moves bits, so every
// dtype and every NaN payload survives. Strided layout: operand 0 = y, 1 = x.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 256) in;
#include "params.glsl"
#include "strided.glsl"
#define T_NAME y
#define T_BINDING 1
#define T_SPEC 1
#include "tensor.glsl"
#define T_NAME x
#define T_BINDING 2
#define T_SPEC 2
#define T_READONLY
#include "tensor.glsl"

void main() {
  const int n = P(0);
  const bool wide = dtype_size(y_dt) == 8;
  for (int i = int(gl_GlobalInvocationID.x); i < n; i += grid_threads()) {
    ivec4 o = elem_offsets(i);
    if (wide) y_setbits2(o.x, x_bits2(o.y));
    else y_setbits(o.x, x_bits(o.y));
  }
}
