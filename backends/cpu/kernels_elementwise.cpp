// Elementwise kernels: unary ops and their derivatives, binary ops, where, clamp,
// cast, copy and fill. Arithmetic runs in compute_t<T> (float for f16/bf16).
#include <cmath>
#include <cstring>

#include "elementwise.h"

namespace silica::cpu {

namespace {

struct UnaryParams {
  bool gelu_tanh = false;
  double beta = 1.0, threshold = 20.0;  // softplus
};

UnaryParams unary_params(int op, const SilicaAttrs* a, int first) {
  UnaryParams p;
  if (op == SILICA_OP_GELU && a->num_ints > first) p.gelu_tanh = a->ints[first] != 0;
  if (op == SILICA_OP_SOFTPLUS && a->num_floats >= 2) {
    p.beta = a->floats[0];
    p.threshold = a->floats[1];
  }
  return p;
}

constexpr double kSqrt2OverPi = 0.7978845608028654;
constexpr double kInvSqrt2 = 0.7071067811865476;
constexpr double kInvSqrt2Pi = 0.3989422804014327;

template <int OP, typename C>
C unary_value(C x, const UnaryParams& p) {
  if constexpr (OP == SILICA_OP_NEG) return -x;
  else if constexpr (OP == SILICA_OP_ABS) return x < C(0) ? C(-x) : x;
  else if constexpr (OP == SILICA_OP_SIGN) return C((C(0) < x) - (x < C(0)));
  else if constexpr (OP == SILICA_OP_RELU) return x > C(0) ? x : C(0);
  else if constexpr (OP == SILICA_OP_EXP) return std::exp(x);
  else if constexpr (OP == SILICA_OP_LOG) return std::log(x);
  else if constexpr (OP == SILICA_OP_LOG1P) return std::log1p(x);
  else if constexpr (OP == SILICA_OP_SQRT) return std::sqrt(x);
  else if constexpr (OP == SILICA_OP_RSQRT) return C(1) / std::sqrt(x);
  else if constexpr (OP == SILICA_OP_RECIPROCAL) return C(1) / x;
  else if constexpr (OP == SILICA_OP_SIN) return std::sin(x);
  else if constexpr (OP == SILICA_OP_COS) return std::cos(x);
  else if constexpr (OP == SILICA_OP_TANH) return std::tanh(x);
  else if constexpr (OP == SILICA_OP_SIGMOID) return C(1) / (C(1) + std::exp(-x));
  else if constexpr (OP == SILICA_OP_SILU) return x / (C(1) + std::exp(-x));
  else if constexpr (OP == SILICA_OP_GELU) {
    if (p.gelu_tanh) return C(0.5) * x * (C(1) + std::tanh(C(kSqrt2OverPi) * (x + C(0.044715) * x * x * x)));
    return C(0.5) * x * (C(1) + std::erf(x * C(kInvSqrt2)));
  } else if constexpr (OP == SILICA_OP_SOFTPLUS) {
    C bx = C(p.beta) * x;
    return bx > C(p.threshold) ? x : C(std::log1p(std::exp(bx)) / C(p.beta));
  }
}

// d(op)/dx at x.
template <int OP, typename C>
C unary_derivative(C x, const UnaryParams& p) {
  if constexpr (OP == SILICA_OP_NEG) return C(-1);
  else if constexpr (OP == SILICA_OP_ABS) return C((C(0) < x) - (x < C(0)));
  else if constexpr (OP == SILICA_OP_SIGN) return C(0);
  else if constexpr (OP == SILICA_OP_RELU) return x > C(0) ? C(1) : C(0);
  else if constexpr (OP == SILICA_OP_EXP) return std::exp(x);
  else if constexpr (OP == SILICA_OP_LOG) return C(1) / x;
  else if constexpr (OP == SILICA_OP_LOG1P) return C(1) / (C(1) + x);
  else if constexpr (OP == SILICA_OP_SQRT) return C(0.5) / std::sqrt(x);
  else if constexpr (OP == SILICA_OP_RSQRT) return C(-0.5) / (x * std::sqrt(x));
  else if constexpr (OP == SILICA_OP_RECIPROCAL) return C(-1) / (x * x);
  else if constexpr (OP == SILICA_OP_SIN) return std::cos(x);
  else if constexpr (OP == SILICA_OP_COS) return -std::sin(x);
  else if constexpr (OP == SILICA_OP_TANH) {
    C t = std::tanh(x);
    return C(1) - t * t;
  } else if constexpr (OP == SILICA_OP_SIGMOID) {
    C s = C(1) / (C(1) + std::exp(-x));
    return s * (C(1) - s);
  } else if constexpr (OP == SILICA_OP_SILU) {
    C s = C(1) / (C(1) + std::exp(-x));
    return s * (C(1) + x * (C(1) - s));
  } else if constexpr (OP == SILICA_OP_GELU) {
    if (p.gelu_tanh) {
      C inner = C(kSqrt2OverPi) * (x + C(0.044715) * x * x * x);
      C t = std::tanh(inner);
      C dinner = C(kSqrt2OverPi) * (C(1) + C(3 * 0.044715) * x * x);
      return C(0.5) * (C(1) + t) + C(0.5) * x * (C(1) - t * t) * dinner;
    }
    C cdf = C(0.5) * (C(1) + std::erf(x * C(kInvSqrt2)));
    C pdf = C(kInvSqrt2Pi) * std::exp(C(-0.5) * x * x);
    return cdf + x * pdf;
  } else if constexpr (OP == SILICA_OP_SOFTPLUS) {
    C bx = C(p.beta) * x;
    return bx > C(p.threshold) ? C(1) : C(1) / (C(1) + std::exp(-bx));
  }
}

template <int OP>
SilicaStatus unary_kernel(const SilicaTensorDesc* in, int32_t, const SilicaTensorDesc* out, int32_t,
                          const SilicaAttrs* attrs) {
  UnaryParams p = unary_params(OP, attrs, 0);
  visit_dtype(in[0].dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<T, bool>) {
      using C = compute_t<T>;
      map_elements<T, T>(out[0], [&](T x) { return T(unary_value<OP, C>(C(x), p)); }, in[0]);
    }
  });
  return SILICA_OK;
}

