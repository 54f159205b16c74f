// CAST: y = x converted to y's dtype as the CPU does: float -> int truncates toward zero
// (NaN -> 0), integers wrap to the target width, -> bool is x != 0. The SILICA_INT64 variant
// handles i64 operands with 64-bit integers. Strided layout: operand 0 = y, 1 = x.
#version 450
#extension GL_GOOGLE_include_directive : require
#ifdef SILICA_INT64
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
#endif
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

void convert(int yo, int xo) {
  const bool xf = dtype_is_float(x_dt), yf = dtype_is_float(y_dt);
#ifdef SILICA_INT64
  if (x_dt == DT_I64 || y_dt == DT_I64) {
    if (y_dt == DT_BOOL) y_storei(yo, (xf ? x_loadf(xo) != 0.0 : x_loadl(xo) != 0) ? 1 : 0);
    else if (yf) y_storef(yo, xf ? x_loadf(xo) : float(x_loadl(xo)));
    else y_storel(yo, x_loadl(xo));
    return;
  }
#endif
  if (y_dt == DT_BOOL) y_storei(yo, (xf ? x_loadf(xo) != 0.0 : x_loadi(xo) != 0) ? 1 : 0);
  else if (xf || yf) y_storef(yo, x_loadf(xo));
  else y_storei(yo, x_loadi(xo));
}

void main() {
  const int n = P(0);
  for (int i = int(gl_GlobalInvocationID.x); i < n; i += grid_threads()) {
    ivec4 o = elem_offsets(i);
    convert(o.x, o.y);
  }
}
