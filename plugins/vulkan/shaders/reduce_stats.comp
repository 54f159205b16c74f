// VAR, STD and LOGSUMEXP of floating tensors (OP a SilicaOp code), each in two passes over
// the values so that nothing overflows or cancels: var = sum((x - mean)^2) /
// max(0, n - correction) (PF(38) the correction), logsumexp = m + log(sum(exp(x - m)))
// with m the maximum (NaN if any value is NaN, m itself if m is infinite).
// Layout: see common/reduce_layout.glsl; y binding 1, x binding 2.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(constant_id = 0) const int OP = 102;
#include "params.glsl"
#include "math.glsl"
#include "reduce_layout.glsl"
#define T_NAME y
#define T_BINDING 1
#define T_SPEC 1
#include "tensor.glsl"
#define T_NAME x
#define T_BINDING 2
#define T_SPEC 2
#define T_READONLY
#include "tensor.glsl"

#define OP_VAR 102
#define OP_STD 103
#define OP_LOGSUMEXP 104

shared float sh_a[REDUCE_LOCAL];
shared float sh_b[REDUCE_LOCAL];

// Combines (a, b) pairs over the workgroup: sums, or (LSE, first pass) max with a NaN flag in b.
vec2 combine(vec2 v, bool max_pass) {
  if (MODE == 0) return v;
  const uint t = gl_LocalInvocationID.x;
  sh_a[t] = v.x;
  sh_b[t] = v.y;
  barrier();
  for (uint s = REDUCE_LOCAL / 2; s > 0; s >>= 1) {
    if (t < s) {
      if (max_pass) {
        sh_a[t] = max(sh_a[t], sh_a[t + s]);
        sh_b[t] = max(sh_b[t], sh_b[t + s]);
      } else {
        sh_a[t] += sh_a[t + s];
        sh_b[t] += sh_b[t + s];
      }
    }
    barrier();
  }
  vec2 r = vec2(sh_a[0], sh_b[0]);
  barrier();
  return r;
}

void main() {
  const int outputs = P(0), count = P(1), ybase = P(37);
  const float correction = PF(38);
  for (int o = first_output(); o < outputs; o += output_step()) {
    const int base = kept_offset(o);
    float result;
    if (OP == OP_LOGSUMEXP) {
      float m = -SILICA_INF, nan = 0.0;
      for (int r = first_value(); r < count; r += value_step()) {
        float v = x_loadf(base + reduced_offset(r));
        if (isnan(v)) nan = 1.0;
        else m = max(m, v);
      }
      vec2 mn = combine(vec2(m, nan), true);
      m = mn.x;
      float s = 0.0;
      if (!isinf(m)) {
        for (int r = first_value(); r < count; r += value_step()) {
          float v = x_loadf(base + reduced_offset(r));
          if (!isnan(v)) s += exp(v - m);
        }
      }
      s = combine(vec2(s, 0.0), false).x;
      result = mn.y > 0.0 ? SILICA_NAN : (isinf(m) ? m : m + log_precise(s));
    } else {
      float s = 0.0;
      for (int r = first_value(); r < count; r += value_step()) s += x_loadf(base + reduced_offset(r));
      const float mean = combine(vec2(s, 0.0), false).x / float(max(count, 1));
      float m2 = 0.0;
      for (int r = first_value(); r < count; r += value_step()) {
        float d = x_loadf(base + reduced_offset(r)) - mean;
        m2 += d * d;
      }
      m2 = combine(vec2(m2, 0.0), false).x;
      // Division by zero is spelled out: GPUs need not follow IEEE there.
      const float denom = max(0.0, float(count) - correction);
      float var = count == 0 ? SILICA_NAN : denom > 0.0 ? m2 / denom : (m2 > 0.0 ? SILICA_INF : SILICA_NAN);
      result = OP == OP_STD ? sqrt(var) : var;
    }
    if (MODE == 1 && gl_LocalInvocationID.x != 0u) continue;
    y_storef(ybase + o, result);
  }
}
