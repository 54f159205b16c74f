// 3x3, stride-1 convolutions by Winograd's minimal filtering F(2x2, 3x3), f32.
#pragma once

#include <cstdint>

namespace silica::cpu {

/// One 3x3 stride-1 correlation: y (N, O, OH, OW) = conv(x (N, C, H, W), filters) + bias,
/// with the input zero-padded by ph, pw (0..2) and OH = H + 2 ph - 2, OW = W + 2 pw - 2.
/// The filter of output channel o and input channel c is w[o][c] (w is (O, C, 3, 3)), or
/// with `flip` the transposed, rotated w[c][o][2 - kh][2 - kw] (w is (C, O, 3, 3)): the
/// gradient of a convolution with respect to its input is such a convolution of dy.
struct WinogradConv {
  int64_t N, C, H, W, O, OH, OW, ph, pw;
  const float* x;
  const float* w;
  bool flip = false;
  const float* bias = nullptr;  // (O) or none
  float* y;
};

/// Whether winograd_conv3x3 is the faster way for this shape: enough channels on both
/// sides for its 16 small GEMMs (a conv from one image channel is cheaper by im2col).
bool winograd_worthwhile(int64_t C, int64_t O, int64_t OH, int64_t OW);

/// Gradient of the 3x3 stride-1 convolution of x (N, C, H, W) with respect to its filters:
/// dw (O, C, 3, 3) from dy (N, O, OH, OW), by F(3x3, 2x2) (the same input tiles, dy tiles
/// as the filters): dw = G^T [ sum over tiles (A dy A^T) .* (B^T x B) ] G.
struct WinogradGradWeight {
  int64_t N, C, H, W, O, OH, OW, ph, pw;
  const float* x;
  const float* dy;
  float* dw;
};
void winograd_conv3x3_grad_weight(const WinogradGradWeight& p);

/// Runs the convolution over the thread pool. 2.25x fewer multiplications than im2col + GEMM;
/// the transforms add a few roundings (errors stay within a few float ulps of the sums).
void winograd_conv3x3(const WinogradConv& p);

}  // namespace silica::cpu
