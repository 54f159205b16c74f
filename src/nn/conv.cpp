// Conv2d.
#include "silica/nn/conv.h"

#include <cmath>

#include "silica/error.h"
#include "silica/nn/init.h"
#include "silica/ops.h"

namespace silica::nn {

Conv2d::Conv2d(int64_t in, int64_t out, Size2 kernel, const Conv2dArgs& a, const TensorOptions& options,
               Generator* gen)
    : Module("Conv2d"), in_channels(in), out_channels(out), kernel_size(kernel), args(a) {
  if (in <= 0 || out <= 0 || kernel.h <= 0 || kernel.w <= 0)
    throw Error("[Conv2d] channels and kernel sizes must be > 0, got in_channels=" + std::to_string(in) +
                " out_channels=" + std::to_string(out) + " kernel_size=" + kernel.str());
  if (a.groups <= 0 || in % a.groups != 0 || out % a.groups != 0)
    throw Error("[Conv2d] groups=" + std::to_string(a.groups) + " must divide in_channels=" + std::to_string(in) +
                " and out_channels=" + std::to_string(out));
  if (a.stride.h <= 0 || a.stride.w <= 0 || a.dilation.h <= 0 || a.dilation.w <= 0 || a.padding.h < 0 ||
      a.padding.w < 0)
    throw Error("[Conv2d] stride and dilation must be > 0 and padding >= 0, got stride=" + a.stride.str() +
                " padding=" + a.padding.str() + " dilation=" + a.dilation.str());
  if (!is_floating(options.dtype))
    throw Error(std::string("[Conv2d] parameters must be floating, not ") + dtype_name(options.dtype));
  TensorOptions o = TensorOptions(options.dtype).with_device(options.device);
  weight = register_parameter("weight", empty({out, in / a.groups, kernel.h, kernel.w}, o));
  if (a.bias) bias = register_parameter("bias", empty({out}, o));
  reset_parameters(gen);
}

void Conv2d::reset_parameters(Generator* gen) {
  init::kaiming_uniform_(weight, std::sqrt(5.0), init::FanMode::fan_in, init::Nonlinearity::leaky_relu, gen);
  if (bias.defined()) {
    double bound = 1.0 / std::sqrt(static_cast<double>(init::fan_in_and_fan_out(weight).first));
    init::uniform_(bias, -bound, bound, gen);
  }
}

Tensor Conv2d::forward(const Tensor& x) {
  if (x.dim() != 4 || x.size(1) != in_channels)
    throw Error("[Conv2d] expects inputs of shape (N, " + std::to_string(in_channels) + ", H, W), got " +
                shape_str(x.shape()));
  Conv2dOptions o;
  o.stride_h = args.stride.h;
  o.stride_w = args.stride.w;
  o.padding_h = args.padding.h;
  o.padding_w = args.padding.w;
  o.dilation_h = args.dilation.h;
  o.dilation_w = args.dilation.w;
  o.groups = args.groups;
  return conv2d(x, weight, bias, o);
}

std::string Conv2d::extra_repr() const {
  std::string s = std::to_string(in_channels) + ", " + std::to_string(out_channels) +
                  ", kernel_size=" + kernel_size.str();
  if (!(args.stride == Size2(1))) s += ", stride=" + args.stride.str();
  if (!(args.padding == Size2(0))) s += ", padding=" + args.padding.str();
  if (!(args.dilation == Size2(1))) s += ", dilation=" + args.dilation.str();
  if (args.groups != 1) s += ", groups=" + std::to_string(args.groups);
  if (!args.bias) s += ", bias=false";
  return s;
}

}  // namespace silica::nn