template <int OP>
SilicaStatus unary_grad(const SilicaTensorDesc* in, const SilicaTensorDesc* out, const SilicaAttrs* attrs) {
  UnaryParams p = unary_params(OP, attrs, 1);
  if (OP == SILICA_OP_SOFTPLUS && attrs->num_floats < 2) p = UnaryParams{};
  visit_float_dtype(in[0].dtype, [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    if constexpr (OP == SILICA_OP_RELU) {
      // A select, not dy * (x > 0): without -ffast-math the product cannot be if-converted,
      // so the loop stays scalar and branches on random signs (mispredicting half the time).
      // It also gives 0 rather than NaN for an infinite dy where x <= 0, as PyTorch does.
      map_elements<T, T, T>(out[0], [](T x, T dy) { return C(x) > C(0) ? dy : T(C(0)); }, in[0], in[1]);
    } else {
      map_elements<T, T, T>(out[0], [&](T x, T dy) { return T(C(dy) * unary_derivative<OP, C>(C(x), p)); }, in[0],
                            in[1]);
    }
  });
  return SILICA_OK;
}

SilicaStatus unary_grad_kernel(const SilicaTensorDesc* in, int32_t, const SilicaTensorDesc* out, int32_t,
                               const SilicaAttrs* a) {
  switch (a->ints[0]) {
    case SILICA_OP_NEG: return unary_grad<SILICA_OP_NEG>(in, out, a);
    case SILICA_OP_ABS: return unary_grad<SILICA_OP_ABS>(in, out, a);
    case SILICA_OP_SIGN: return unary_grad<SILICA_OP_SIGN>(in, out, a);
    case SILICA_OP_EXP: return unary_grad<SILICA_OP_EXP>(in, out, a);
    case SILICA_OP_LOG: return unary_grad<SILICA_OP_LOG>(in, out, a);
    case SILICA_OP_LOG1P: return unary_grad<SILICA_OP_LOG1P>(in, out, a);
    case SILICA_OP_SQRT: return unary_grad<SILICA_OP_SQRT>(in, out, a);
    case SILICA_OP_RSQRT: return unary_grad<SILICA_OP_RSQRT>(in, out, a);
    case SILICA_OP_RECIPROCAL: return unary_grad<SILICA_OP_RECIPROCAL>(in, out, a);
    case SILICA_OP_SIN: return unary_grad<SILICA_OP_SIN>(in, out, a);
    case SILICA_OP_COS: return unary_grad<SILICA_OP_COS>(in, out, a);
    case SILICA_OP_TANH: return unary_grad<SILICA_OP_TANH>(in, out, a);
    case SILICA_OP_SIGMOID: return unary_grad<SILICA_OP_SIGMOID>(in, out, a);
    case SILICA_OP_RELU: return unary_grad<SILICA_OP_RELU>(in, out, a);
    case SILICA_OP_GELU: return unary_grad<SILICA_OP_GELU>(in, out, a);
    case SILICA_OP_SILU: return unary_grad<SILICA_OP_SILU>(in, out, a);
    case SILICA_OP_SOFTPLUS: return unary_grad<SILICA_OP_SOFTPLUS>(in, out, a);
    default: return set_error(SILICA_ERROR_UNSUPPORTED, "unary_grad: unknown op " + std::to_string(a->ints[0]));
  }
}

