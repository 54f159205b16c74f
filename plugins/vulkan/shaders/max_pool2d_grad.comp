// MAX_POOL2D_GRAD: dx[plane][indices[o]] += dy[o], with no atomics.
// GATHER (the core passed the pooling attributes): one invocation per dx element visits
// the few windows that can contain it and adds the gradients of those whose argmax it is.
// Otherwise each invocation owns one whole plane: it zeroes its dx plane and adds its
// outputs' gradients in order (windows may overlap in ways the kernel cannot know).
// Parameters: P(0) planes, P(1) H*W, P(2) OH*OW, P(3) dx base, P(4) dy base, P(5) indices base;
// GATHER: P(6) H, P(7) W, P(8) OH, P(9) OW, P(10..17) kernel h,w, stride h,w, padding h,w,
// dilation h,w. Bindings: dx 1, dy 2, indices 3.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 64) in;
layout(constant_id = 0) const bool GATHER = false;
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

void gather() {
  const int hw = P(1), ohw = P(2), total = P(0) * hw;
  const int W = P(7), OH = P(8), OW = P(9), KH = P(10), KW = P(11), SH = P(12), SW = P(13);
  const int PH = P(14), PW = P(15), DH = P(16), DW = P(17);
  for (int e = int(gl_GlobalInvocationID.x); e < total; e += grid_threads()) {
    const int plane = e / hw, at = e - plane * hw, h = at / W, w = at - h * W;
    const int g = P(4) + plane * ohw, s = P(5) + plane * ohw;
    float sum = 0.0;
    for (int kh = 0; kh < KH; ++kh) {
      const int th = h + PH - kh * DH;  // oh * SH for a window whose row kh is h
      if (th < 0 || th % SH != 0 || th / SH >= OH) continue;
      for (int kw = 0; kw < KW; ++kw) {
        const int tw = w + PW - kw * DW;
        if (tw < 0 || tw % SW != 0 || tw / SW >= OW) continue;
        const int o = (th / SH) * OW + tw / SW;
        if (idx_index(s + o) == at) sum += dy_loadf(g + o);
      }
    }
    dx_storef(P(3) + e, sum);
  }
}

void main() {
  if (GATHER) {
    gather();
    return;
  }
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
