// Optimizer: the base of SGD, Adam and AdamW. Holds parameter groups and per-parameter
// state (moments), updates parameters in place, and saves / restores its state exactly.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "silica/tensor.h"

namespace silica::optim {

/// Parameters that share a learning rate and weight decay (e.g. no decay on biases).
/// Unset values take the optimizer's; after construction both are set.
struct ParamGroup {
  // Default member initializers keep `{.params = {w}, .lr = 0.1}` free of
  // -Wmissing-field-initializers warnings.
  std::vector<Tensor> params = {};
  std::optional<double> lr = std::nullopt;
  std::optional<double> weight_decay = std::nullopt;
  /// The lr that schedules scale (their base lr): set from lr by the first LRScheduler
  /// made on the optimizer, saved in state_dict(), so a schedule made after
  /// load_state_dict() starts from the original base, not the decayed lr.
  std::optional<double> initial_lr = std::nullopt;
};

/// Base class. Parameters are held as Tensor handles, so a model moved with
/// Module::to(device) after the optimizer was made is still the one updated (the move
/// happens inside the same tensors); state made before the move follows its parameter's
/// device and dtype on the next step().
///
/// State dict keys (all tensors; the scalars are 0-d tensors on the CPU):
///   "step"               i64  number of step() calls
///   "step.<i>"           i64  updates parameter i received (it is skipped while it has no grad)
///   "<kind>.<i>"         the parameter's shape: state of kind `kind` (e.g. "exp_avg") for
///                        parameter i, i counting over all groups in order
///   "lr.<g>"             f64  learning rate of group g
///   "initial_lr.<g>"     f64  base lr of group g's schedule (when a scheduler set one)
class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// Updates every parameter that has a gradient, in place, with recording off.
  void step();
  /// Forgets the gradients of all parameters (they become undefined).
  void zero_grad();

  /// "SGD", "Adam", "AdamW".
  const std::string& name() const { return name_; }
  std::vector<ParamGroup>& param_groups() { return groups_; }
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  /// Number of parameters over all groups.
  size_t num_params() const { return param_steps_.size(); }
  /// Learning rate of a group.
  double lr(size_t group = 0) const;
  /// Sets the learning rate of every group.
  void set_lr(double lr);
  void set_lr(size_t group, double lr);
  /// Number of step() calls so far (restored by load_state_dict).
  int64_t step_count() const { return steps_; }

  /// Whether the optimizer has a momentum-like coefficient (SGD's momentum when nonzero,
  /// Adam's beta1), which OneCycleLR cycles.
  virtual bool has_momentum() const { return false; }
  virtual double momentum() const { return 0.0; }
  virtual void set_momentum(double /*momentum*/) {}

  /// State for a checkpoint (see the class comment). Moment tensors are the live ones;
  /// a saver copies them out.
  std::map<std::string, Tensor> state_dict() const;
  /// Replaces the state with `state` (converted to each parameter's device and dtype).
  /// Throws, changing nothing, on unknown keys, out-of-range indices, shape mismatches,
  /// or a parameter with updates but without all the state kinds this optimizer keeps.
  void load_state_dict(const std::map<std::string, Tensor>& state);

 protected:
  /// Checks the groups (non-empty, leaf floating tensors, each once) and fills unset
  /// lr / weight_decay with the defaults.
  Optimizer(std::string name, std::vector<ParamGroup> groups, double default_lr, double default_weight_decay);

  /// Updates parameter p, whose gradient is g, of `group`; `index` counts parameters over
  /// all groups; `step` is the number of updates p has had, this one included (1 first).
  virtual void update(Tensor& p, const Tensor& g, const ParamGroup& group, size_t index, int64_t step) = 0;
  /// Kinds of state kept for each updated parameter with the current settings.
  virtual std::vector<std::string> state_kinds() const = 0;

  /// State `kind` of parameter `index`, created as zeros of p's shape, dtype and device
  /// when absent (then *created is set), moved when p has moved.
  Tensor& state(const std::string& kind, size_t index, const Tensor& p, bool* created = nullptr);

 private:
  std::string name_;
  std::vector<ParamGroup> groups_;
  std::map<std::string, Tensor> state_;  // "<kind>.<index>"
  std::vector<int64_t> param_steps_;     // updates each parameter received
  int64_t steps_ = 0;
};

}  // namespace silica::optim