template <int OP, typename C>
auto binary_value(C a, C b) {
  if constexpr (OP == SILICA_OP_ADD) return C(a + b);
  else if constexpr (OP == SILICA_OP_SUB) return C(a - b);
  else if constexpr (OP == SILICA_OP_MUL) return C(a * b);
  else if constexpr (OP == SILICA_OP_DIV) {
    if constexpr (std::is_integral_v<C>) return b == C(0) ? C(0) : C(a / b);
    else return C(a / b);
  } else if constexpr (OP == SILICA_OP_POW) return C(std::pow(a, b));
  else if constexpr (OP == SILICA_OP_MAXIMUM) return (a != a || a > b) ? a : b;  // NaN propagates
  else if constexpr (OP == SILICA_OP_MINIMUM) return (a != a || a < b) ? a : b;
  else if constexpr (OP == SILICA_OP_EQ) return a == b;
  else if constexpr (OP == SILICA_OP_NE) return a != b;
  else if constexpr (OP == SILICA_OP_LT) return a < b;
  else if constexpr (OP == SILICA_OP_LE) return a <= b;
  else if constexpr (OP == SILICA_OP_GT) return a > b;
  else if constexpr (OP == SILICA_OP_GE) return a >= b;
}

constexpr bool is_comparison(int op) { return op >= SILICA_OP_EQ && op <= SILICA_OP_GE; }

template <int OP>
SilicaStatus binary_kernel(const SilicaTensorDesc* in, int32_t, const SilicaTensorDesc* out, int32_t,
                           const SilicaAttrs*) {
  visit_dtype(in[0].dtype, [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    if constexpr (is_comparison(OP)) {
      map_elements<bool, T, T>(out[0], [](T a, T b) { return binary_value<OP, C>(C(a), C(b)); }, in[0], in[1]);
    } else if constexpr (!std::is_same_v<T, bool>) {
      map_elements<T, T, T>(out[0], [](T a, T b) { return T(binary_value<OP, C>(C(a), C(b))); }, in[0], in[1]);
    }
  });
  return SILICA_OK;
}

SilicaStatus where_kernel(const SilicaTensorDesc* in, int32_t, const SilicaTensorDesc* out, int32_t,
                          const SilicaAttrs*) {
  // Dispatch on the element size: where only moves values.
  visit_dtype(in[1].dtype, [&](auto tag) {
    using T = decltype(tag);
    map_elements<T, bool, T, T>(out[0], [](bool c, T a, T b) { return c ? a : b; }, in[0], in[1], in[2]);
  });
  return SILICA_OK;
}

