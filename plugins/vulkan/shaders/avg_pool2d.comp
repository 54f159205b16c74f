// AVG_POOL2D (ADAPTIVE false) and ADAPTIVE_AVG_POOL2D (true): one invocation per output,
// summing its window in float. Bindings: y 1, x 2. Bases: P(13) y, P(14) x.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 256) in;
layout(constant_id = 0) const bool ADAPTIVE = false;
#include "params.glsl"
#include "math.glsl"
#include "pool_window.glsl"
#define T_NAME y
#define T_BINDING 1
#define T_SPEC 1
#include "tensor.glsl"
#define T_NAME x
#define T_BINDING 2
#define T_SPEC 2
#define T_READONLY
#include "tensor.glsl"

void main() {
  const int total = P(0), H = P(1), W = P(2), OH = P(3), OW = P(4);
  for (int i = int(gl_GlobalInvocationID.x); i < total; i += grid_threads()) {
    const int plane = i / (OH * OW), p = i - plane * (OH * OW), oh = p / OW, ow = p - oh * OW;
    const int xplane = P(14) + plane * H * W;
    int h0, h1, w0, w1, divisor;
    if (ADAPTIVE) {
      h0 = adaptive_start(oh, H, OH), h1 = adaptive_end(oh, H, OH);
      w0 = adaptive_start(ow, W, OW), w1 = adaptive_end(ow, W, OW);
      divisor = (h1 - h0) * (w1 - w0);
    } else {
      AvgWindow a = avg_window(oh, ow);
      h0 = a.h0, h1 = a.h1, w0 = a.w0, w1 = a.w1, divisor = a.divisor;
    }
    float s = 0.0;
    for (int ih = h0; ih < h1; ++ih)
      for (int iw = w0; iw < w1; ++iw) s += x_loadf(xplane + ih * W + iw);
    y_storef(P(13) + i, divisor > 0 ? s / float(divisor) : (ADAPTIVE ? SILICA_NAN : 0.0));
  }
}
