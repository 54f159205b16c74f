// Silica dtype codes (SilicaDType in plugin.h) and the number conversions every shader
// shares. Tensors are stored as 32-bit words whatever their dtype; these functions turn
// words into values and back with the same rounding as the CPU backend (round to nearest
// even for f16/bf16, truncation toward zero for float -> integer, NaN -> 0).
#ifndef SILICA_DTYPES_GLSL
#define SILICA_DTYPES_GLSL

#define DT_F32 0
#define DT_F64 1
#define DT_F16 2
#define DT_BF16 3
#define DT_I32 4
#define DT_I64 5
#define DT_U8 6
#define DT_BOOL 7

#define INT_MIN_VALUE (-2147483647 - 1)

int dtype_size(int dt) {
  if (dt == DT_F64 || dt == DT_I64) return 8;
  if (dt == DT_F32 || dt == DT_I32) return 4;
  if (dt == DT_F16 || dt == DT_BF16) return 2;
  return 1;
}

bool dtype_is_float(int dt) { return dt == DT_F32 || dt == DT_F16 || dt == DT_BF16 || dt == DT_F64; }

// IEEE binary16 bits -> float, exact (subnormals included).
float half_to_float(uint h) {
  uint sign = (h & 0x8000u) << 16;
  uint e = (h >> 10) & 0x1fu;
  uint m = h & 0x3ffu;
  if (e == 0u) {
    float f = float(m) * 5.9604644775390625e-8;  // m * 2^-24
    return uintBitsToFloat(floatBitsToUint(f) | sign);
  }
  if (e == 31u) return uintBitsToFloat(sign | 0x7f800000u | (m << 13));
  return uintBitsToFloat(sign | ((e + 112u) << 23) | (m << 13));
}

// float -> binary16 bits, rounded to nearest even; overflow gives infinity.
uint float_to_half(float f) {
  uint x = floatBitsToUint(f);
  uint sign = (x >> 16) & 0x8000u;
  uint mag = x & 0x7fffffffu;
  if (mag >= 0x7f800000u) return sign | (mag > 0x7f800000u ? 0x7e00u : 0x7c00u);
  if (mag >= 0x477ff000u) return sign | 0x7c00u;
  if (mag < 0x38800000u) {
    // Subnormal or zero: multiples of 2^-24, rounded to nearest even.
    float scaled = uintBitsToFloat(mag) * 16777216.0;
    return sign | uint(roundEven(scaled));
  }
  uint h = (((mag >> 23) - 112u) << 10) | ((mag >> 13) & 0x3ffu);
  uint rest = mag & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1u) != 0u)) h += 1u;
  return sign | h;
}

// float -> bfloat16 bits (the high half), rounded to nearest even; NaN stays quiet NaN.
uint float_to_bf16(float f) {
  uint x = floatBitsToUint(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return ((x >> 16) | 0x40u) & 0xffffu;
  x += 0x7fffu + ((x >> 16) & 1u);
  return x >> 16;
}

// Truncation toward zero as the CPU's static_cast<int64_t>, then the low 32 bits; NaN -> 0.
int float_to_int(float v) {
  if (isnan(v)) return 0;
  if (abs(v) < 2147483648.0) return int(v);
  // Beyond 32 bits v is an integer; keep its low word as the CPU's int64 -> int32 does.
  float hi = floor(v * 2.3283064365386963e-10);
  return int(uint(v - hi * 4294967296.0));
}

// The two words (low, high) of the int64 that truncates v; NaN -> 0.
uvec2 float_to_i64_words(float v) {
  if (isnan(v)) return uvec2(0u);
  if (abs(v) < 2147483648.0) {
    int i = int(v);
    return uvec2(uint(i), i < 0 ? 0xffffffffu : 0u);
  }
  // |v| >= 2^31 is an integer in float, so splitting it is exact.
  float hi = floor(v * 2.3283064365386963e-10);
  return uvec2(uint(v - hi * 4294967296.0), uint(int(hi)));
}

// An int64 given as (low, high) words -> float; exact rounding for values of 32 bits.
float i64_words_to_float(uint lo, uint hi) {
  if ((hi == 0u && lo < 0x80000000u) || (hi == 0xffffffffu && lo >= 0x80000000u)) return float(int(lo));
  return float(int(hi)) * 4294967296.0 + float(lo);
}

#endif
