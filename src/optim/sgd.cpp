// SGD: the update rule written with in-place tensor methods.
#include "silica/optim/sgd.h"

#include <sstream>

#include "silica/error.h"
#include "silica/ops.h"

namespace silica::optim {

namespace {
void check_options(const SGDOptions& o) {
  std::ostringstream msg;
  if (!(o.momentum >= 0.0)) msg << "momentum must be >= 0, got " << o.momentum;
  else if (!(o.dampening >= 0.0 && o.dampening <= 1.0)) msg << "dampening must be in [0, 1], got " << o.dampening;
  else if (o.nesterov && (o.momentum <= 0.0 || o.dampening != 0.0))
    msg << "Nesterov momentum needs momentum > 0 and dampening = 0, got momentum " << o.momentum
        << " and dampening " << o.dampening;
  if (!msg.str().empty()) throw Error("[SGD] " + msg.str());
}

std::vector<ParamGroup> one_group(std::vector<Tensor> params) { return {ParamGroup{.params = std::move(params)}}; }
}  // namespace

SGD::SGD(std::vector<Tensor> params, const SGDOptions& options) : SGD(one_group(std::move(params)), options) {}

SGD::SGD(std::vector<ParamGroup> groups, const SGDOptions& options)
    : Optimizer("SGD", std::move(groups), options.lr, options.weight_decay), options_(options) {
  check_options(options_);
}

void SGD::set_momentum(double momentum) {
  SGDOptions o = options_;
  o.momentum = momentum;
  check_options(o);
  options_ = o;
}

std::vector<std::string> SGD::state_kinds() const {
  if (options_.momentum > 0.0) return {"momentum_buffer"};
  return {};
}

void SGD::update(Tensor& p, const Tensor& g, const ParamGroup& group, size_t index, int64_t /*step*/) {
  double lr = *group.lr, wd = *group.weight_decay;
  Tensor d = wd != 0.0 ? g + p * wd : g;
  if (options_.momentum > 0.0) {
    bool created = false;
    Tensor& buf = state("momentum_buffer", index, p, &created);
    if (created) {
      buf.copy_(d);
    } else {
      buf.mul_(options_.momentum);
      buf.add_(d, 1.0 - options_.dampening);
    }
    d = options_.nesterov ? d + buf * options_.momentum : buf;
  }
  p.add_(d, -lr);
}

}  // namespace silica::optim
