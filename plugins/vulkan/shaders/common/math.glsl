// Float functions GLSL lacks (erf, log1p) or whose builtin accuracy Vulkan leaves loose
// (log is only bounded in absolute error near 1, tanh may overflow through exp). Each is
// accurate to a few ulp in float, which keeps every device within the conformance
// tolerance of the CPU's reference.
#ifndef SILICA_MATH_GLSL
#define SILICA_MATH_GLSL

#define SILICA_INF uintBitsToFloat(0x7f800000u)
#define SILICA_NAN uintBitsToFloat(0x7fc00000u)

// Natural log with relative accuracy near 1 too: x = m * 2^k with m in [sqrt(1/2), sqrt(2)),
// log(m) = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.172, by its odd series.
float log_precise(float x) {
  if (!(x > 0.0)) return x == 0.0 ? -SILICA_INF : SILICA_NAN;
  if (isinf(x)) return x;
  int k;
  float m = frexp(x, k);  // m in [0.5, 1)
  if (m < 0.70710678) {
    m *= 2.0;
    k -= 1;
  }
  float s = (m - 1.0) / (m + 1.0);
  float s2 = s * s;
  float series = s2 * (0.66666667 + s2 * (0.4 + s2 * (0.28571429 + s2 * (0.22222222 + s2 * 0.18181818))));
  float log_m = 2.0 * s + s * series;
  return float(k) * 0.69314718 + log_m;
}

// log(1 + x) without losing the digits of a small x.
float log1p_precise(float x) {
  float u = 1.0 + x;
  if (u == 1.0) return x;
  if (isinf(u)) return u;
  return log_precise(u) * (x / (u - 1.0));
}

// erfc(x) with relative accuracy ~1e-7 everywhere (a Chebyshev fit in t = 1/(1 + |x|/2)).
float erfc_precise(float x) {
  float z = abs(x);
  float t = 1.0 / (1.0 + 0.5 * z);
  float poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
               t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  float r = t * exp(-z * z + poly);
  return x >= 0.0 ? r : 2.0 - r;
}

float erf_precise(float x) {
  // Near zero 1 - erfc cancels; the Taylor series is exact there.
  if (abs(x) < 0.5) {
    float x2 = x * x;
    return x * (1.1283792 + x2 * (-0.37612638 + x2 * (0.11283792 + x2 * (-0.026866171 + x2 * 0.0052239776))));
  }
  return 1.0 - erfc_precise(x);
}

// tanh without exp overflow, and without cancellation near 0 (odd Taylor series).
float tanh_precise(float x) {
  float a = abs(x);
  float r;
  if (a < 0.625) {
    float x2 = a * a;
    r = a * (1.0 + x2 * (-0.33333333 + x2 * (0.13333333 + x2 * (-0.053968254 + x2 * (0.021869488 +
        x2 * (-0.0088632355 + x2 * 0.0035921280))))));
  } else {
    float e = exp(-2.0 * a);
    r = (1.0 - e) / (1.0 + e);
  }
  return x < 0.0 ? -r : r;
}

// a / b correctly rounded on drivers whose division is approximate (Vulkan allows 2.5 ulp):
// one correction step with the exact residual a - q b from fma.
// `precise` keeps the compiler from folding a - (a / b) * b to 0.
float div_precise(float a, float b) {
  precise float q = a / b;
  if (isinf(q) || isnan(q) || q == 0.0) return q;
  precise float r = fma(-q, b, a);
  precise float c = q + r / b;
  return c;
}

float sigmoid_precise(float x) { return 1.0 / (1.0 + exp(-x)); }

#endif
