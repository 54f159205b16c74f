// Weight initializers: bounds and standard deviations from fans and gains, then one draw.
#include "silica/nn/init.h"

#include <cmath>

#include "silica/autograd.h"
#include "silica/error.h"

namespace silica::nn::init {

namespace {

// Draws in f32 for the half types (so every dtype starts from the same numbers) and in the
// tensor's own dtype otherwise, on the tensor's device.
TensorOptions draw_options(const Tensor& t, const char* fn) {
  if (!t.defined()) throw Error(std::string("[") + fn + "] got an undefined tensor");
  if (!is_floating(t.dtype()))
    throw Error(std::string("[") + fn + "] fills floating tensors, not " + dtype_name(t.dtype()));
  DType d = t.dtype() == DType::f64 ? DType::f64 : DType::f32;
  return TensorOptions(d).with_device(t.device());
}

int64_t fan(const Tensor& t, FanMode mode, const char* fn) {
  if (t.dim() < 2)
    throw Error(std::string("[") + fn + "] needs a weight of at least 2 dims to compute fans, got shape " +
                shape_str(t.shape()));
  auto [fan_in, fan_out] = fan_in_and_fan_out(t);
  int64_t f = mode == FanMode::fan_in ? fan_in : fan_out;
  if (f == 0) throw Error(std::string("[") + fn + "] fan is 0 for shape " + shape_str(t.shape()));
  return f;
}

}  // namespace

double calculate_gain(Nonlinearity nonlinearity, double param) {
  switch (nonlinearity) {
    case Nonlinearity::linear:
    case Nonlinearity::conv:
    case Nonlinearity::sigmoid:
      return 1.0;
    case Nonlinearity::tanh:
      return 5.0 / 3.0;
    case Nonlinearity::relu:
      return std::sqrt(2.0);
    case Nonlinearity::leaky_relu:
      return std::sqrt(2.0 / (1.0 + param * param));
    case Nonlinearity::selu:
      return 0.75;
  }
  return 1.0;
}

std::pair<int64_t, int64_t> fan_in_and_fan_out(const Tensor& weight) {
  if (weight.dim() < 2)
    throw Error("[fan_in_and_fan_out] needs at least 2 dims, got shape " + shape_str(weight.shape()));
  int64_t receptive = 1;
  for (int64_t i = 2; i < weight.dim(); ++i) receptive *= weight.size(i);
  return {weight.size(1) * receptive, weight.size(0) * receptive};
}

Tensor& uniform_(Tensor& t, double low, double high, Generator* gen) {
  TensorOptions o = draw_options(t, "uniform_");
  NoGradGuard no_grad;
  return t.copy_(rand(t.shape(), o, gen, low, high));
}

Tensor& normal_(Tensor& t, double mean, double std, Generator* gen) {
  TensorOptions o = draw_options(t, "normal_");
  NoGradGuard no_grad;
  return t.copy_(randn(t.shape(), o, gen, mean, std));
}

Tensor& constant_(Tensor& t, double value) {
  NoGradGuard no_grad;
  return t.fill_(value);
}
Tensor& zeros_(Tensor& t) { return constant_(t, 0.0); }
Tensor& ones_(Tensor& t) { return constant_(t, 1.0); }

Tensor& kaiming_uniform_(Tensor& t, double a, FanMode mode, Nonlinearity nonlinearity, Generator* gen) {
  double gain = calculate_gain(nonlinearity, a);
  double bound = gain * std::sqrt(3.0 / static_cast<double>(fan(t, mode, "kaiming_uniform_")));
  return uniform_(t, -bound, bound, gen);
}

Tensor& kaiming_normal_(Tensor& t, double a, FanMode mode, Nonlinearity nonlinearity, Generator* gen) {
  double gain = calculate_gain(nonlinearity, a);
  double std = gain / std::sqrt(static_cast<double>(fan(t, mode, "kaiming_normal_")));
  return normal_(t, 0.0, std, gen);
}

Tensor& xavier_uniform_(Tensor& t, double gain, Generator* gen) {
  int64_t fan_in = fan(t, FanMode::fan_in, "xavier_uniform_");
  int64_t fan_out = fan(t, FanMode::fan_out, "xavier_uniform_");
  double bound = gain * std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
  return uniform_(t, -bound, bound, gen);
}

Tensor& xavier_normal_(Tensor& t, double gain, Generator* gen) {
  int64_t fan_in = fan(t, FanMode::fan_in, "xavier_normal_");
  int64_t fan_out = fan(t, FanMode::fan_out, "xavier_normal_");
  double std = gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out));
  return normal_(t, 0.0, std, gen);
}

}  // namespace silica::nn::init
