// Pooling layers: argument checks, then the pooling ops.
#include "silica/nn/pooling.h"

#include "silica/error.h"
#include "silica/ops.h"

namespace silica::nn {

namespace {

void check_input(const Tensor& x, const char* layer) {
  if (x.dim() != 4)
    throw Error(std::string("[") + layer + "] expects inputs of shape (N, C, H, W), got " + shape_str(x.shape()));
}

void check_window(const char* layer, Size2 kernel, Size2 stride, Size2 padding) {
  if (kernel.h <= 0 || kernel.w <= 0 || stride.h < 0 || stride.w < 0 || padding.h < 0 || padding.w < 0)
    throw Error(std::string("[") + layer + "] kernel_size must be > 0 and stride, padding >= 0, got kernel_size=" +
                kernel.str() + " stride=" + stride.str() + " padding=" + padding.str());
  if (2 * padding.h > kernel.h || 2 * padding.w > kernel.w)
    throw Error(std::string("[") + layer + "] padding " + padding.str() + " must be at most half of kernel_size " +
                kernel.str());
}

Pool2dOptions pool_options(Size2 kernel, Size2 stride, Size2 padding) {
  Pool2dOptions o;
  o.kernel_h = kernel.h;
  o.kernel_w = kernel.w;
  o.stride_h = stride.h;
  o.stride_w = stride.w;
  o.padding_h = padding.h;
  o.padding_w = padding.w;
  return o;
}

std::string window_repr(Size2 kernel, Size2 stride, Size2 padding) {
  return "kernel_size=" + kernel.str() + ", stride=" + (stride == Size2(0) ? kernel : stride).str() +
         ", padding=" + padding.str();
}

}  // namespace

MaxPool2d::MaxPool2d(Size2 k, Size2 s, Size2 p, Size2 d, bool ceil)
    : Module("MaxPool2d"), kernel_size(k), stride(s), padding(p), dilation(d), ceil_mode(ceil) {
  check_window("MaxPool2d", k, s, p);
  if (d.h <= 0 || d.w <= 0) throw Error("[MaxPool2d] dilation must be > 0, got " + d.str());
}

Tensor MaxPool2d::forward(const Tensor& x) {
  check_input(x, "MaxPool2d");
  Pool2dOptions o = pool_options(kernel_size, stride, padding);
  o.dilation_h = dilation.h;
  o.dilation_w = dilation.w;
  o.ceil_mode = ceil_mode;
  return max_pool2d(x, o);
}

std::string MaxPool2d::extra_repr() const {
  return window_repr(kernel_size, stride, padding) + ", dilation=" + dilation.str() +
         (ceil_mode ? ", ceil_mode=true" : "");
}

AvgPool2d::AvgPool2d(Size2 k, Size2 s, Size2 p, bool include_pad, bool ceil)
    : Module("AvgPool2d"), kernel_size(k), stride(s), padding(p), count_include_pad(include_pad), ceil_mode(ceil) {
  check_window("AvgPool2d", k, s, p);
}

Tensor AvgPool2d::forward(const Tensor& x) {
  check_input(x, "AvgPool2d");
  Pool2dOptions o = pool_options(kernel_size, stride, padding);
  o.count_include_pad = count_include_pad;
  o.ceil_mode = ceil_mode;
  return avg_pool2d(x, o);
}

std::string AvgPool2d::extra_repr() const {
  return window_repr(kernel_size, stride, padding) + (count_include_pad ? "" : ", count_include_pad=false") +
         (ceil_mode ? ", ceil_mode=true" : "");
}

AdaptiveAvgPool2d::AdaptiveAvgPool2d(Size2 out) : Module("AdaptiveAvgPool2d"), output_size(out) {
  if (out.h <= 0 || out.w <= 0) throw Error("[AdaptiveAvgPool2d] output_size must be > 0, got " + out.str());
}

Tensor AdaptiveAvgPool2d::forward(const Tensor& x) {
  check_input(x, "AdaptiveAvgPool2d");
  return adaptive_avg_pool2d(x, output_size.h, output_size.w);
}

std::string AdaptiveAvgPool2d::extra_repr() const { return "output_size=" + output_size.str(); }

}  // namespace silica::nn
