// One tensor binding and its typed accessors. Include once per tensor after defining
//   T_NAME     the name (x, y, ...): functions become x_loadf, x_storef, ...
//   T_BINDING  its descriptor binding (1..6)
//   T_SPEC     the specialization-constant id holding its dtype (x_dt)
//   T_READONLY (optional) for inputs: no store functions, a read-only block
// Elements are addressed by element index e (the host adds the view's base offset).
// Elements narrower than a word are read by shifting and written with two atomics on
// their word, so neighbouring elements written by other invocations never race.
#include "dtypes.glsl"

#define SILICA_PASTE2(a, b) a##b
#define SILICA_PASTE(a, b) SILICA_PASTE2(a, b)
#define TN(suffix) SILICA_PASTE(T_NAME, suffix)

layout(constant_id = T_SPEC) const int TN(_dt) = DT_F32;
#ifdef T_READONLY
layout(std430, set = 0, binding = T_BINDING) readonly buffer TN(_block) { uint TN(_w)[]; };
#else
layout(std430, set = 0, binding = T_BINDING) buffer TN(_block) { uint TN(_w)[]; };
#endif

// Bits of an element of at most 4 bytes, zero-extended.
uint TN(_bits)(int e) {
  int size = dtype_size(TN(_dt));
  if (size == 4) return TN(_w)[e];
  if (size == 2) return (TN(_w)[e >> 1] >> (uint(e & 1) * 16u)) & 0xffffu;
  return (TN(_w)[e >> 2] >> (uint(e & 3) * 8u)) & 0xffu;
}

// The two words (low, high) of an 8-byte element.
uvec2 TN(_bits2)(int e) { return uvec2(TN(_w)[2 * e], TN(_w)[2 * e + 1]); }

float TN(_loadf)(int e) {
  switch (TN(_dt)) {
    case DT_F32: return uintBitsToFloat(TN(_w)[e]);
    case DT_F16: return half_to_float(TN(_bits)(e));
    case DT_BF16: return uintBitsToFloat(TN(_bits)(e) << 16);
    case DT_I32: return float(int(TN(_w)[e]));
    case DT_I64: return i64_words_to_float(TN(_w)[2 * e], TN(_w)[2 * e + 1]);
    default: return float(TN(_bits)(e));  // u8, bool
  }
}

// Integer value of an element of an integer or bool dtype (i64: its low word).
int TN(_loadi)(int e) {
  switch (TN(_dt)) {
    case DT_I32: return int(TN(_w)[e]);
    case DT_I64: return int(TN(_w)[2 * e]);
    case DT_F32: return float_to_int(uintBitsToFloat(TN(_w)[e]));
    default: return int(TN(_bits)(e));
  }
}

// An index (i64 or i32) as int, or INT_MIN_VALUE when it does not fit 32 bits.
int TN(_index)(int e) {
  if (TN(_dt) == DT_I64) {
    uint lo = TN(_w)[2 * e], hi = TN(_w)[2 * e + 1];
    bool fits = (hi == 0u && lo < 0x80000000u) || (hi == 0xffffffffu && lo >= 0x80000000u);
    return fits ? int(lo) : INT_MIN_VALUE;
  }
  return int(TN(_w)[e]);
}

// The raw words of an index element, for error messages.
uvec2 TN(_index_words)(int e) {
  if (TN(_dt) == DT_I64) return TN(_bits2)(e);
  int v = int(TN(_w)[e]);
  return uvec2(uint(v), v < 0 ? 0xffffffffu : 0u);
}

#ifdef SILICA_INT64
int64_t TN(_loadl)(int e) {
  switch (TN(_dt)) {
    case DT_I64: return int64_t((uint64_t(TN(_w)[2 * e + 1]) << 32) | uint64_t(TN(_w)[2 * e]));
    case DT_I32: return int64_t(int(TN(_w)[e]));
    case DT_F32:
    case DT_F16:
    case DT_BF16: {
      float v = TN(_loadf)(e);
      return isnan(v) ? int64_t(0) : int64_t(v);
    }
    default: return int64_t(TN(_bits)(e));
  }
}
#endif

#ifndef T_READONLY
void TN(_setbits)(int e, uint v) {
  int size = dtype_size(TN(_dt));
  if (size == 4) {
    TN(_w)[e] = v;
    return;
  }
  int word;
  uint shift, mask;
  if (size == 2) {
    word = e >> 1;
    shift = uint(e & 1) * 16u;
    mask = 0xffffu << shift;
  } else {
    word = e >> 2;
    shift = uint(e & 3) * 8u;
    mask = 0xffu << shift;
  }
  atomicAnd(TN(_w)[word], ~mask);
  atomicOr(TN(_w)[word], (v << shift) & mask);
}

void TN(_setbits2)(int e, uvec2 v) {
  TN(_w)[2 * e] = v.x;
  TN(_w)[2 * e + 1] = v.y;
}

void TN(_storef)(int e, float v) {
  switch (TN(_dt)) {
    case DT_F32: TN(_w)[e] = floatBitsToUint(v); break;
    case DT_F16: TN(_setbits)(e, float_to_half(v)); break;
    case DT_BF16: TN(_setbits)(e, float_to_bf16(v)); break;
    case DT_I32: TN(_w)[e] = uint(float_to_int(v)); break;
    case DT_I64: TN(_setbits2)(e, float_to_i64_words(v)); break;
    case DT_BOOL: TN(_setbits)(e, v != 0.0 ? 1u : 0u); break;
    default: TN(_setbits)(e, uint(float_to_int(v)) & 0xffu); break;  // u8 wraps like int64 -> uint8
  }
}

// Stores an integer value (wrapping to the dtype's width; bool: v != 0).
void TN(_storei)(int e, int v) {
  switch (TN(_dt)) {
    case DT_I32: TN(_w)[e] = uint(v); break;
    case DT_I64: TN(_setbits2)(e, uvec2(uint(v), v < 0 ? 0xffffffffu : 0u)); break;
    case DT_BOOL: TN(_setbits)(e, v != 0 ? 1u : 0u); break;
    case DT_U8: TN(_setbits)(e, uint(v) & 0xffu); break;
    default: TN(_storef)(e, float(v)); break;
  }
}

#ifdef SILICA_INT64
void TN(_storel)(int e, int64_t v) {
  switch (TN(_dt)) {
    case DT_I64: {
      uint64_t u = uint64_t(v);
      TN(_setbits2)(e, uvec2(uint(u & 0xffffffffUL), uint(u >> 32)));
      break;
    }
    case DT_I32: TN(_w)[e] = uint(int(v)); break;
    case DT_BOOL: TN(_setbits)(e, v != 0 ? 1u : 0u); break;
    case DT_U8: TN(_setbits)(e, uint(v & 0xffL)); break;
    default: TN(_storef)(e, float(v)); break;
  }
}
#endif
#endif  // T_READONLY

#undef TN
#undef T_NAME
#undef T_BINDING
#undef T_SPEC
#undef T_READONLY