SilicaStatus clamp_kernel(const SilicaTensorDesc* in, int32_t, const SilicaTensorDesc* out, int32_t,
                          const SilicaAttrs* a) {
  const bool has_min = a->ints[0] != 0, has_max = a->ints[1] != 0;
  visit_dtype(in[0].dtype, [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    if constexpr (!std::is_same_v<T, bool>) {
      const C lo = static_cast<C>(a->floats[0]), hi = static_cast<C>(a->floats[1]);
      map_elements<T, T>(
          out[0],
          [&](T v) {
            C x = C(v);
            if (x != x) return v;  // NaN stays NaN
            if (has_min && x < lo) x = lo;
            if (has_max && x > hi) x = hi;
            return T(x);
          },
          in[0]);
    }
  });
  return SILICA_OK;
}

template <typename To, typename From>
To convert(From v) {
  if constexpr (std::is_same_v<To, bool>) return compute_t<From>(v) != compute_t<From>(0);
  else if constexpr (std::is_same_v<From, bool>) return To(v ? 1.0f : 0.0f);
  else if constexpr (std::is_integral_v<To> && is_float_v<From>) {
    double d = static_cast<double>(compute_t<From>(v));
    return d != d ? To(0) : static_cast<To>(static_cast<int64_t>(d));  // truncate toward zero
  } else if constexpr (std::is_same_v<To, Half> || std::is_same_v<To, BFloat16>) {
    return To(static_cast<float>(compute_t<From>(v)));
  } else {
    return static_cast<To>(compute_t<From>(v));
  }
}

SilicaStatus cast_kernel(const SilicaTensorDesc* in, int32_t, const SilicaTensorDesc* out, int32_t,
                         const SilicaAttrs*) {
  visit_dtype(in[0].dtype, [&](auto from_tag) {
    using From = decltype(from_tag);
    visit_dtype(out[0].dtype, [&](auto to_tag) {
      using To = decltype(to_tag);
      map_elements<To, From>(out[0], [](From v) { return convert<To, From>(v); }, in[0]);
    });
  });
  return SILICA_OK;
}

template <size_t Bytes>
struct Raw {
  unsigned char b[Bytes];
};

SilicaStatus copy_kernel(const SilicaTensorDesc* in, int32_t, const SilicaTensorDesc* out, int32_t,
                         const SilicaAttrs*) {
  switch (in[0].dtype) {
    case SILICA_F64:
    case SILICA_I64: map_elements<int64_t, int64_t>(out[0], [](int64_t v) { return v; }, in[0]); break;
    case SILICA_F32:
    case SILICA_I32: map_elements<int32_t, int32_t>(out[0], [](int32_t v) { return v; }, in[0]); break;
    case SILICA_F16:
    case SILICA_BF16: map_elements<uint16_t, uint16_t>(out[0], [](uint16_t v) { return v; }, in[0]); break;
    default: map_elements<uint8_t, uint8_t>(out[0], [](uint8_t v) { return v; }, in[0]); break;
  }
  return SILICA_OK;
}

SilicaStatus fill_kernel(const SilicaTensorDesc*, int32_t, const SilicaTensorDesc* out, int32_t,
                         const SilicaAttrs* a) {
  const double value = a->floats[0];
  visit_dtype(out[0].dtype, [&](auto tag) {
    using T = decltype(tag);
    T v = convert<T, double>(value);
    T* p = data<T>(out[0]);
    parallel_for(numel(out[0]), kElementwiseGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) p[i] = v;
    });
  });
  return SILICA_OK;
}

}  // namespace

