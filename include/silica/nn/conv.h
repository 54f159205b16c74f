// Conv2d: 2-D convolution layer.
#pragma once

#include "silica/nn/module.h"
#include "silica/nn/size.h"
#include "silica/random.h"

namespace silica::nn {

/// Settings of a Conv2d beyond its channel counts and kernel size (PyTorch's meaning).
/// `Conv2d(3, 16, 3, {.padding = 1})`.
struct Conv2dArgs {
  Size2 stride = 1;
  Size2 padding = 0;
  Size2 dilation = 1;
  int64_t groups = 1;
  bool bias = true;
};

/// x (N, in_channels, H, W) -> (N, out_channels, H', W').
/// weight (out_channels, in_channels / groups, kh, kw) and bias (out_channels) start at
/// U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = in_channels / groups * kh * kw (PyTorch's default).
class Conv2d : public Module {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, Size2 kernel_size, const Conv2dArgs& args = {},
         const TensorOptions& options = {}, Generator* gen = nullptr);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  /// Draws the weights again.
  void reset_parameters(Generator* gen = nullptr);

  int64_t in_channels, out_channels;
  Size2 kernel_size;
  Conv2dArgs args;
  Tensor weight;  // (out_channels, in_channels / groups, kh, kw)
  Tensor bias;    // (out_channels), undefined without bias
};

}  // namespace silica::nn
