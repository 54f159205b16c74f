// Adam and AdamW: one fused SILICA_OP_ADAM_UPDATE per parameter where the device has it,
// else the update rule written with in-place tensor methods.
#include "silica/optim/adam.h"

#include <cmath>
#include <sstream>

#include "dispatch.h"
#include "silica/error.h"
#include "silica/ops.h"

namespace silica::optim {

namespace {
void check_options(const char* name, const AdamOptions& o) {
  std::ostringstream msg;
  if (!(o.beta1 >= 0.0 && o.beta1 < 1.0)) msg << "beta1 must be in [0, 1), got " << o.beta1;
  else if (!(o.beta2 >= 0.0 && o.beta2 < 1.0)) msg << "beta2 must be in [0, 1), got " << o.beta2;
  else if (!(o.eps >= 0.0)) msg << "eps must be >= 0, got " << o.eps;
  if (!msg.str().empty()) throw Error(std::string("[") + name + "] " + msg.str());
}

AdamOptions from_adamw(const AdamWOptions& w) {
  AdamOptions o;
  o.lr = w.lr;
  o.beta1 = w.beta1;
  o.beta2 = w.beta2;
  o.eps = w.eps;
  o.weight_decay = w.weight_decay;
  o.amsgrad = w.amsgrad;
  return o;
}

// One SILICA_OP_ADAM_UPDATE over p and its state instead of the dozen elementwise ops of
// Adam::update (each a pass over the tensor plus an allocation), when the device has the
// op and every tensor is contiguous (the state always is; a parameter may be a strided
// view). The kernel computes the same operations in the same order. False: compose.
bool fused_update(Tensor& p, const Tensor& g_in, std::vector<Tensor> state, double lr, const AdamOptions& o,
                  int64_t step) {
  if (!p.is_contiguous() || !detail::device_supports(SILICA_OP_ADAM_UPDATE, p.dtype(), p.device())) return false;
  for (const Tensor& s : state)
    if (!s.is_contiguous() || s.dtype() != p.dtype() || s.device() != p.device()) return false;
  Tensor g = g_in.to(p.device()).to(p.dtype()).contiguous();
  std::vector<Tensor> outs{p};
  outs.insert(outs.end(), state.begin(), state.end());
  detail::Attrs attrs;
  attrs.f(lr).f(o.beta1).f(o.beta2).f(o.eps).i(step).i(o.amsgrad ? 1 : 0);
  detail::run_op("Adam.step", SILICA_OP_ADAM_UPDATE, {g}, outs, attrs);
  return true;
}

std::vector<ParamGroup> one_group(std::vector<Tensor> params) { return {ParamGroup{.params = std::move(params)}}; }
}  // namespace

Adam::Adam(std::vector<Tensor> params, const AdamOptions& options)
    : Adam("Adam", one_group(std::move(params)), options, false) {}

Adam::Adam(std::vector<ParamGroup> groups, const AdamOptions& options)
    : Adam("Adam", std::move(groups), options, false) {}

Adam::Adam(const char* name, std::vector<ParamGroup> groups, const AdamOptions& options, bool decoupled)
    : Optimizer(name, std::move(groups), options.lr, options.weight_decay), options_(options), decoupled_(decoupled) {
  check_options(name, options_);
}

void Adam::set_momentum(double beta1) {
  AdamOptions o = options_;
  o.beta1 = beta1;
  check_options(name().c_str(), o);
  options_ = o;
}

std::vector<std::string> Adam::state_kinds() const {
  if (options_.amsgrad) return {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
  return {"exp_avg", "exp_avg_sq"};
}

void Adam::update(Tensor& p, const Tensor& g_in, const ParamGroup& group, size_t index, int64_t step) {
  const double lr = *group.lr, wd = *group.weight_decay;
  const double b1 = options_.beta1, b2 = options_.beta2;
  Tensor g = g_in;
  if (wd != 0.0) {
    if (decoupled_) p.mul_(1.0 - lr * wd);
    else g = g + p * wd;
  }
  Tensor& m = state("exp_avg", index, p);
  Tensor& v = state("exp_avg_sq", index, p);
  if (options_.amsgrad ? fused_update(p, g, {m, v, state("max_exp_avg_sq", index, p)}, lr, options_, step)
                       : fused_update(p, g, {m, v}, lr, options_, step))
    return;
  m.mul_(b1).add_(g, 1.0 - b1);
  v.mul_(b2).add_(g * g, 1.0 - b2);

  Tensor second = v;
  if (options_.amsgrad) {
    Tensor& vmax = state("max_exp_avg_sq", index, p);
    vmax.copy_(maximum(vmax, v));
    second = vmax;
  }
  const double t = static_cast<double>(step);
  const double correction1 = 1.0 - std::pow(b1, t);
  const double correction2 = 1.0 - std::pow(b2, t);
  Tensor denom = sqrt(second) / std::sqrt(correction2) + options_.eps;
  p.add_(m / denom, -lr / correction1);
}

AdamW::AdamW(std::vector<Tensor> params, const AdamWOptions& options)
    : Adam("AdamW", one_group(std::move(params)), from_adamw(options), true) {}

AdamW::AdamW(std::vector<ParamGroup> groups, const AdamWOptions& options)
    : Adam("AdamW", std::move(groups), from_adamw(options), true) {}

}  // namespace silica::optim