void register_elementwise_kernels() {
  register_kernel(SILICA_OP_NEG, unary_kernel<SILICA_OP_NEG>, kNumericDTypes);
  register_kernel(SILICA_OP_ABS, unary_kernel<SILICA_OP_ABS>, kNumericDTypes);
  register_kernel(SILICA_OP_SIGN, unary_kernel<SILICA_OP_SIGN>, kNumericDTypes);
  register_kernel(SILICA_OP_RELU, unary_kernel<SILICA_OP_RELU>, kNumericDTypes);
  register_kernel(SILICA_OP_EXP, unary_kernel<SILICA_OP_EXP>, kFloatDTypes);
  register_kernel(SILICA_OP_LOG, unary_kernel<SILICA_OP_LOG>, kFloatDTypes);
  register_kernel(SILICA_OP_LOG1P, unary_kernel<SILICA_OP_LOG1P>, kFloatDTypes);
  register_kernel(SILICA_OP_SQRT, unary_kernel<SILICA_OP_SQRT>, kFloatDTypes);
  register_kernel(SILICA_OP_RSQRT, unary_kernel<SILICA_OP_RSQRT>, kFloatDTypes);
  register_kernel(SILICA_OP_RECIPROCAL, unary_kernel<SILICA_OP_RECIPROCAL>, kFloatDTypes);
  register_kernel(SILICA_OP_SIN, unary_kernel<SILICA_OP_SIN>, kFloatDTypes);
  register_kernel(SILICA_OP_COS, unary_kernel<SILICA_OP_COS>, kFloatDTypes);
  register_kernel(SILICA_OP_TANH, unary_kernel<SILICA_OP_TANH>, kFloatDTypes);
  register_kernel(SILICA_OP_SIGMOID, unary_kernel<SILICA_OP_SIGMOID>, kFloatDTypes);
  register_kernel(SILICA_OP_GELU, unary_kernel<SILICA_OP_GELU>, kFloatDTypes);
  register_kernel(SILICA_OP_SILU, unary_kernel<SILICA_OP_SILU>, kFloatDTypes);
  register_kernel(SILICA_OP_SOFTPLUS, unary_kernel<SILICA_OP_SOFTPLUS>, kFloatDTypes);
  register_kernel(SILICA_OP_UNARY_GRAD, unary_grad_kernel, kFloatDTypes);

  register_kernel(SILICA_OP_ADD, binary_kernel<SILICA_OP_ADD>, kNumericDTypes);
  register_kernel(SILICA_OP_SUB, binary_kernel<SILICA_OP_SUB>, kNumericDTypes);
  register_kernel(SILICA_OP_MUL, binary_kernel<SILICA_OP_MUL>, kNumericDTypes);
  register_kernel(SILICA_OP_DIV, binary_kernel<SILICA_OP_DIV>, kNumericDTypes);
  register_kernel(SILICA_OP_POW, binary_kernel<SILICA_OP_POW>, kNumericDTypes);
  register_kernel(SILICA_OP_MAXIMUM, binary_kernel<SILICA_OP_MAXIMUM>, kNumericDTypes);
  register_kernel(SILICA_OP_MINIMUM, binary_kernel<SILICA_OP_MINIMUM>, kNumericDTypes);
  register_kernel(SILICA_OP_EQ, binary_kernel<SILICA_OP_EQ>, kAllDTypes);
  register_kernel(SILICA_OP_NE, binary_kernel<SILICA_OP_NE>, kAllDTypes);
  register_kernel(SILICA_OP_LT, binary_kernel<SILICA_OP_LT>, kAllDTypes);
  register_kernel(SILICA_OP_LE, binary_kernel<SILICA_OP_LE>, kAllDTypes);
  register_kernel(SILICA_OP_GT, binary_kernel<SILICA_OP_GT>, kAllDTypes);
  register_kernel(SILICA_OP_GE, binary_kernel<SILICA_OP_GE>, kAllDTypes);

  register_kernel(SILICA_OP_WHERE, where_kernel, kAllDTypes);
  register_kernel(SILICA_OP_CLAMP, clamp_kernel, kNumericDTypes);
  register_kernel(SILICA_OP_CAST, cast_kernel, kAllDTypes);
  register_kernel(SILICA_OP_COPY, copy_kernel, kAllDTypes);
  register_kernel(SILICA_OP_FILL, fill_kernel, kAllDTypes);
}

}  // namespace silica::cpu
