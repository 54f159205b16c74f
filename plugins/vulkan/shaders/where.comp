// WHERE: y = cond ? a : b, moving bits (any dtype). Strided layout: operand 0 = y,
// 1 = cond (bool), 2 = a, 3 = b.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 256) in;
#include "params.glsl"
#include "strided.glsl"
#define T_NAME y
#define T_BINDING 1
#define T_SPEC 1
#include "tensor.glsl"
#define T_NAME c
#define T_BINDING 2
#define T_SPEC 2
#define T_READONLY
#include "tensor.glsl"
#define T_NAME a
#define T_BINDING 3
#define T_SPEC 3
#define T_READONLY
#include "tensor.glsl"
#define T_NAME b
#define T_BINDING 4
#define T_SPEC 4
#define T_READONLY
#include "tensor.glsl"

void main() {
  const int n = P(0);
  const bool wide = dtype_size(y_dt) == 8;
  for (int i = int(gl_GlobalInvocationID.x); i < n; i += grid_threads()) {
    ivec4 o = elem_offsets(i);
    bool pick_a = c_bits(o.y) != 0u;
    if (wide) y_setbits2(o.x, pick_a ? a_bits2(o.z) : b_bits2(o.w));
    else y_setbits(o.x, pick_a ? a_bits(o.z) : b_bits(o.w));
  }
}
