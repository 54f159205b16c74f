// Optimizer base: groups, the step loop, lazily made state, state dicts.
#include "silica/optim/optimizer.h"

#include <cmath>
#include <set>
#include <sstream>

#include "silica/autograd.h"
#include "silica/error.h"
#include "silica/ops.h"

namespace silica::optim {

namespace {

std::string num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

void check_hyper(const std::string& opt, const char* what, double v) {
  if (!(v >= 0.0) || std::isinf(v)) throw Error("[" + opt + "] " + what + " must be >= 0 and finite, got " + num(v));
}

// "exp_avg.12" -> ("exp_avg", 12); false when the text after the last '.' is not an index.
bool split_key(const std::string& key, std::string& kind, size_t& index) {
  size_t dot = key.rfind('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == key.size()) return false;
  std::string digits = key.substr(dot + 1);
  for (char c : digits)
    if (c < '0' || c > '9') return false;
  kind = key.substr(0, dot);
  index = static_cast<size_t>(std::stoull(digits));
  return true;
}

Tensor cpu_scalar(double v, DType dtype) { return scalar(v, TensorOptions(dtype).with_device(Device())); }

}  // namespace

Optimizer::Optimizer(std::string name, std::vector<ParamGroup> groups, double default_lr, double default_wd)
    : name_(std::move(name)), groups_(std::move(groups)) {
  if (groups_.empty()) throw Error("[" + name_ + "] got no parameter groups");
  std::set<const void*> seen;
  size_t count = 0;
  for (size_t g = 0; g < groups_.size(); ++g) {
    ParamGroup& group = groups_[g];
    if (!group.lr) group.lr = default_lr;
    if (!group.weight_decay) group.weight_decay = default_wd;
    check_hyper(name_, "lr", *group.lr);
    check_hyper(name_, "weight_decay", *group.weight_decay);
    for (size_t i = 0; i < group.params.size(); ++i) {
      const Tensor& p = group.params[i];
      std::string where = "parameter " + std::to_string(i) + " of group " + std::to_string(g);
      if (!p.defined()) throw Error("[" + name_ + "] " + where + " is an undefined tensor");
      if (!is_floating(p.dtype()))
        throw Error("[" + name_ + "] " + where + " is " + dtype_name(p.dtype()) + "; only floating tensors train");
      if (!p.is_leaf())
        throw Error("[" + name_ + "] " + where + " was computed by recorded ops; optimizers update leaf tensors");
      if (!seen.insert(p.impl()).second)
        throw Error("[" + name_ + "] " + where + " appears twice; give each parameter once");
      ++count;
    }
  }
  if (count == 0) throw Error("[" + name_ + "] got an empty parameter list");
  param_steps_.assign(count, 0);
}

void Optimizer::step() {
  NoGradGuard no_grad;
  ++steps_;
  size_t index = 0;
  for (ParamGroup& group : groups_) {
    for (Tensor& p : group.params) {
      Tensor g = p.grad();
      if (g.defined()) {
        if (g.shape() != p.shape())
          throw Error("[" + name_ + "] the gradient of parameter " + std::to_string(index) + " has shape " +
                      shape_str(g.shape()) + " but the parameter " + shape_str(p.shape()));
        update(p, g, group, index, ++param_steps_[index]);
      }
      ++index;
    }
  }
}

void Optimizer::zero_grad() {
  for (ParamGroup& group : groups_)
    for (Tensor& p : group.params) p.zero_grad();
}

double Optimizer::lr(size_t group) const {
  if (group >= groups_.size())
    throw Error("[" + name_ + "] group " + std::to_string(group) + " out of range for " +
                std::to_string(groups_.size()) + " groups");
  return *groups_[group].lr;
}

void Optimizer::set_lr(double lr) {
  for (size_t g = 0; g < groups_.size(); ++g) set_lr(g, lr);
}

void Optimizer::set_lr(size_t group, double lr) {
  this->lr(group);  // range check
  check_hyper(name_, "lr", lr);
  groups_[group].lr = lr;
}

Tensor& Optimizer::state(const std::string& kind, size_t index, const Tensor& p, bool* created) {
  std::string key = kind + "." + std::to_string(index);
  auto it = state_.find(key);
  if (created) *created = it == state_.end();
  if (it == state_.end()) return state_[key] = zeros(p.shape(), TensorOptions(p.dtype()).with_device(p.device()));
  Tensor& s = it->second;
  if (s.device() != p.device()) s = s.to(p.device());  // the model was moved after this was made
  if (s.dtype() != p.dtype()) s = s.to(p.dtype());
  return s;
}

std::map<std::string, Tensor> Optimizer::state_dict() const {
  std::map<std::string, Tensor> out = state_;
  out["step"] = cpu_scalar(static_cast<double>(steps_), DType::i64);
  for (size_t i = 0; i < param_steps_.size(); ++i)
    if (param_steps_[i] > 0) out["step." + std::to_string(i)] = cpu_scalar(static_cast<double>(param_steps_[i]), DType::i64);
  for (size_t g = 0; g < groups_.size(); ++g) {
    out["lr." + std::to_string(g)] = cpu_scalar(*groups_[g].lr, DType::f64);
    if (groups_[g].initial_lr)
      out["initial_lr." + std::to_string(g)] = cpu_scalar(*groups_[g].initial_lr, DType::f64);
  }
  return out;
}

void Optimizer::load_state_dict(const std::map<std::string, Tensor>& state) {
  std::vector<const Tensor*> params;
  for (const ParamGroup& group : groups_)
    for (const Tensor& p : group.params) params.push_back(&p);
  std::vector<std::string> kinds = state_kinds();
  std::set<std::string> known(kinds.begin(), kinds.end());

  // Validate everything first so a bad checkpoint leaves the optimizer as it was.
  int64_t steps = 0;
  std::vector<int64_t> param_steps(params.size(), 0);
  std::vector<double> lrs;
  std::vector<std::optional<double>> initial_lrs;
  for (const ParamGroup& group : groups_) {
    lrs.push_back(*group.lr);
    initial_lrs.push_back(group.initial_lr);
  }
  std::map<std::string, const Tensor*> moments;
  const std::string fn = "[" + name_ + "::load_state_dict] ";
  for (const auto& [key, t] : state) {
    if (!t.defined()) throw Error(fn + key + " is an undefined tensor");
    std::string kind;
    size_t index = 0;
    if (key == "step") {
      steps = static_cast<int64_t>(t.item());
    } else if (!split_key(key, kind, index)) {
      throw Error(fn + "unexpected key " + key);
    } else if (kind == "lr" || kind == "initial_lr") {
      if (index >= groups_.size())
        throw Error(fn + key + " names group " + std::to_string(index) + " but there are " +
                    std::to_string(groups_.size()) + " groups");
      if (kind == "lr") lrs[index] = t.item();
      else initial_lrs[index] = t.item();
    } else if (index >= params.size()) {
      throw Error(fn + key + " names parameter " + std::to_string(index) + " but there are " +
                  std::to_string(params.size()) + " parameters");
    } else if (kind == "step") {
      param_steps[index] = static_cast<int64_t>(t.item());
    } else if (!known.count(kind)) {
      std::string list;
      for (const auto& k : kinds) list += (list.empty() ? "" : ", ") + k;
      throw Error(fn + "unexpected key " + key + ": " + name_ + " with these settings keeps " +
                  (list.empty() ? std::string("no per-parameter state") : list) +
                  " (was the checkpoint saved by another optimizer?)");
    } else if (t.shape() != params[index]->shape()) {
      throw Error(fn + key + " has shape " + shape_str(t.shape()) + " in the checkpoint but parameter " +
                  std::to_string(index) + " has shape " + shape_str(params[index]->shape()));
    } else {
      moments[key] = &t;
    }
  }
  for (size_t i = 0; i < params.size(); ++i) {
    if (param_steps[i] == 0) continue;
    for (const auto& kind : kinds)
      if (!moments.count(kind + "." + std::to_string(i)))
        throw Error(fn + "parameter " + std::to_string(i) + " was updated " + std::to_string(param_steps[i]) +
                    " times but the checkpoint has no " + kind + "." + std::to_string(i));
  }

  NoGradGuard no_grad;
  state_.clear();
  for (const auto& [key, t] : moments) {
    std::string kind;
    size_t index = 0;
    split_key(key, kind, index);
    const Tensor& p = *params[index];
    // A fresh tensor: the optimizer never aliases the caller's checkpoint.
    Tensor s = zeros(p.shape(), TensorOptions(p.dtype()).with_device(p.device()));
    s.copy_(*t);
    state_[key] = s;
  }
  param_steps_ = param_steps;
  steps_ = steps;
  for (size_t g = 0; g < groups_.size(); ++g) {
    groups_[g].lr = lrs[g];
    groups_[g].initial_lr = initial_lrs[g];
  }
}

}  // namespace silica::optim
