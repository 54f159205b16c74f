// SUM, MEAN, MAX, MIN, ARGMAX, ARGMIN of floating tensors (OP a SilicaOp code). Values are
// read in float and combined in float; a NaN makes max/min NaN and is argmax/argmin's
// answer (the first NaN). Ties in argmax/argmin go to the first index. Layout: see
// common/reduce_layout.glsl; y binding 1, x binding 2.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(constant_id = 0) const int OP = 96;
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

#define OP_SUM 96
#define OP_MEAN 97
#define OP_MAX 98
#define OP_MIN 99
#define OP_ARGMAX 100
#define OP_ARGMIN 101

const bool kMax = OP == OP_MAX || OP == OP_ARGMAX;
const bool kArg = OP == OP_ARGMAX || OP == OP_ARGMIN;

// A partial result: the value (sum or best), its index, whether it saw values / a NaN.
struct Acc {
  float v;
  int k;
  bool any;
  bool nan;
};

Acc acc_init() { return Acc(0.0, 0, false, false); }

bool better(float a, float b) { return kMax ? a > b : a < b; }

Acc acc_add(Acc a, float v, int k) {
  if (OP == OP_SUM || OP == OP_MEAN) {
    a.v += v;
    return a;
  }
  if (a.nan) return a;
  if (isnan(v)) return Acc(v, k, true, true);
  if (!a.any || better(v, a.v)) return Acc(v, k, true, false);
  return a;
}

// Combines partial results; b's indices may come before a's (strided partials).
Acc acc_merge(Acc a, Acc b) {
  if (OP == OP_SUM || OP == OP_MEAN) return Acc(a.v + b.v, 0, true, false);
  if (a.nan || b.nan) {
    if (a.nan && b.nan) return a.k <= b.k ? a : b;
    return a.nan ? a : b;
  }
  if (!a.any) return b;
  if (!b.any) return a;
  if (better(b.v, a.v) || (b.v == a.v && b.k < a.k)) return b;
  return a;
}

shared float sh_v[REDUCE_LOCAL];
shared int sh_k[REDUCE_LOCAL];
shared uint sh_flags[REDUCE_LOCAL];

void main() {
  const int outputs = P(0), count = P(1), ybase = P(37);
  if (MODE == 2) {
    // Sums and means of outputs that are neighbours in x (kept stride 1): a workgroup takes
    // 32 neighbouring outputs, 8 invocations each, which read 32 neighbouring values per
    // step and combine their 8 partial sums in shared memory.
    const uint t = gl_LocalInvocationID.x, lane = t / 32u;
    for (int o0 = int(gl_WorkGroupID.x) * 32; o0 < outputs; o0 += int(gl_NumWorkGroups.x) * 32) {
      const int o = o0 + int(t % 32u);
      float s = 0.0;
      if (o < outputs) {
        const int base = kept_offset(o);
        for (int r = int(lane); r < count; r += 8) s += x_loadf(base + reduced_offset(r));
      }
      sh_v[t] = s;
      barrier();
      if (lane == 0u && o < outputs) {
        for (uint k = 1u; k < 8u; ++k) s += sh_v[t + 32u * k];
        y_storef(ybase + o, OP == OP_MEAN ? (count > 0 ? div_precise(s, float(count)) : SILICA_NAN) : s);
      }
      barrier();
    }
    return;
  }
  // MODE 1 may split each output's values over workgroups along y, P(39) values each
  // (sum and mean only): split s writes its partial result to y[s * outputs + o].
  const int split = MODE == 1 ? int(gl_WorkGroupID.y) : 0, chunk = MODE == 1 ? P(39) : count;
  const int r_end = min(count, split * chunk + chunk);
  for (int o = first_output(); o < outputs; o += output_step()) {
    const int base = kept_offset(o);
    Acc acc = acc_init();
    for (int r = split * chunk + first_value(); r < r_end; r += value_step())
      acc = acc_add(acc, x_loadf(base + reduced_offset(r)), r);
    if (MODE == 1) {
      const uint t = gl_LocalInvocationID.x;
      sh_v[t] = acc.v;
      sh_k[t] = acc.k;
      sh_flags[t] = (acc.any ? 1u : 0u) | (acc.nan ? 2u : 0u);
      barrier();
      for (uint s = REDUCE_LOCAL / 2; s > 0; s >>= 1) {
        if (t < s) {
          Acc a = Acc(sh_v[t], sh_k[t], (sh_flags[t] & 1u) != 0u, (sh_flags[t] & 2u) != 0u);
          Acc b = Acc(sh_v[t + s], sh_k[t + s], (sh_flags[t + s] & 1u) != 0u, (sh_flags[t + s] & 2u) != 0u);
          a = acc_merge(a, b);
          sh_v[t] = a.v;
          sh_k[t] = a.k;
          sh_flags[t] = (a.any ? 1u : 0u) | (a.nan ? 2u : 0u);
        }
        barrier();
      }
      acc = Acc(sh_v[0], sh_k[0], (sh_flags[0] & 1u) != 0u, (sh_flags[0] & 2u) != 0u);
      barrier();  // sh_* are reused by this workgroup's next output
      if (t != 0u) continue;
    }
    const int at = ybase + split * outputs + o;
    if (kArg) y_storei(at, acc.k);
    else if (OP == OP_MEAN) y_storef(at, count > 0 ? div_precise(acc.v, float(count)) : SILICA_NAN);
    else y_storef(at, acc.v);
  }
}
