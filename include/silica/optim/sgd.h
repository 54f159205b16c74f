// SGD with momentum, dampening, Nesterov and weight decay (PyTorch's semantics).
#pragma once

#include "silica/optim/optimizer.h"

namespace silica::optim {

/// `SGD opt(model->parameters(), {.lr = 0.1, .momentum = 0.9});`
struct SGDOptions {
  double lr = 1e-3;
  double momentum = 0.0;
  double dampening = 0.0;
  /// L2 penalty: weight_decay * p is added to the gradient.
  double weight_decay = 0.0;
  /// Needs momentum > 0 and dampening = 0.
  bool nesterov = false;
};

/// Per parameter p with gradient g, step t:
///   d = g + weight_decay * p
///   with momentum: b = d at t = 1, else b = momentum * b + (1 - dampening) * d;
///                  d = nesterov ? d + momentum * b : b
///   p -= lr * d
/// State kind: "momentum_buffer" (only with momentum).
class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, const SGDOptions& options = {});
  SGD(std::vector<ParamGroup> groups, const SGDOptions& options = {});

  bool has_momentum() const override { return options_.momentum > 0.0; }
  double momentum() const override { return options_.momentum; }
  void set_momentum(double momentum) override;
  const SGDOptions& options() const { return options_; }

 protected:
  void update(Tensor& p, const Tensor& g, const ParamGroup& group, size_t index, int64_t step) override;
  std::vector<std::string> state_kinds() const override;

 private:
  SGDOptions options_;
};

}  // namespace silica::optim
