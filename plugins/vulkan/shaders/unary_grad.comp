// UNARY_GRAD: dx = dy * d(op)/dx at x, op the specialization constant OP.
// Strided layout: operand 0 = dx, 1 = x, 2 = dy. Extra parameters as in unary.comp.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 256) in;
layout(constant_id = 0) const int OP = 1;
#include "params.glsl"
#include "strided.glsl"
#include "math.glsl"
#include "unary_ops.glsl"
#define T_NAME dx
#define T_BINDING 1
#define T_SPEC 1
#include "tensor.glsl"
#define T_NAME x
#define T_BINDING 2
#define T_SPEC 2
#define T_READONLY
#include "tensor.glsl"
#define T_NAME dy
#define T_BINDING 3
#define T_SPEC 3
#define T_READONLY
#include "tensor.glsl"

void main() {
  const int n = P(0);
  const bool gelu_tanh = P(EXTRA) != 0;
  const float beta = PF(EXTRA + 1), threshold = PF(EXTRA + 2);
  for (int i = int(gl_GlobalInvocationID.x); i < n; i += grid_threads()) {
    ivec4 o = elem_offsets(i);
    dx_storef(o.x, dy_loadf(o.z) * unary_derivative(OP, x_loadf(o.y), gelu_tanh, beta, threshold));
  }
}
