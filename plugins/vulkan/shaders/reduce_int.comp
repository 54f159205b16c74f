// SUM, MAX, MIN, ARGMAX, ARGMIN of integer and bool tensors (OP a SilicaOp code), in
// 32-bit integers (sums wrap as the CPU's narrow accumulators do) or, in the SILICA_INT64
// variant, 64-bit ones. Ties in argmax/argmin go to the first index. Layout: see
// common/reduce_layout.glsl; y binding 1, x binding 2.
#version 450
#extension GL_GOOGLE_include_directive : require
#ifdef SILICA_INT64
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
#define INT_T int64_t
#define LOAD(e) x_loadl(e)
#define STORE(e, v) y_storel(e, v)
#else
#define INT_T int
#define LOAD(e) x_loadi(e)
#define STORE(e, v) y_storei(e, v)
#endif
layout(constant_id = 0) const int OP = 96;
#include "params.glsl"
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
#define OP_MAX 98
#define OP_MIN 99
#define OP_ARGMAX 100
#define OP_ARGMIN 101

const bool kMax = OP == OP_MAX || OP == OP_ARGMAX;
const bool kArg = OP == OP_ARGMAX || OP == OP_ARGMIN;

struct Acc {
  INT_T v;
  int k;
  bool any;
};

bool better(INT_T a, INT_T b) { return kMax ? a > b : a < b; }

Acc acc_add(Acc a, INT_T v, int k) {
  if (OP == OP_SUM) {
    a.v += v;
    return a;
  }
  if (!a.any || better(v, a.v)) return Acc(v, k, true);
  return a;
}

Acc acc_merge(Acc a, Acc b) {
  if (OP == OP_SUM) return Acc(a.v + b.v, 0, true);
  if (!a.any) return b;
  if (!b.any) return a;
  if (better(b.v, a.v) || (b.v == a.v && b.k < a.k)) return b;
  return a;
}

shared INT_T sh_v[REDUCE_LOCAL];
shared int sh_k[REDUCE_LOCAL];
shared bool sh_any[REDUCE_LOCAL];

void main() {
  const int outputs = P(0), count = P(1), ybase = P(37);
  for (int o = first_output(); o < outputs; o += output_step()) {
    const int base = kept_offset(o);
    Acc acc = Acc(INT_T(0), 0, false);
    for (int r = first_value(); r < count; r += value_step()) acc = acc_add(acc, LOAD(base + reduced_offset(r)), r);
    if (MODE == 1) {
      const uint t = gl_LocalInvocationID.x;
      sh_v[t] = acc.v;
      sh_k[t] = acc.k;
      sh_any[t] = acc.any;
      barrier();
      for (uint s = REDUCE_LOCAL / 2; s > 0; s >>= 1) {
        if (t < s) {
          Acc a = acc_merge(Acc(sh_v[t], sh_k[t], sh_any[t]), Acc(sh_v[t + s], sh_k[t + s], sh_any[t + s]));
          sh_v[t] = a.v;
          sh_k[t] = a.k;
          sh_any[t] = a.any;
        }
        barrier();
      }
      acc = Acc(sh_v[0], sh_k[0], sh_any[0]);
      barrier();
      if (t != 0u) continue;
    }
    if (kArg) y_storei(ybase + o, acc.k);
    else STORE(ybase + o, acc.v);
  }
}
