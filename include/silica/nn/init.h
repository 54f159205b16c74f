// Weight initializers (PyTorch's torch.nn.init), filling tensors in place.
// Every random one draws from a Generator (the default one when gen is null): a seed gives
// the same values on every device. Draws for f16/bf16 tensors are made in f32 and rounded,
// so a model of any dtype starts from the same numbers up to rounding.
#pragma once

#include <cstdint>
#include <utility>

#include "silica/random.h"
#include "silica/tensor.h"

namespace silica::nn::init {

/// The activation that follows a layer, for calculate_gain.
enum class Nonlinearity { linear, conv, sigmoid, tanh, relu, leaky_relu, selu };

/// Which fan keeps the variance: fan_in (forward pass) or fan_out (backward pass).
enum class FanMode { fan_in, fan_out };

/// Recommended gain: 1 for linear/conv/sigmoid, 5/3 for tanh, sqrt(2) for relu,
/// sqrt(2 / (1 + slope^2)) for leaky_relu (slope = param), 3/4 for selu.
double calculate_gain(Nonlinearity nonlinearity, double param = 0.01);

/// (fan_in, fan_out) of a weight of at least 2 dims: (shape[1] * receptive field,
/// shape[0] * receptive field), the receptive field being the product of dims 2 and up.
std::pair<int64_t, int64_t> fan_in_and_fan_out(const Tensor& weight);

/// Fills t with U(low, high).
Tensor& uniform_(Tensor& t, double low = 0.0, double high = 1.0, Generator* gen = nullptr);
/// Fills t with N(mean, std^2).
Tensor& normal_(Tensor& t, double mean = 0.0, double std = 1.0, Generator* gen = nullptr);
Tensor& constant_(Tensor& t, double value);
Tensor& zeros_(Tensor& t);
Tensor& ones_(Tensor& t);

/// He et al.: U(-b, b), b = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a).
/// With the defaults of Linear and Conv2d (a = sqrt(5), leaky_relu, fan_in) b = 1/sqrt(fan_in).
Tensor& kaiming_uniform_(Tensor& t, double a = 0.0, FanMode mode = FanMode::fan_in,
                         Nonlinearity nonlinearity = Nonlinearity::leaky_relu, Generator* gen = nullptr);
/// He et al.: N(0, std^2), std = gain / sqrt(fan).
Tensor& kaiming_normal_(Tensor& t, double a = 0.0, FanMode mode = FanMode::fan_in,
                        Nonlinearity nonlinearity = Nonlinearity::leaky_relu, Generator* gen = nullptr);
/// Glorot & Bengio: U(-b, b), b = gain * sqrt(6 / (fan_in + fan_out)).
Tensor& xavier_uniform_(Tensor& t, double gain = 1.0, Generator* gen = nullptr);
/// Glorot & Bengio: N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out)).
Tensor& xavier_normal_(Tensor& t, double gain = 1.0, Generator* gen = nullptr);

}  // namespace silica::nn::init
