// AVG_POOL2D_GRAD (ADAPTIVE false) and ADAPTIVE_AVG_POOL2D_GRAD (true): one invocation per
// input element gathers dy / divisor from every window that covers it, in the order the
// CPU adds them (race-free, no atomics). Bindings: dx 1, dy 2. Bases: P(13) dx, P(14) dy.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 256) in;
layout(constant_id = 0) const bool ADAPTIVE = false;
#include "params.glsl"
#include "pool_window.glsl"
#define T_NAME dx
#define T_BINDING 1
#define T_SPEC 1
#include "tensor.glsl"
#define T_NAME dy
#define T_BINDING 2
#define T_SPEC 2
#define T_READONLY
#include "tensor.glsl"

void main() {
  const int total = P(0), H = P(1), W = P(2), OH = P(3), OW = P(4);
  for (int i = int(gl_GlobalInvocationID.x); i < total; i += grid_threads()) {
    const int plane = i / (H * W), q = i - plane * (H * W), ih = q / W, iw = q - ih * W;
    const int gplane = P(14) + plane * OH * OW;
    // Outputs whose window may cover (ih, iw), each checked below.
    int oh0, oh1, ow0, ow1;
    if (ADAPTIVE) {
      oh0 = max(0, (ih * OH) / H - 1), oh1 = min(OH - 1, ((ih + 1) * OH + H - 1) / H);
      ow0 = max(0, (iw * OW) / W - 1), ow1 = min(OW - 1, ((iw + 1) * OW + W - 1) / W);
    } else {
      // Window oh starts at oh * sh - ph and spans kh rows.
      oh0 = max(0, (ih + P(9) - P(5) + P(7)) / P(7)), oh1 = min(OH - 1, (ih + P(9)) / P(7));
      ow0 = max(0, (iw + P(10) - P(6) + P(8)) / P(8)), ow1 = min(OW - 1, (iw + P(10)) / P(8));
      if (ih + P(9) - P(5) + P(7) < 0) oh0 = 0;
      if (iw + P(10) - P(6) + P(8) < 0) ow0 = 0;
    }
    float acc = 0.0;
    for (int oh = oh0; oh <= oh1; ++oh) {
      for (int ow = ow0; ow <= ow1; ++ow) {
        int h0, h1, w0, w1, divisor;
        if (ADAPTIVE) {
          h0 = adaptive_start(oh, H, OH), h1 = adaptive_end(oh, H, OH);
          w0 = adaptive_start(ow, W, OW), w1 = adaptive_end(ow, W, OW);
          divisor = (h1 - h0) * (w1 - w0);
        } else {
          AvgWindow a = avg_window(oh, ow);
          h0 = a.h0, h1 = a.h1, w0 = a.w0, w1 = a.w1, divisor = a.divisor;
        }
        if (divisor <= 0 || ih < h0 || ih >= h1 || iw < w0 || iw >= w1) continue;
        acc += dy_loadf(gplane + oh * OW + ow) / float(divisor);
      }
    }
    dx_storef(P(13) + i, acc);
  }
}
