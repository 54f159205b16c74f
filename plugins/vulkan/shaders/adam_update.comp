// SILICA_OP_ADAM_UPDATE: one pass over a contiguous parameter and its Adam state, in the
// operation order plugin.h gives (that of backends/cpu/kernels_optim.cpp):
//   m = m*b1 + g*(1-b1);  v = v*b2 + (g*g)*(1-b2);  amsgrad: vmax = maximum(vmax, v)
//   p = p + (m / (sqrt(v or vmax) / sqrt(1-b2^t) + eps)) * (-lr / (1-b1^t))
// Values compute in float whatever the storage dtype (f32, f16, bf16); only the stored
// results are rounded. SILICA_AMSGRAD builds the variant with the vmax binding, so the
// plain variant names no binding its dispatch leaves empty.
// Bindings: 1 p, 2 m, 3 v (read and written), 4 g, 5 vmax (amsgrad).
// Parameters: P(0) count, P(1..5) base of p, m, v, g, vmax; PF(8) b1, PF(9) 1-b1, PF(10) b2,
// PF(11) 1-b2, PF(12) sqrt(1-b2^t), PF(13) eps, PF(14) -lr/(1-b1^t): the host computes the
// constants in double and rounds each once, as the CPU kernel does.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 256) in;
#include "params.glsl"
#include "math.glsl"
#define T_NAME p
#define T_BINDING 1
#define T_SPEC 0
#include "tensor.glsl"
#define T_NAME m
#define T_BINDING 2
#define T_SPEC 1
#include "tensor.glsl"
#define T_NAME v
#define T_BINDING 3
#define T_SPEC 2
#include "tensor.glsl"
#define T_NAME g
#define T_BINDING 4
#define T_SPEC 3
#define T_READONLY
#include "tensor.glsl"
#ifdef SILICA_AMSGRAD
#define T_NAME vmax
#define T_BINDING 5
#define T_SPEC 4
#include "tensor.glsl"
#endif

// sqrt correctly rounded where the driver's is not (Vulkan bounds it only as 1/inversesqrt):
// one Newton step on the exact residual x - s*s from fma. 0, inf and NaN pass through.
// Divisions go through div_precise (math.glsl) for the same reason: Vulkan allows 2.5 ulp.
float sqrt_precise(float x) {
  precise float s = sqrt(x);
  if (!(s > 0.0) || isinf(s)) return s;
  precise float r = fma(-s, s, x);
  precise float c = s + r / (2.0 * s);
  return c;
}

void main() {
  const int n = P(0);
  const int pb = P(1), mb = P(2), vb = P(3), gb = P(4);
#ifdef SILICA_AMSGRAD
  const int xb = P(5);
#endif
  const float b1 = PF(8), b1c = PF(9), b2 = PF(10), b2c = PF(11);
  const float sqrt_c2 = PF(12), eps = PF(13), neg_step = PF(14);
  for (int i = int(gl_GlobalInvocationID.x); i < n; i += grid_threads()) {
    // `precise`: no contraction into fma, so each product and sum rounds as on the CPU.
    const float gi = g_loadf(gb + i);
    precise float mi = m_loadf(mb + i) * b1 + gi * b1c;
    precise float vi = v_loadf(vb + i) * b2 + (gi * gi) * b2c;
    m_storef(mb + i, mi);
    v_storef(vb + i, vi);
    float second = vi;
#ifdef SILICA_AMSGRAD
    const float old = vmax_loadf(xb + i);
    second = (isnan(old) || old > vi) ? old : vi;  // maximum(vmax, v): NaN propagates
    vmax_storef(xb + i, second);
#endif
    precise float denom = div_precise(sqrt_precise(second), sqrt_c2) + eps;
    precise float pi = p_loadf(pb + i) + div_precise(mi, denom) * neg_step;
    p_storef(pb + i, pi);
  }
}
