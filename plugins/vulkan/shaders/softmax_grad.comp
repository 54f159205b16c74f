// SOFTMAX_GRAD along one axis (layout as softmax.comp): for softmax y,
// dx = y * (dy - sum(dy * y)); for log_softmax y (IS_LOG), dx = dy - exp(y) * sum(dy).
// Parameters: P(0) rows, P(1) n, P(2) inner, P(3) y base, P(4) dx base, P(5) dy base.
// dx binding 1, y 2, dy 3.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(constant_id = 0) const bool IS_LOG = false;
#include "params.glsl"
#include "math.glsl"
#include "row_reduce.glsl"
#define T_NAME dx
#define T_BINDING 1
#define T_SPEC 1
#include "tensor.glsl"
#define T_NAME y
#define T_BINDING 2
#define T_SPEC 2
#define T_READONLY
#include "tensor.glsl"
#define T_NAME dy
#define T_BINDING 3
#define T_SPEC 4
#define T_READONLY
#include "tensor.glsl"

void main() {
  const int rows = P(0), n = P(1), inner = P(2), ybase = P(3), dxbase = P(4), dybase = P(5);
  for (int r = first_row(); r < rows; r += row_step()) {
    const int o = r / inner, j = r - o * inner;
    const int start = o * n * inner + j;
    float s = 0.0;
    for (int k = first_col(); k < n; k += col_step()) {
      const int e = start + k * inner;
      const float g = dy_loadf(dybase + e);
      s += IS_LOG ? g : g * y_loadf(ybase + e);
    }
    s = row_sum(s);
    for (int k = first_col(); k < n; k += col_step()) {
      const int e = start + k * inner;
      const float yv = y_loadf(ybase + e), g = dy_loadf(dybase + e);
      dx_storef(dxbase + e, IS_LOG ? g - exp(yv) * s : yv * (g - s));
    }
  }
}
