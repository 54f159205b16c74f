// Binary elementwise ops and comparisons: y = a op b, op the specialization constant OP
// (a SilicaOp code). Floating dtypes compute in float, integers in 32 bits (wrapping like
// the CPU's narrow types when stored) or, in the SILICA_INT64 variant, 64 bits.
// Comparisons write bool. Strided layout: operand 0 = y, 1 = a, 2 = b.
#version 450
#extension GL_GOOGLE_include_directive : require
#ifdef SILICA_INT64
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
#endif
layout(local_size_x = 256) in;
layout(constant_id = 0) const int OP = 32;
#include "params.glsl"
#include "strided.glsl"
#include "math.glsl"
#define T_NAME y
#define T_BINDING 1
#define T_SPEC 1
#include "tensor.glsl"
#define T_NAME a
#define T_BINDING 2
#define T_SPEC 2
#define T_READONLY
#include "tensor.glsl"
#define T_NAME b
#define T_BINDING 3
#define T_SPEC 3
#define T_READONLY
#include "tensor.glsl"

#define OP_ADD 32
#define OP_SUB 33
#define OP_MUL 34
#define OP_DIV 35
#define OP_POW 36
#define OP_MAXIMUM 37
#define OP_MINIMUM 38
#define OP_EQ 39
#define OP_NE 40
#define OP_LT 41
#define OP_LE 42
#define OP_GT 43
#define OP_GE 44

// std::pow's special cases: builtin pow is undefined for x < 0 and for x == 0, y <= 0.
float pow_full(float x, float y) {
  if (y == 0.0) return 1.0;
  if (y == 1.0) return x;
  if (y == 2.0) return x * x;
  if (x == 1.0) return 1.0;
  if (isnan(x) || isnan(y)) return SILICA_NAN;
  float ax = abs(x);
  float r;
  if (ax == 0.0) r = y > 0.0 ? 0.0 : SILICA_INF;
  else if (isinf(ax)) r = y > 0.0 ? SILICA_INF : 0.0;
  else if (y == 0.5) r = sqrt(ax);
  else r = exp2(y * log2(ax));
  if (x < 0.0) {
    if (floor(y) != y) return SILICA_NAN;  // negative base, fractional power
    return abs(mod(y, 2.0)) == 1.0 ? -r : r;
  }
  return r;
}

float binary_float(float a, float b) {
  switch (OP) {
    case OP_ADD: return a + b;
    case OP_SUB: return a - b;
    case OP_MUL: return a * b;
    case OP_DIV: return a / b;
    case OP_POW: return pow_full(a, b);
    case OP_MAXIMUM: return (isnan(a) || a > b) ? a : b;  // NaN propagates
    case OP_MINIMUM: return (isnan(a) || a < b) ? a : b;
  }
  return 0.0;
}

bool compare_float(float a, float b) {
  switch (OP) {
    case OP_EQ: return a == b;
    case OP_NE: return a != b;
    case OP_LT: return a < b;
    case OP_LE: return a <= b;
    case OP_GT: return a > b;
  }
  return a >= b;
}

#ifdef SILICA_INT64
#define INT_T int64_t
#define INT_ZERO int64_t(0)
#define INT_ONE int64_t(1)
#else
#define INT_T int
#define INT_ZERO 0
#define INT_ONE 1
#endif

// Integer pow by squaring; a negative exponent truncates 1 / a^-b toward zero as the CPU's
// integer conversion of std::pow does.
INT_T pow_int(INT_T a, INT_T b) {
  if (b < INT_ZERO) {
    if (a == INT_ONE) return INT_ONE;
    if (a == -INT_ONE) return (b & INT_ONE) != INT_ZERO ? -INT_ONE : INT_ONE;
    return INT_ZERO;
  }
  INT_T r = INT_ONE;
  while (b > INT_ZERO) {
    if ((b & INT_ONE) != INT_ZERO) r *= a;
    a *= a;
    b >>= 1;
  }
  return r;
}

INT_T binary_int(INT_T a, INT_T b) {
  switch (OP) {
    case OP_ADD: return a + b;
    case OP_SUB: return a - b;
    case OP_MUL: return a * b;
    case OP_DIV: return b == INT_ZERO ? INT_ZERO : a / b;
    case OP_POW: return pow_int(a, b);
    case OP_MAXIMUM: return a > b ? a : b;
    case OP_MINIMUM: return a < b ? a : b;
  }
  return INT_ZERO;
}

bool compare_int(INT_T a, INT_T b) {
  switch (OP) {
    case OP_EQ: return a == b;
    case OP_NE: return a != b;
    case OP_LT: return a < b;
    case OP_LE: return a <= b;
    case OP_GT: return a > b;
  }
  return a >= b;
}

void main() {
  const int n = P(0);
  const bool comparison = OP >= OP_EQ;
  for (int i = int(gl_GlobalInvocationID.x); i < n; i += grid_threads()) {
    ivec4 o = elem_offsets(i);
    if (dtype_is_float(a_dt)) {
      float x = a_loadf(o.y), z = b_loadf(o.z);
      if (comparison) y_storei(o.x, compare_float(x, z) ? 1 : 0);
      else y_storef(o.x, binary_float(x, z));
    } else {
#ifdef SILICA_INT64
      INT_T x = a_loadl(o.y), z = b_loadl(o.z);
      if (comparison) y_storei(o.x, compare_int(x, z) ? 1 : 0);
      else y_storel(o.x, binary_int(x, z));
#else
      INT_T x = a_loadi(o.y), z = b_loadi(o.z);
      if (comparison) y_storei(o.x, compare_int(x, z) ? 1 : 0);
      else y_storei(o.x, binary_int(x, z));
#endif
    }
  }
}
