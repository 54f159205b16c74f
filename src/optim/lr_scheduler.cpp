// Learning-rate schedules as closed-form functions of the step.
#include "silica/optim/lr_scheduler.h"

#include <cmath>
#include <numbers>
#include <sstream>

#include "silica/error.h"

namespace silica::optim {

namespace {

double cosine_between(double from, double to, double fraction) {
  return to + (from - to) * 0.5 * (1.0 + std::cos(std::numbers::pi * fraction));
}

std::string num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

}  // namespace

LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(optimizer) {
  for (ParamGroup& g : optimizer.param_groups())
    if (!g.initial_lr) g.initial_lr = g.lr;
}

std::vector<double> LRScheduler::base_lrs() const {
  std::vector<double> out;
  for (const ParamGroup& g : optimizer_.param_groups()) out.push_back(g.initial_lr.value_or(*g.lr));
  return out;
}

void LRScheduler::step() {
  ++step_;
  apply();
}

void LRScheduler::set_step(int64_t step) {
  if (step < 0) throw Error("[LRScheduler::set_step] step must be >= 0, got " + std::to_string(step));
  step_ = step;
  apply();
}

std::vector<double> LRScheduler::last_lr() const {
  std::vector<double> out;
  for (double base : base_lrs()) out.push_back(lr_at(step_, base));
  return out;
}

void LRScheduler::apply() {
  std::vector<double> bases = base_lrs();
  for (size_t g = 0; g < bases.size(); ++g) optimizer_.set_lr(g, lr_at(step_, bases[g]));
}

StepLR::StepLR(Optimizer& optimizer, int64_t size, double g)
    : LRScheduler(optimizer), step_size(size), gamma(g) {
  if (size <= 0) throw Error("[StepLR] step_size must be > 0, got " + std::to_string(size));
  apply();
}

double StepLR::lr_at(int64_t step, double base_lr) const {
  return base_lr * std::pow(gamma, static_cast<double>(step / step_size));
}

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t t, double min)
    : LRScheduler(optimizer), t_max(t), eta_min(min) {
  if (t <= 0) throw Error("[CosineAnnealingLR] t_max must be > 0, got " + std::to_string(t));
  apply();
}

double CosineAnnealingLR::lr_at(int64_t step, double base_lr) const {
  return cosine_between(base_lr, eta_min, static_cast<double>(step) / static_cast<double>(t_max));
}

WarmupCosineLR::WarmupCosineLR(Optimizer& optimizer, int64_t warmup, int64_t total, double min)
    : LRScheduler(optimizer), warmup_steps(warmup), total_steps(total), min_lr(min) {
  if (warmup < 0 || total <= warmup)
    throw Error("[WarmupCosineLR] needs 0 <= warmup_steps < total_steps, got warmup_steps=" + std::to_string(warmup) +
                " total_steps=" + std::to_string(total));
  apply();
}

double WarmupCosineLR::lr_at(int64_t step, double base_lr) const {
  if (step < warmup_steps) return base_lr * static_cast<double>(step + 1) / static_cast<double>(warmup_steps);
  double q = static_cast<double>(step - warmup_steps) / static_cast<double>(total_steps - warmup_steps);
  return cosine_between(base_lr, min_lr, std::min(q, 1.0));
}

OneCycleLR::OneCycleLR(Optimizer& optimizer, double max, int64_t total, const OneCycleArgs& a)
    : LRScheduler(optimizer), max_lr(max), total_steps(total), args(a) {
  if (!(max > 0.0)) throw Error("[OneCycleLR] max_lr must be > 0, got " + num(max));
  if (total <= 1) throw Error("[OneCycleLR] total_steps must be > 1, got " + std::to_string(total));
  if (!(a.pct_start > 0.0 && a.pct_start < 1.0))
    throw Error("[OneCycleLR] pct_start must be in (0, 1), got " + num(a.pct_start));
  if (!(a.div_factor > 0.0 && a.final_div_factor > 0.0))
    throw Error("[OneCycleLR] div_factor and final_div_factor must be > 0, got " + num(a.div_factor) + " and " +
                num(a.final_div_factor));
  // The peak must fall strictly between the first and last step for both phases to exist.
  double peak = a.pct_start * static_cast<double>(total) - 1.0;
  if (!(peak > 0.0 && peak < static_cast<double>(total - 1)))
    throw Error("[OneCycleLR] pct_start " + num(a.pct_start) + " with total_steps " + std::to_string(total) +
                " leaves an empty phase; use more steps or another pct_start");
  apply();
}

double OneCycleLR::two_phase(int64_t step, double a, double b, double c) const {
  // PyTorch's phase ends: the peak at pct_start * total - 1 (a float), the end at total - 1.
  double peak = args.pct_start * static_cast<double>(total_steps) - 1.0;
  double end = static_cast<double>(total_steps - 1);
  auto s = static_cast<double>(step);
  if (s <= peak) return cosine_between(a, b, s / peak);
  return cosine_between(b, c, (s - peak) / (end - peak));
}

double OneCycleLR::lr_at(int64_t step, double /*base_lr*/) const {
  if (step > total_steps)
    throw Error("[OneCycleLR] stepped " + std::to_string(step) + " times but total_steps is " +
                std::to_string(total_steps) + "; make total_steps cover the whole run");
  double initial = max_lr / args.div_factor;
  return two_phase(step, initial, max_lr, initial / args.final_div_factor);
}

double OneCycleLR::momentum_at(int64_t step) const {
  return two_phase(step, args.max_momentum, args.base_momentum, args.max_momentum);
}

void OneCycleLR::apply() {
  LRScheduler::apply();
  if (args.cycle_momentum && optimizer_.has_momentum()) optimizer_.set_momentum(momentum_at(step_));
}

LambdaLR::LambdaLR(Optimizer& optimizer, std::function<double(int64_t)> factor)
    : LRScheduler(optimizer), factor_(std::move(factor)) {
  if (!factor_) throw Error("[LambdaLR] needs a function");
  apply();
}

double LambdaLR::lr_at(int64_t step, double base_lr) const { return base_lr * factor_(step); }

}  // namespace silica::optim
