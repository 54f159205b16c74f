// The unary ops (SilicaOp codes 1..17) and their derivatives, in float, matching the CPU
// backend's formulas (backends/cpu/kernels_elementwise.cpp). Needs math.glsl.
#ifndef SILICA_UNARY_OPS_GLSL
#define SILICA_UNARY_OPS_GLSL

#define OP_NEG 1
#define OP_ABS 2
#define OP_SIGN 3
#define OP_EXP 4
#define OP_LOG 5
#define OP_LOG1P 6
#define OP_SQRT 7
#define OP_RSQRT 8
#define OP_RECIPROCAL 9
#define OP_SIN 10
#define OP_COS 11
#define OP_TANH 12
#define OP_SIGMOID 13
#define OP_RELU 14
#define OP_GELU 15
#define OP_SILU 16
#define OP_SOFTPLUS 17

const float kSqrt2OverPi = 0.7978845608028654;
const float kInvSqrt2 = 0.7071067811865476;
const float kInvSqrt2Pi = 0.3989422804014327;

// (0 < x) - (x < 0): NaN gives 0 as on the CPU.
float sign_of(float x) { return float(int(0.0 < x) - int(x < 0.0)); }

float unary_value(int op, float x, bool gelu_tanh, float beta, float threshold) {
  switch (op) {
    case OP_NEG: return -x;
    case OP_ABS: return x < 0.0 ? -x : x;
    case OP_SIGN: return sign_of(x);
    case OP_EXP: return exp(x);
    case OP_LOG: return log_precise(x);
    case OP_LOG1P: return log1p_precise(x);
    case OP_SQRT: return sqrt(x);
    case OP_RSQRT: return 1.0 / sqrt(x);
    case OP_RECIPROCAL: return 1.0 / x;
    case OP_SIN: return sin(x);
    case OP_COS: return cos(x);
    case OP_TANH: return tanh_precise(x);
    case OP_SIGMOID: return sigmoid_precise(x);
    case OP_RELU: return x > 0.0 ? x : 0.0;
    case OP_GELU:
      if (gelu_tanh) return 0.5 * x * (1.0 + tanh_precise(kSqrt2OverPi * (x + 0.044715 * x * x * x)));
      return 0.5 * x * erfc_precise(-x * kInvSqrt2);  // = x/2 (1 + erf(x/sqrt 2)), exact for x << 0
    case OP_SILU: return x / (1.0 + exp(-x));
    case OP_SOFTPLUS: {
      float bx = beta * x;
      return bx > threshold ? x : log1p_precise(exp(bx)) / beta;
    }
  }
  return x;
}

float unary_derivative(int op, float x, bool gelu_tanh, float beta, float threshold) {
  switch (op) {
    case OP_NEG: return -1.0;
    case OP_ABS: return sign_of(x);
    case OP_SIGN: return 0.0;
    case OP_EXP: return exp(x);
    case OP_LOG: return 1.0 / x;
    case OP_LOG1P: return 1.0 / (1.0 + x);
    case OP_SQRT: return 0.5 / sqrt(x);
    case OP_RSQRT: return -0.5 / (x * sqrt(x));
    case OP_RECIPROCAL: return -1.0 / (x * x);
    case OP_SIN: return cos(x);
    case OP_COS: return -sin(x);
    case OP_TANH: {
      float t = tanh_precise(x);
      return 1.0 - t * t;
    }
    case OP_SIGMOID: {
      float s = sigmoid_precise(x);
      return s * (1.0 - s);
    }
    case OP_RELU: return x > 0.0 ? 1.0 : 0.0;
    case OP_GELU: {
      if (gelu_tanh) {
        float inner = kSqrt2OverPi * (x + 0.044715 * x * x * x);
        float t = tanh_precise(inner);
        float dinner = kSqrt2OverPi * (1.0 + 3.0 * 0.044715 * x * x);
        return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * dinner;
      }
      float cdf = 0.5 * erfc_precise(-x * kInvSqrt2);
      float pdf = kInvSqrt2Pi * exp(-0.5 * x * x);
      return cdf + x * pdf;
    }
    case OP_SILU: {
      float s = sigmoid_precise(x);
      return s * (1.0 + x * (1.0 - s));
    }
    case OP_SOFTPLUS: {
      float bx = beta * x;
      return bx > threshold ? 1.0 : 1.0 / (1.0 + exp(-bx));
    }
  }
  return 0.0;
}

// NEG, ABS, SIGN, RELU on 32-bit integers (narrower dtypes wrap when stored).
int unary_int(int op, int x) {
  switch (op) {
    case OP_NEG: return -x;
    case OP_ABS: return x < 0 ? -x : x;
    case OP_SIGN: return int(0 < x) - int(x < 0);
    case OP_RELU: return x > 0 ? x : 0;
  }
  return x;
}

#ifdef SILICA_INT64
int64_t unary_int64(int op, int64_t x) {
  switch (op) {
    case OP_NEG: return -x;
    case OP_ABS: return x < 0 ? -x : x;
    case OP_SIGN: return int64_t(int(0 < x) - int(x < 0));
    case OP_RELU: return x > 0 ? x : int64_t(0);
  }
  return x;
}
#endif

#endif
