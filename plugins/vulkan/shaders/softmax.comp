// SOFTMAX / LOG_SOFTMAX along one axis (OP a SilicaOp code) of a contiguous tensor viewed
// as (outer, n, inner): row r = (o, j) holds elements (o * n + k) * inner + j. Each row:
// m = max (NaN-keeping), s = sum exp(x - m), then y = exp(x - m) / s or x - (m + log s).
// Parameters: P(0) rows, P(1) n, P(2) inner, P(3) x base, P(4) y base. y binding 1, x 2.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(constant_id = 0) const int OP = 160;
#include "params.glsl"
#include "math.glsl"
#include "row_reduce.glsl"
#define T_NAME y
#define T_BINDING 1
#define T_SPEC 1
#include "tensor.glsl"
#define T_NAME x
#define T_BINDING 2
#define T_SPEC 2
#define T_READONLY
#include "tensor.glsl"

#define OP_LOG_SOFTMAX 161

void main() {
  const int rows = P(0), n = P(1), inner = P(2), xbase = P(3), ybase = P(4);
  for (int r = first_row(); r < rows; r += row_step()) {
    const int o = r / inner, j = r - o * inner;
    const int start = o * n * inner + j;
    float m = -SILICA_INF;
    for (int k = first_col(); k < n; k += col_step()) m = max_keep_nan(m, x_loadf(xbase + start + k * inner));
    m = row_max(m);
    float s = 0.0;
    for (int k = first_col(); k < n; k += col_step()) s += exp(x_loadf(xbase + start + k * inner) - m);
    s = row_sum(s);
    if (OP == OP_LOG_SOFTMAX) {
      const float shift = m + log_precise(s);
      for (int k = first_col(); k < n; k += col_step())
        y_storef(ybase + start + k * inner, x_loadf(xbase + start + k * inner) - shift);
    } else {
      const float inv = 1.0 / s;
      for (int k = first_col(); k < n; k += col_step())
        y_storef(ybase + start + k * inner, exp(x_loadf(xbase + start + k * inner) - m) * inv);
    }
  }
}
