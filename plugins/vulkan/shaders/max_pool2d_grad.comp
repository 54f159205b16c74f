// MAX_POOL2D_GRAD: dx[plane][indices[o]] += dy[o]. Windows may overlap and the attributes
// that would say how are not passed, so each invocation owns one whole plane: it zeroes
// its dx plane and adds its outputs' gradients in order (no two invocations write one
// element; no atomics needed).
// Parameters: P(0) planes, P(1) H*W, P(2) OH*OW, P(3) dx base, P(4) dy base, P(5) indices base.
// Bindings: dx 1, dy 2, indices 3.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 64) in;
#include "params.glsl"
#define T_NAME dx
#define T_BINDING 1
#define T_SPEC 1
#include "tensor.glsl"
#define T_NAME dy
#define T_BINDING 2
#define T_SPEC 2
#define T_READONLY
#include "tensor.glsl"
#define T_NAME idx
#define T_BINDING 3
#define T_SPEC 3
#define T_READONLY
#include "tensor.glsl"

void main() {
  const int planes = P(0), hw = P(1), ohw = P(2);
  for (int plane = int(gl_GlobalInvocationID.x); plane < planes; plane += grid_threads()) {
    const int d = P(3) + plane * hw, g = P(4) + plane * ohw, s = P(5) + plane * ohw;
    for (int e = 0; e < hw; ++e) dx_storef(d + e, 0.0);
    for (int o = 0; o < ohw; ++o) {
      const int target = idx_index(s + o);
      if (target >= 0 && target < hw) dx_storef(d + target, dx_loadf(d + target) + dy_loadf(g + o));
    }
  }
}
