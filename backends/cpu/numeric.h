// CPU-side number types: f16/bf16 storage types and the dtype visitor.
// The backend sees only plugin.h, never core headers.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "silica/plugin.h"

namespace silica::cpu {

/// IEEE binary16 storage; arithmetic happens in float.
struct Half {
  uint16_t bits = 0;
  Half() = default;
  Half(float f) : bits(from_float(f)) {}  // NOLINT(google-explicit-constructor)
  operator float() const { return to_float(bits); }  // NOLINT(google-explicit-constructor)

  static uint16_t from_float(float f) {
    uint32_t x;
    std::memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000u;
    uint32_t mag = x & 0x7fffffffu;
    if (mag >= 0x7f800000u) return static_cast<uint16_t>(sign | (mag > 0x7f800000u ? 0x7e00u : 0x7c00u));
    if (mag >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // rounds to inf
    if (mag < 0x38800000u) {  // subnormal or zero in half: round to nearest even at 2^-24
      float a;
      std::memcpy(&a, &mag, 4);
      float scaled = a * 16777216.0f;  // 2^24
      uint32_t r = static_cast<uint32_t>(std::nearbyint(scaled));
      return static_cast<uint16_t>(sign | r);
    }
    uint32_t exp = ((mag >> 23) - 112u) << 10;
    uint32_t mant = (mag >> 13) & 0x3ffu;
    uint32_t h = exp | mant;
    uint32_t rest = mag & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) ++h;  // round half to even
    return static_cast<uint16_t>(sign | h);
  }
  static float to_float(uint16_t h) {
    uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t mant = h & 0x3ffu;
    uint32_t x;
    if (exp == 0) {
      float f = static_cast<float>(mant) * 5.9604644775390625e-8f;  // 2^-24
      std::memcpy(&x, &f, 4);
      x |= sign;
    } else if (exp == 31) {
      x = sign | 0x7f800000u | (mant << 13);
    } else {
      x = sign | ((exp + 112u) << 23) | (mant << 13);
    }
    float f;
    std::memcpy(&f, &x, 4);
    return f;
  }
};

/// bfloat16 storage: the high half of a float, rounded to nearest even.
struct BFloat16 {
  uint16_t bits = 0;
  BFloat16() = default;
  BFloat16(float f) {  // NOLINT(google-explicit-constructor)
    uint32_t x;
    std::memcpy(&x, &f, 4);
    if ((x & 0x7fffffffu) > 0x7f800000u) {
      bits = static_cast<uint16_t>((x >> 16) | 0x40u);  // quiet NaN
    } else {
      x += 0x7fffu + ((x >> 16) & 1u);
      bits = static_cast<uint16_t>(x >> 16);
    }
  }
  operator float() const {  // NOLINT(google-explicit-constructor)
    uint32_t x = static_cast<uint32_t>(bits) << 16;
    float f;
    std::memcpy(&f, &x, 4);
    return f;
  }
};

/// Type arithmetic is done in: float for f16/bf16, the type itself otherwise.
template <typename T>
struct Compute { using type = T; };
template <> struct Compute<Half> { using type = float; };
template <> struct Compute<BFloat16> { using type = float; };
template <typename T>
using compute_t = typename Compute<T>::type;

template <typename T>
constexpr bool is_float_v = std::is_floating_point_v<T> || std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;

/// Calls fn(T{}) with T the C++ type of `dtype` (bool is stored as uint8_t-like bool).
template <typename F>
decltype(auto) visit_dtype(int32_t dtype, F&& fn) {
  switch (dtype) {
    case SILICA_F32: return fn(float{});
    case SILICA_F64: return fn(double{});
    case SILICA_F16: return fn(Half{});
    case SILICA_BF16: return fn(BFloat16{});
    case SILICA_I32: return fn(int32_t{});
    case SILICA_I64: return fn(int64_t{});
    case SILICA_U8: return fn(uint8_t{});
    default: return fn(bool{});
  }
}

/// Like visit_dtype for the floating dtypes only (others map to float; callers check support).
template <typename F>
decltype(auto) visit_float_dtype(int32_t dtype, F&& fn) {
  switch (dtype) {
    case SILICA_F64: return fn(double{});
    case SILICA_F16: return fn(Half{});
    case SILICA_BF16: return fn(BFloat16{});
    default: return fn(float{});
  }
}

constexpr uint32_t kAllDTypes = (1u << SILICA_DTYPE_COUNT) - 1;
constexpr uint32_t kFloatDTypes = (1u << SILICA_F32) | (1u << SILICA_F64) | (1u << SILICA_F16) | (1u << SILICA_BF16);
constexpr uint32_t kNumericDTypes = kAllDTypes & ~(1u << SILICA_BOOL);
constexpr uint32_t kIntDTypes = (1u << SILICA_I32) | (1u << SILICA_I64) | (1u << SILICA_U8);

}  // namespace silica::cpu
