// Unary elementwise ops: y = op(x), op the specialization constant OP (a SilicaOp code).
// Floating dtypes compute in float; NEG/ABS/SIGN/RELU also take integers (the
// SILICA_INT64 variant for i64). Strided layout: operand 0 = y, 1 = x.
// Extra parameters: P(EXTRA) GELU's tanh flag, PF(EXTRA + 1) softplus beta, PF(EXTRA + 2) threshold.
#version 450
#extension GL_GOOGLE_include_directive : require
#ifdef SILICA_INT64
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
#endif
layout(local_size_x = 256) in;
layout(constant_id = 0) const int OP = 1;
#include "params.glsl"
#include "strided.glsl"
#include "math.glsl"
#include "unary_ops.glsl"
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
  const bool gelu_tanh = P(EXTRA) != 0;
  const float beta = PF(EXTRA + 1), threshold = PF(EXTRA + 2);
  for (int i = int(gl_GlobalInvocationID.x); i < n; i += grid_threads()) {
    ivec4 o = elem_offsets(i);
    if (dtype_is_float(x_dt)) {
      y_storef(o.x, unary_value(OP, x_loadf(o.y), gelu_tanh, beta, threshold));
    } else {
#ifdef SILICA_INT64
      y_storel(o.x, unary_int64(OP, x_loadl(o.y)));
#else
      y_storei(o.x, unary_int(OP, x_loadi(o.y)));
#endif
    }
  }
}
