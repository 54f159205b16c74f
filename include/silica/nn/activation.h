// Activation layers (parameter-free, elementwise).
#pragma once

#include "silica/nn/module.h"

namespace silica::nn {

/// max(x, 0).
class ReLU : public Module {
 public:
  ReLU() : Module("ReLU") {}
  Tensor forward(const Tensor& x) override;
};

/// x * Phi(x) (erf form), or the tanh approximation when tanh_approximation is set.
class GELU : public Module {
 public:
  explicit GELU(bool tanh_approximation = false) : Module("GELU"), tanh_approximation(tanh_approximation) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override { return tanh_approximation ? "approximate=tanh" : ""; }

  bool tanh_approximation;
};

/// x * sigmoid(x) (also called swish).
class SiLU : public Module {
 public:
  SiLU() : Module("SiLU") {}
  Tensor forward(const Tensor& x) override;
};

class Tanh : public Module {
 public:
  Tanh() : Module("Tanh") {}
  Tensor forward(const Tensor& x) override;
};

class Sigmoid : public Module {
 public:
  Sigmoid() : Module("Sigmoid") {}
  Tensor forward(const Tensor& x) override;
};

}  // namespace silica::nn
