// FILL: every element of the contiguous y takes one bit pattern (the host converts the
// value to y's dtype). P(0) count, P(1) base of y, P(2), P(3) the pattern's low, high word.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 256) in;
#include "params.glsl"
#define T_NAME y
#define T_BINDING 1
#define T_SPEC 1
#include "tensor.glsl"

void main() {
  const int n = P(0), base = P(1);
  const uvec2 pattern = uvec2(uint(P(2)), uint(P(3)));
  const bool wide = dtype_size(y_dt) == 8;
  for (int i = int(gl_GlobalInvocationID.x); i < n; i += grid_threads()) {
    if (wide) y_setbits2(base + i, pattern);
    else y_setbits(base + i, pattern.x);
  }
}
