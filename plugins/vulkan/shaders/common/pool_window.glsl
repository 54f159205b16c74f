// Pooling windows over (N*C) planes of H x W inputs and OH x OW outputs. Parameters:
// P(0) invocations' work count, P(1) H, P(2) W, P(3) OH, P(4) OW, P(5) kernel h, P(6) kernel w,
// P(7) stride h, P(8) stride w, P(9) padding h, P(10) padding w, P(11) count_include_pad (avg)
// or dilation h (max), P(12) dilation w (max), P(13) output base, P(14) input base,
// P(15) second input / output base.
#ifndef SILICA_POOL_WINDOW_GLSL
#define SILICA_POOL_WINDOW_GLSL

// An average window clipped to the plane, and its divisor (PyTorch's rule: with
// count_include_pad the window counts padding up to H + pad, else only the taps inside).
struct AvgWindow {
  int h0, h1, w0, w1, divisor;
};

AvgWindow avg_window(int oh, int ow) {
  const int H = P(1), W = P(2);
  int h0 = oh * P(7) - P(9), w0 = ow * P(8) - P(10);
  int h1 = min(h0 + P(5), H + P(9)), w1 = min(w0 + P(6), W + P(10));
  const int padded = (h1 - h0) * (w1 - w0);
  h0 = max(h0, 0);
  w0 = max(w0, 0);
  h1 = min(h1, H);
  w1 = min(w1, W);
  const int inside = max(h1 - h0, 0) * max(w1 - w0, 0);
  return AvgWindow(h0, h1, w0, w1, P(11) != 0 ? padded : inside);
}

// PyTorch's adaptive windows: output i of `o` outputs averages inputs
// [floor(i * n / o), ceil((i + 1) * n / o)).
int adaptive_start(int i, int n, int o) { return (i * n) / o; }
int adaptive_end(int i, int n, int o) { return ((i + 1) * n + o - 1) / o; }

#endif
