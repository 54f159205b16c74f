// Gradient clipping by global norm or by value, on the device.
#include "silica/optim/clip_grad.h"

#include <cmath>
#include <sstream>

#include "silica/autograd.h"
#include "silica/error.h"
#include "silica/ops.h"

namespace silica::optim {

Tensor clip_grad_norm(const std::vector<Tensor>& params, double max_norm, double norm_type) {
  if (!(max_norm >= 0.0)) {
    std::ostringstream s;
    s << "[clip_grad_norm] max_norm must be >= 0, got " << max_norm;
    throw Error(s.str());
  }
  bool inf_norm = std::isinf(norm_type) && norm_type > 0;
  if (!inf_norm && norm_type != 2.0) {
    std::ostringstream s;
    s << "[clip_grad_norm] supports norm_type 2 and INFINITY, got " << norm_type;
    throw Error(s.str());
  }
  NoGradGuard no_grad;
  std::vector<Tensor> grads;
  DType acc_dtype = DType::f32;  // half-precision grads are summed in f32
  for (const Tensor& p : params) {
    Tensor g = p.defined() ? p.grad() : Tensor();
    if (!g.defined()) continue;
    if (!grads.empty() && g.device() != grads[0].device())
      throw Error("[clip_grad_norm] gradients live on " + grads[0].device().str() + " and " + g.device().str() +
                  "; clip the parameters of each device separately");
    if (g.dtype() == DType::f64) acc_dtype = DType::f64;
    grads.push_back(g);
  }
  if (grads.empty()) return scalar(0.0, acc_dtype);

  Tensor total;
  for (const Tensor& g : grads) {
    Tensor gf = g.to(acc_dtype);
    Tensor part = inf_norm ? max(abs(gf)) : sum(gf * gf);
    total = !total.defined() ? part : inf_norm ? maximum(total, part) : total + part;
  }
  if (!inf_norm) total = sqrt(total);
  // min(1, max_norm / (total + 1e-6)): multiplying by 1 below the threshold avoids a sync.
  Tensor coef = clamp(max_norm / (total + 1e-6), std::nullopt, 1.0);
  for (Tensor& g : grads) g.mul_(coef);
  return total;
}

void clip_grad_value(const std::vector<Tensor>& params, double clip_value) {
  if (!(clip_value >= 0.0)) {
    std::ostringstream s;
    s << "[clip_grad_value] clip_value must be >= 0, got " << clip_value;
    throw Error(s.str());
  }
  NoGradGuard no_grad;
  for (const Tensor& p : params) {
    Tensor g = p.defined() ? p.grad() : Tensor();
    if (g.defined()) g.copy_(clamp(g, -clip_value, clip_value));
  }
}

}  // namespace silica::optim
