// Adam (L2 weight decay added to the gradient) and AdamW (decoupled weight decay).
#pragma once

#include "silica/optim/optimizer.h"

namespace silica::optim {

/// `Adam opt(model->parameters(), {.lr = 3e-4});`
struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
  /// Use the running maximum of the second moment (Reddi et al.).
  bool amsgrad = false;
};

/// AdamOptions with AdamW's default weight decay.
struct AdamWOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 1e-2;
  bool amsgrad = false;
};

/// Per parameter p with gradient g, its step t (1 first):
///   Adam:  g += weight_decay * p            AdamW: p *= 1 - lr * weight_decay
///   m = beta1 m + (1 - beta1) g
///   v = beta2 v + (1 - beta2) g^2           (amsgrad: vmax = max(vmax, v), used below)
///   p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
/// State kinds: "exp_avg" (m), "exp_avg_sq" (v), "max_exp_avg_sq" (amsgrad).
class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, const AdamOptions& options = {});
  Adam(std::vector<ParamGroup> groups, const AdamOptions& options = {});

  /// beta1 is the momentum OneCycleLR cycles.
  bool has_momentum() const override { return true; }
  double momentum() const override { return options_.beta1; }
  void set_momentum(double beta1) override;
  const AdamOptions& options() const { return options_; }

 protected:
  Adam(const char* name, std::vector<ParamGroup> groups, const AdamOptions& options, bool decoupled);
  void update(Tensor& p, const Tensor& g, const ParamGroup& group, size_t index, int64_t step) override;
  std::vector<std::string> state_kinds() const override;

 private:
  AdamOptions options_;
  bool decoupled_;  // AdamW
};

/// Adam with decoupled weight decay (Loshchilov & Hutter): the decay shrinks the
/// weights directly instead of entering the moments.
class AdamW : public Adam {
 public:
  AdamW(std::vector<Tensor> params, const AdamWOptions& options = {});
  AdamW(std::vector<ParamGroup> groups, const AdamWOptions& options = {});
};

}  // namespace silica::optim
