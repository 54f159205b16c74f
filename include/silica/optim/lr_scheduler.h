// Learning-rate schedules. Each is a pure function of the step count, so resuming from a
// checkpoint only needs the step: `sched.set_step(saved_step)` restores the exact rates.
//
// Use: build the optimizer, then the schedule (it sets the lr for step 0); call
// sched.step() after every opt.step(). The base lr of each group is the group's
// initial_lr, which the first schedule sets from its lr and the optimizer's state dict
// keeps, so on resume the schedule may be made before or after opt.load_state_dict():
//   opt.load_state_dict(state); WarmupCosineLR sched(opt, ...); sched.set_step(saved_step);
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "silica/optim/optimizer.h"

namespace silica::optim {

/// Base class: holds the optimizer, each group's base lr and the step count.
class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  /// The lr of a group whose base lr is base_lr, after `step` scheduler steps (pure).
  virtual double lr_at(int64_t step, double base_lr) const = 0;
  /// Advances one step and sets every group's lr.
  void step();
  /// Jumps to `step` (e.g. when resuming) and sets every group's lr.
  void set_step(int64_t step);
  /// Scheduler steps taken so far.
  int64_t last_step() const { return step_; }
  /// The lr of each group at the current step.
  std::vector<double> last_lr() const;
  /// Base lr of each group (its initial_lr).
  std::vector<double> base_lrs() const;

 protected:
  /// Sets each group's initial_lr from its lr where unset. Derived constructors call apply().
  explicit LRScheduler(Optimizer& optimizer);
  /// Sets the optimizer's lrs (and anything else the schedule drives) for the current step.
  virtual void apply();

  Optimizer& optimizer_;
  int64_t step_ = 0;
};

/// base_lr * gamma^(step / step_size) (integer division): decays every step_size steps.
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);
  double lr_at(int64_t step, double base_lr) const override;

  int64_t step_size;
  double gamma;
};

/// eta_min + (base_lr - eta_min) (1 + cos(pi step / t_max)) / 2 (PyTorch's closed form;
/// past t_max it follows the cosine back up).
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t t_max, double eta_min = 0.0);
  double lr_at(int64_t step, double base_lr) const override;

  int64_t t_max;
  double eta_min;
};

/// Linear warm-up then cosine decay, per step:
///   step < warmup_steps:  base_lr * (step + 1) / warmup_steps  (the first step already trains)
///   otherwise:            min_lr + (base_lr - min_lr) (1 + cos(pi q)) / 2,
///                         q = (step - warmup_steps) / (total_steps - warmup_steps), at most 1
/// so the lr reaches base_lr at step warmup_steps - 1 and min_lr at total_steps.
class WarmupCosineLR : public LRScheduler {
 public:
  WarmupCosineLR(Optimizer& optimizer, int64_t warmup_steps, int64_t total_steps, double min_lr = 0.0);
  double lr_at(int64_t step, double base_lr) const override;

  int64_t warmup_steps, total_steps;
  double min_lr;
};

/// Settings of OneCycleLR (PyTorch's defaults).
struct OneCycleArgs {
  /// Fraction of the steps spent raising the lr.
  double pct_start = 0.3;
  /// initial lr = max_lr / div_factor.
  double div_factor = 25.0;
  /// final lr = initial lr / final_div_factor.
  double final_div_factor = 1e4;
  /// Move the momentum (SGD's momentum, Adam's beta1) opposite to the lr between
  /// max_momentum and base_momentum; skipped for optimizers without momentum.
  bool cycle_momentum = true;
  double base_momentum = 0.85;
  double max_momentum = 0.95;
};

/// Smith's one-cycle policy with cosine annealing (PyTorch's OneCycleLR, two phases):
/// the lr rises from max_lr / div_factor to max_lr over the first pct_start of
/// total_steps, then falls to max_lr / (div_factor * final_div_factor) at step
/// total_steps - 1. The groups' own lrs are ignored. Stepping past
/// total_steps is an error, as in PyTorch.
class OneCycleLR : public LRScheduler {
 public:
  OneCycleLR(Optimizer& optimizer, double max_lr, int64_t total_steps, const OneCycleArgs& args = {});
  /// base_lr is ignored: every group follows max_lr.
  double lr_at(int64_t step, double base_lr) const override;
  /// The momentum at `step` (when cycled).
  double momentum_at(int64_t step) const;

  double max_lr;
  int64_t total_steps;
  OneCycleArgs args;

 protected:
  void apply() override;

 private:
  // Cosine interpolation over the two phases, from a at step 0 through b at the peak to c.
  double two_phase(int64_t step, double a, double b, double c) const;
};

/// base_lr * factor(step) for any function factor.
class LambdaLR : public LRScheduler {
 public:
  LambdaLR(Optimizer& optimizer, std::function<double(int64_t)> factor);
  double lr_at(int64_t step, double base_lr) const override;

 private:
  std::function<double(int64_t)> factor_;
};

}  // namespace silica::optim
