// Dropout layer.
#pragma once

#include "silica/nn/module.h"

namespace silica::nn {

/// In training mode zeroes each element with probability p and scales the others by
/// 1/(1-p) (draws from the default generator); in eval mode the identity.
class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

  double p;
};

}  // namespace silica::nn
