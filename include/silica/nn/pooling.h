// Pooling layers: MaxPool2d, AvgPool2d, AdaptiveAvgPool2d (parameter-free).
#pragma once

#include "silica/nn/module.h"
#include "silica/nn/size.h"

namespace silica::nn {

/// Largest value of each window: (N, C, H, W) -> (N, C, H', W'). stride 0 means "= kernel".
class MaxPool2d : public Module {
 public:
  /// ceil_mode: a last, partial window where the windows do not divide the input (PyTorch).
  explicit MaxPool2d(Size2 kernel_size, Size2 stride = 0, Size2 padding = 0, Size2 dilation = 1,
                     bool ceil_mode = false);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

  Size2 kernel_size, stride, padding, dilation;
  bool ceil_mode;
};

/// Mean of each window. With count_include_pad the padded zeros count in the divisor.
class AvgPool2d : public Module {
 public:
  /// ceil_mode as in MaxPool2d (PyTorch passes it before count_include_pad; here it is last).
  explicit AvgPool2d(Size2 kernel_size, Size2 stride = 0, Size2 padding = 0, bool count_include_pad = true,
                     bool ceil_mode = false);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

  Size2 kernel_size, stride, padding;
  bool count_include_pad, ceil_mode;
};

/// Averages (N, C, H, W) into (N, C, out_h, out_w) with PyTorch's adaptive windows;
/// AdaptiveAvgPool2d(1) is global average pooling.
class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(Size2 output_size);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

  Size2 output_size;
};

}  // namespace silica::nn
