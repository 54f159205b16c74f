// CLAMP: y = min(max(x, lo), hi) with either bound optional; NaN stays NaN.
// Strided layout: operand 0 = y, 1 = x. Extra parameters: P(EXTRA) has_min, P(EXTRA + 1)
// has_max, PF(EXTRA + 2) / PF(EXTRA + 3) the float bounds, P(EXTRA + 4..7) the integer
// bounds as (low, high) words (the CPU converts the bounds to the tensor's type).
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

void main() {
  const int n = P(0);
  const bool has_min = P(EXTRA) != 0, has_max = P(EXTRA + 1) != 0;
  const float lo = PF(EXTRA + 2), hi = PF(EXTRA + 3);
#ifdef SILICA_INT64
  const int64_t ilo = int64_t((uint64_t(uint(P(EXTRA + 5))) << 32) | uint64_t(uint(P(EXTRA + 4))));
  const int64_t ihi = int64_t((uint64_t(uint(P(EXTRA + 7))) << 32) | uint64_t(uint(P(EXTRA + 6))));
#else
  const int ilo = P(EXTRA + 4), ihi = P(EXTRA + 6);
#endif
  for (int i = int(gl_GlobalInvocationID.x); i < n; i += grid_threads()) {
    ivec4 o = elem_offsets(i);
    if (dtype_is_float(x_dt)) {
      float v = x_loadf(o.y);
      if (!isnan(v)) {
        if (has_min && v < lo) v = lo;
        if (has_max && v > hi) v = hi;
      }
      y_storef(o.x, v);
    } else {
#ifdef SILICA_INT64
      int64_t v = x_loadl(o.y);
      if (has_min && v < ilo) v = ilo;
      if (has_max && v > ihi) v = ihi;
      y_storel(o.x, v);
#else
      int v = x_loadi(o.y);
      if (has_min && v < ilo) v = ilo;
      if (has_max && v > ihi) v = ihi;
      y_storei(o.x, v);
#endif
    }
  }
}
