// RAND_UNIFORM, RAND_NORMAL, RAND_INT and BERNOULLI (OP a SilicaOp code): element i of the
// output (row-major) is drawn from philox block (seed, offset + i) as plugin.h specifies.
// Strided layout: operand 0 = y, operand 1 = p (BERNOULLI; y again otherwise).
// Extra parameters: P(EXTRA..+1) seed (low, high), P(EXTRA+2..+3) offset (low, high),
// PF(EXTRA+4) low or mean, PF(EXTRA+5) high or std, PF(EXTRA+6) high - low,
// P(EXTRA+7..+8) integer low, P(EXTRA+9..+10) integer range (high - low), as (low, high) words.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 256) in;
layout(constant_id = 0) const int OP = 224;
#include "params.glsl"
#include "strided.glsl"
#include "math.glsl"
#include "philox.glsl"
#define T_NAME y
#define T_BINDING 1
#define T_SPEC 1
#include "tensor.glsl"
#define T_NAME p
#define T_BINDING 2
#define T_SPEC 2
#define T_READONLY
#include "tensor.glsl"

#define OP_UNIFORM 224
#define OP_NORMAL 225
#define OP_INT 226

// v rounded to y's dtype (the value a store would keep).
float as_stored(float v) {
  if (y_dt == DT_F16) return half_to_float(float_to_half(v));
  if (y_dt == DT_BF16) return uintBitsToFloat(float_to_bf16(v) << 16);
  return v;
}

void main() {
  const int n = P(0);
  const uvec2 seed = uvec2(uint(P(EXTRA)), uint(P(EXTRA + 1)));
  const uvec2 offset = uvec2(uint(P(EXTRA + 2)), uint(P(EXTRA + 3)));
  const float a = PF(EXTRA + 4), b = PF(EXTRA + 5), span = PF(EXTRA + 6);
  const uvec2 ilow = uvec2(uint(P(EXTRA + 7)), uint(P(EXTRA + 8)));
  const uvec2 range = uvec2(uint(P(EXTRA + 9)), uint(P(EXTRA + 10)));
  // Random bits a uniform of y's dtype uses: its significand width.
  const int digits = y_dt == DT_F16 ? 11 : (y_dt == DT_BF16 ? 8 : 24);
  for (int i = int(gl_GlobalInvocationID.x); i < n; i += grid_threads()) {
    const ivec4 o = elem_offsets(i);
    const uvec4 r = philox_block(seed, offset, uint(i));
    if (OP == OP_UNIFORM) {
      // low + (high - low) u, rounded once; a value that rounds up to high becomes low.
      float v = as_stored(fma(span, philox_unit(r, digits), a));
      if (!(v < b) && a < b) v = a;
      y_storef(o.x, v);
    } else if (OP == OP_NORMAL) {
      y_storef(o.x, a + b * philox_normal(r));
    } else if (OP == OP_INT) {
      // range <= 2^32: r0 mod range; wider: (r0:r1) mod range.
      uvec2 k;
      if (range.y == 0u) k = uvec2(r.x % range.x, 0u);
      else if (range == uvec2(0u, 1u)) k = uvec2(r.x, 0u);
      else k = mod64(uvec2(r.y, r.x), range);
      const uvec2 v = add64(ilow, k);
      if (dtype_size(y_dt) == 8) y_setbits2(o.x, v);
      else y_setbits(o.x, v.x);  // i32 keeps the low word, as the CPU's int64 -> int32

    } else {
      y_storef(o.x, philox_below(r, p_loadf(o.y)) ? 1.0 : 0.0);
    }
  }
}
