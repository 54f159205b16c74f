// Optimizers, schedules and clipping against values derived by hand or recomputed in
// double inside each test (no PyTorch here: the references are the update rules).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <numbers>

#include "silica/nn.h"
#include "silica/optim.h"
#include "silica/silica.h"
#include "test_support.h"

using namespace silica;
using silica::testing::error_of;
using silica::testing::Contains;
using namespace silica::optim;

namespace {

Tensor param(const std::vector<double>& v) { return from_vector(v, {}, DType::f64).requires_grad_(); }

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

void expect_close(const std::vector<double>& got, const std::vector<double>& want, double rel = 1e-12) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], rel * std::max(1.0, std::abs(want[i]))) << "element " << i;
}

// The quadratic f(p) = sum(0.5 a p^2 - b p), whose gradient is a p - b.
struct Quadratic {
  std::vector<double> a{1.0, 4.0, 0.25, 2.0};
  std::vector<double> b{0.5, -1.0, 2.0, 0.0};
  Tensor loss(const Tensor& p) const {
    Tensor at = from_vector(a, {}, DType::f64), bt = from_vector(b, {}, DType::f64);
    return sum(at * p * p * 0.5 - bt * p);
  }
  std::vector<double> grad(const std::vector<double>& p) const {
    std::vector<double> g(p.size());
    for (size_t i = 0; i < p.size(); ++i) g[i] = a[i] * p[i] - b[i];
    return g;
  }
};

// Runs `steps` optimizer steps on the quadratic.
void run(Optimizer& opt, const Tensor& p, const Quadratic& q, int steps) {
  for (int i = 0; i < steps; ++i) {
    opt.zero_grad();
    q.loss(p).backward();
    opt.step();
  }
}

// Deep copy of a state dict (the optimizer's moments are live tensors).
std::map<std::string, Tensor> snapshot(const std::map<std::string, Tensor>& state) {
  std::map<std::string, Tensor> out;
  for (const auto& [k, t] : state) out[k] = t.detach().clone();
  return out;
}

}  // namespace

// ---- SGD ----

TEST(SGD, PlainStepWithWeightDecayIsHandComputed) {
  Tensor p = param({1.0, -2.0});
  SGD opt({p}, {.lr = 0.1, .weight_decay = 0.5});
  p.set_grad(from_vector(std::vector<double>{0.3, 0.4}, {}, DType::f64));
  opt.step();
  // d = g + 0.5 p = (0.8, -0.6); p -= 0.1 d.
  expect_close(values(p), {0.92, -1.94});
}

TEST(SGD, MomentumMatchesHandComputedSteps) {
  // loss = p^2, g = 2p, lr 0.1, momentum 0.9:
  //   t1: g=2,    buf=2,              p=1-0.2=0.8
  //   t2: g=1.6,  buf=0.9*2+1.6=3.4,  p=0.8-0.34=0.46
  //   t3: g=0.92, buf=0.9*3.4+0.92=3.98, p=0.46-0.398=0.062
  Tensor p = param({1.0});
  SGD opt({p}, {.lr = 0.1, .momentum = 0.9});
  std::vector<double> want{0.8, 0.46, 0.062};
  for (double w : want) {
    opt.zero_grad();
    sum(p * p).backward();
    opt.step();
    expect_close(values(p), {w});
  }
}

TEST(SGD, NesterovMatchesHandComputedSteps) {
  //   t1: g=2,    buf=2,    d=2+0.9*2=3.8,        p=1-0.38=0.62
  //   t2: g=1.24, buf=3.04, d=1.24+0.9*3.04=3.976, p=0.62-0.3976=0.2224
  Tensor p = param({1.0});
  SGD opt({p}, {.lr = 0.1, .momentum = 0.9, .nesterov = true});
  for (double w : {0.62, 0.2224}) {
    opt.zero_grad();
    sum(p * p).backward();
    opt.step();
    expect_close(values(p), {w});
  }
}

TEST(SGD, DampeningAndWeightDecayFollowTheReferenceLoop) {
  Quadratic q;
  std::vector<double> ref{0.3, -0.7, 1.1, 2.0};
  Tensor p = param(ref);
  const double lr = 0.05, mom = 0.8, damp = 0.3, wd = 0.1;
  SGD opt({p}, {.lr = lr, .momentum = mom, .dampening = damp, .weight_decay = wd});
  std::vector<double> buf(ref.size());
  for (int t = 1; t <= 4; ++t) {
    run(opt, p, q, 1);
    std::vector<double> g = q.grad(ref);
    for (size_t i = 0; i < ref.size(); ++i) {
      double d = g[i] + wd * ref[i];
      buf[i] = t == 1 ? d : mom * buf[i] + (1 - damp) * d;
      ref[i] -= lr * buf[i];
    }
    expect_close(values(p), ref);
  }
}

TEST(SGD, RejectsBadSettings) {
  Tensor p = param({1.0});
  EXPECT_TRUE(Contains(error_of([&] { SGD({p}, {.lr = 0.1, .nesterov = true}); }), "Nesterov"));
  EXPECT_TRUE(Contains(error_of([&] { SGD({p}, {.lr = -1.0}); }), "[SGD] lr must be >= 0"));
  EXPECT_TRUE(Contains(error_of([&] { SGD(std::vector<Tensor>{}, {}); }), "empty parameter list"));
  EXPECT_TRUE(Contains(error_of([&] { SGD({p, p}, {}); }), "appears twice"));
  EXPECT_TRUE(Contains(error_of([&] { SGD({p * 2.0}, {}); }), "leaf"));
}

// ---- Adam / AdamW ----

TEST(Adam, FirstStepIsLrTimesSignOfGradient) {
  // m_hat = g and v_hat = g^2 at t = 1, so the step is lr * g / (|g| + eps).
  Tensor p = param({1.0, -3.0});
  Adam opt({p}, {.lr = 0.01});
  p.set_grad(from_vector(std::vector<double>{0.5, -2e-3}, {}, DType::f64));
  opt.step();
  expect_close(values(p), {1.0 - 0.01 * 0.5 / (0.5 + 1e-8), -3.0 + 0.01 * 2e-3 / (2e-3 + 1e-8)});
}

TEST(Adam, ThreeStepsOnAQuadraticMatchTheClosedForm) {
  Quadratic q;
  std::vector<double> ref{0.3, -0.7, 1.1, 2.0};
  Tensor p = param(ref);
  const double lr = 0.1, b1 = 0.8, b2 = 0.9, eps = 1e-6, wd = 0.05;
  Adam opt({p}, {.lr = lr, .beta1 = b1, .beta2 = b2, .eps = eps, .weight_decay = wd});
  std::vector<double> m(4), v(4);
  for (int t = 1; t <= 3; ++t) {
    run(opt, p, q, 1);
    std::vector<double> g = q.grad(ref);
    for (size_t i = 0; i < 4; ++i) {
      double gi = g[i] + wd * ref[i];  // L2 decay enters the gradient
      m[i] = b1 * m[i] + (1 - b1) * gi;
      v[i] = b2 * v[i] + (1 - b2) * gi * gi;
      double m_hat = m[i] / (1 - std::pow(b1, t));
      double denom = std::sqrt(v[i]) / std::sqrt(1 - std::pow(b2, t)) + eps;
      ref[i] -= lr * m_hat / denom;
    }
    expect_close(values(p), ref);
  }
  auto state = opt.state_dict();
  expect_close(values(state.at("exp_avg.0")), m);
  expect_close(values(state.at("exp_avg_sq.0")), v);
  EXPECT_EQ(state.at("step").item(), 3.0);
  EXPECT_EQ(state.at("step.0").item(), 3.0);
}

TEST(Adam, AmsgradUsesTheRunningMaximum) {
  // Gradients 1 then 0.1: v drops at t = 2 but vmax keeps v1.
  Tensor p = param({0.0});
  const double lr = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-8;
  Adam opt({p}, {.lr = lr, .amsgrad = true});
  double ref = 0.0, m = 0.0, v = 0.0, vmax = 0.0;
  for (int t = 1; t <= 2; ++t) {
    double g = t == 1 ? 1.0 : 0.1;
    p.set_grad(from_vector(std::vector<double>{g}, {}, DType::f64));
    opt.step();
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g * g;
    vmax = std::max(vmax, v);
    ref -= lr / (1 - std::pow(b1, t)) * m / (std::sqrt(vmax) / std::sqrt(1 - std::pow(b2, t)) + eps);
    expect_close(values(p), {ref});
  }
  expect_close(values(opt.state_dict().at("max_exp_avg_sq.0")), {vmax});
}

TEST(AdamW, DecaysTheWeightsDirectly) {
  Quadratic q;
  std::vector<double> ref{0.3, -0.7, 1.1, 2.0};
  Tensor p = param(ref);
  const double lr = 0.05, b1 = 0.9, b2 = 0.99, eps = 1e-8, wd = 0.2;
  AdamW opt({p}, {.lr = lr, .beta1 = b1, .beta2 = b2, .eps = eps, .weight_decay = wd});
  std::vector<double> m(4), v(4);
  for (int t = 1; t <= 3; ++t) {
    run(opt, p, q, 1);
    std::vector<double> g = q.grad(ref);  // the gradient at the weights before decay
    for (size_t i = 0; i < 4; ++i) {
      ref[i] *= 1 - lr * wd;
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      ref[i] -= lr / (1 - std::pow(b1, t)) * m[i] / (std::sqrt(v[i]) / std::sqrt(1 - std::pow(b2, t)) + eps);
    }
    expect_close(values(p), ref);
  }
  EXPECT_EQ(AdamW({param({1.0})}).param_groups()[0].weight_decay, 1e-2);  // AdamW's default
}

// ---- The base: groups, skipping, state dicts ----

TEST(Optimizer, GroupsHaveTheirOwnLearningRateAndDecay) {
  Tensor a = param({1.0}), b = param({1.0});
  SGD opt(std::vector<ParamGroup>{{.params = {a}}, {.params = {b}, .lr = 0.5, .weight_decay = 0.0}},
          {.lr = 0.1, .weight_decay = 1.0});
  EXPECT_EQ(opt.lr(0), 0.1);
  EXPECT_EQ(opt.lr(1), 0.5);
  a.set_grad(ones({1}, DType::f64));
  b.set_grad(ones({1}, DType::f64));
  opt.step();
  expect_close(values(a), {1.0 - 0.1 * (1.0 + 1.0)});
  expect_close(values(b), {1.0 - 0.5});
  opt.set_lr(0.01);
  EXPECT_EQ(opt.lr(1), 0.01);
}

TEST(Optimizer, ParametersWithoutGradientsAreSkipped) {
  Tensor a = param({1.0}), b = param({2.0});
  Adam opt({a, b}, {.lr = 0.1});
  a.set_grad(ones({1}, DType::f64));
  opt.step();
  opt.step();
  EXPECT_EQ(values(b), std::vector<double>{2.0});
  auto state = opt.state_dict();
  EXPECT_EQ(state.at("step").item(), 2.0);
  EXPECT_EQ(state.at("step.0").item(), 2.0);
  EXPECT_EQ(state.count("step.1"), 0u);
  EXPECT_EQ(state.count("exp_avg.1"), 0u);
  // b's first update uses bias correction for t = 1.
  b.set_grad(ones({1}, DType::f64));
  opt.step();
  expect_close(values(b), {2.0 - 0.1 * 1.0 / (1.0 + 1e-8)});
}

TEST(Optimizer, StateDictResumesExactly) {
  Quadratic q;
  std::vector<double> start{0.3, -0.7, 1.1, 2.0};
  Tensor p = param(start);
  AdamW opt({p}, {.lr = 0.05, .amsgrad = true});
  WarmupCosineLR sched(opt, 2, 10);
  for (int i = 0; i < 3; ++i) {
    run(opt, p, q, 1);
    sched.step();
  }
  Tensor saved_p = p.detach().clone();
  auto saved = snapshot(opt.state_dict());
  int64_t saved_step = sched.last_step();
  double saved_lr = opt.lr();
  for (int i = 0; i < 2; ++i) {
    run(opt, p, q, 1);
    sched.step();
  }

  // The schedule is made after loading: it takes its base lr from the saved initial_lr,
  // not from the decayed lr the optimizer now holds.
  EXPECT_EQ(saved.at("initial_lr.0").item(), 0.05);
  Tensor p2 = saved_p.detach().clone().requires_grad_();
  AdamW opt2({p2}, {.lr = 0.05, .amsgrad = true});
  opt2.load_state_dict(saved);
  WarmupCosineLR sched2(opt2, 2, 10);
  sched2.set_step(saved_step);
  EXPECT_EQ(sched2.base_lrs(), std::vector<double>{0.05});
  EXPECT_EQ(opt2.step_count(), 3);
  EXPECT_EQ(opt2.lr(), saved_lr);
  for (int i = 0; i < 2; ++i) {
    run(opt2, p2, q, 1);
    sched2.step();
  }
  EXPECT_EQ(values(p2), values(p));  // bit for bit
  EXPECT_EQ(opt2.lr(), opt.lr());
}

TEST(Optimizer, LoadStateDictRejectsMismatchesAndChangesNothing) {
  Tensor p = param({1.0, 2.0});
  Adam opt({p});
  p.set_grad(ones({2}, DType::f64));
  opt.step();
  auto good = snapshot(opt.state_dict());

  auto bad_shape = good;
  bad_shape["exp_avg.0"] = zeros({3}, DType::f64);
  EXPECT_TRUE(Contains(error_of([&] { opt.load_state_dict(bad_shape); }),
                       "[Adam::load_state_dict] exp_avg.0 has shape (3) in the checkpoint but parameter 0 has shape (2)"));
  auto bad_index = good;
  bad_index["exp_avg.5"] = zeros({2}, DType::f64);
  EXPECT_TRUE(Contains(error_of([&] { opt.load_state_dict(bad_index); }), "names parameter 5 but there are 1"));
  auto from_sgd = good;
  from_sgd["momentum_buffer.0"] = zeros({2}, DType::f64);
  EXPECT_TRUE(Contains(error_of([&] { opt.load_state_dict(from_sgd); }), "unexpected key momentum_buffer.0"));
  auto missing = good;
  missing.erase("exp_avg_sq.0");
  EXPECT_TRUE(Contains(error_of([&] { opt.load_state_dict(missing); }), "has no exp_avg_sq.0"));
  auto garbage = good;
  garbage["what"] = zeros({1});
  EXPECT_TRUE(Contains(error_of([&] { opt.load_state_dict(garbage); }), "unexpected key what"));
  // None of the failures touched the state.
  auto now = opt.state_dict();
  EXPECT_EQ(values(now.at("exp_avg.0")), values(good.at("exp_avg.0")));
  EXPECT_EQ(now.at("step").item(), 1.0);
}

TEST(Optimizer, LoadedStateIsACopyOnTheParametersDtype) {
  Tensor p = from_vector(std::vector<float>{1.0f, 2.0f}).requires_grad_();
  SGD opt({p}, {.lr = 0.1, .momentum = 0.9});
  std::map<std::string, Tensor> state{{"step", scalar(1, DType::i64)},
                                      {"step.0", scalar(1, DType::i64)},
                                      {"momentum_buffer.0", from_vector(std::vector<double>{1.0, 1.0}, {}, DType::f64)}};
  opt.load_state_dict(state);
  Tensor buf = opt.state_dict().at("momentum_buffer.0");
  EXPECT_EQ(buf.dtype(), DType::f32);
  EXPECT_NE(buf.storage_id(), state.at("momentum_buffer.0").storage_id());
  p.set_grad(zeros({2}));
  opt.step();  // buf = 0.9 * 1 + 0 = 0.9; p -= 0.1 * 0.9
  expect_close(values(p), {1.0 - 0.09, 2.0 - 0.09}, 1e-6);
}

// ---- Schedules ----

namespace {
struct Scheduled {
  Tensor p = param({0.0});
  SGD opt{std::vector<Tensor>{p}, SGDOptions{.lr = 1.0, .momentum = 0.9}};
};
}  // namespace

TEST(LRScheduler, StepLRDecaysEveryStepSize) {
  Scheduled s;
  StepLR sched(s.opt, 3, 0.5);
  std::vector<double> want{1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25};
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_DOUBLE_EQ(s.opt.lr(), want[i]) << "step " << i;
    sched.step();
  }
}

TEST(LRScheduler, CosineAnnealingHitsItsEndpoints) {
  Scheduled s;
  CosineAnnealingLR sched(s.opt, 10, 0.1);
  EXPECT_DOUBLE_EQ(s.opt.lr(), 1.0);
  sched.set_step(5);
  EXPECT_NEAR(s.opt.lr(), 0.55, 1e-15);
  sched.set_step(10);
  EXPECT_NEAR(s.opt.lr(), 0.1, 1e-15);
  EXPECT_NEAR(sched.lr_at(2, 1.0), 0.1 + 0.9 * (1 + std::cos(0.2 * std::numbers::pi)) / 2, 1e-15);
}

TEST(LRScheduler, WarmupThenCosine) {
  Scheduled s;
  WarmupCosineLR sched(s.opt, 4, 14, 0.0);
  std::vector<std::pair<int64_t, double>> want{{0, 0.25}, {1, 0.5}, {3, 1.0}, {4, 1.0}, {9, 0.5}, {14, 0.0}, {20, 0.0}};
  for (auto [step, lr] : want) {
    sched.set_step(step);
    EXPECT_NEAR(s.opt.lr(), lr, 1e-15) << "step " << step;
  }
}

TEST(LRScheduler, OneCycleFollowsPyTorchsPhases) {
  // max_lr 1, 100 steps: starts at 1/25, peaks at step 0.3*100-1 = 29, ends at 1/25/1e4
  // at step 99; the momentum moves the other way between 0.95 and 0.85.
  Scheduled s;
  OneCycleLR sched(s.opt, 1.0, 100);
  EXPECT_NEAR(s.opt.lr(), 0.04, 1e-15);  // end + (start - end) / 2 * 2 rounds, as in PyTorch
  EXPECT_DOUBLE_EQ(s.opt.momentum(), 0.95);
  sched.set_step(29);
  EXPECT_DOUBLE_EQ(s.opt.lr(), 1.0);
  EXPECT_DOUBLE_EQ(s.opt.momentum(), 0.85);
  sched.set_step(64);  // halfway down: pct 0.5
  EXPECT_NEAR(s.opt.lr(), (1.0 + 4e-6) / 2, 1e-15);
  EXPECT_NEAR(s.opt.momentum(), 0.9, 1e-15);
  sched.set_step(14);  // a cosine phase point: pct 14/29
  EXPECT_NEAR(s.opt.lr(), 1.0 + (0.04 - 1.0) * 0.5 * (1 + std::cos(std::numbers::pi * 14.0 / 29.0)), 1e-15);
  sched.set_step(99);
  EXPECT_NEAR(s.opt.lr(), 4e-6, 1e-18);
  EXPECT_DOUBLE_EQ(s.opt.momentum(), 0.95);
  sched.set_step(100);  // allowed, as in PyTorch
  EXPECT_TRUE(Contains(error_of([&] { sched.step(); }), "[OneCycleLR] stepped 101 times but total_steps is 100"));
}

TEST(LRScheduler, OneCycleCyclesAdamsBeta1) {
  Tensor p = param({0.0});
  Adam opt({p});
  OneCycleLR sched(opt, 0.01, 10, {.pct_start = 0.5});
  EXPECT_DOUBLE_EQ(opt.momentum(), 0.95);
  sched.set_step(4);  // peak at 0.5*10-1
  EXPECT_DOUBLE_EQ(opt.momentum(), 0.85);
  EXPECT_DOUBLE_EQ(opt.lr(), 0.01);
}

TEST(LRScheduler, ResumingIsExact) {
  Scheduled a, b;
  OneCycleLR sa(a.opt, 0.5, 50);
  for (int i = 0; i < 17; ++i) sa.step();
  OneCycleLR sb(b.opt, 0.5, 50);
  sb.set_step(sa.last_step());
  EXPECT_EQ(a.opt.lr(), b.opt.lr());
  EXPECT_EQ(a.opt.momentum(), b.opt.momentum());
}

TEST(LRScheduler, LambdaScalesTheBaseLr) {
  Scheduled s;
  s.opt.set_lr(0.2);
  LambdaLR sched(s.opt, [](int64_t step) { return 1.0 / static_cast<double>(step + 1); });
  sched.step();
  EXPECT_DOUBLE_EQ(s.opt.lr(), 0.1);
}

// ---- Clipping ----

TEST(ClipGradNorm, ScalesAboveTheThresholdOnly) {
  Tensor a = from_vector(std::vector<float>{0, 0}).requires_grad_();
  Tensor b = from_vector(std::vector<float>{0}).requires_grad_();
  Tensor c = from_vector(std::vector<float>{0}).requires_grad_();  // no grad: skipped
  auto set = [&] {
    a.set_grad(from_vector(std::vector<float>{3, 4}));
    b.set_grad(from_vector(std::vector<float>{12}));
  };
  set();
  Tensor total = clip_grad_norm({a, b, c}, 6.5);
  EXPECT_NEAR(total.item(), 13.0, 1e-5);
  double k = 6.5 / (13.0 + 1e-6);
  expect_close(values(a.grad()), {3 * k, 4 * k}, 1e-6);
  expect_close(values(b.grad()), {12 * k}, 1e-6);

  set();
  EXPECT_NEAR(clip_grad_norm({a, b}, 100.0).item(), 13.0, 1e-5);
  EXPECT_EQ(values(a.grad()), (std::vector<double>{3, 4}));

  set();
  EXPECT_NEAR(clip_grad_norm({a, b}, 6.0, INFINITY).item(), 12.0, 1e-6);
  expect_close(values(b.grad()), {12 * 6.0 / (12.0 + 1e-6)}, 1e-6);

  EXPECT_EQ(clip_grad_norm({c}, 1.0).item(), 0.0);
}

TEST(ClipGradValue, ClampsEachElement) {
  Tensor a = from_vector(std::vector<float>{0, 0, 0}).requires_grad_();
  a.set_grad(from_vector(std::vector<float>{-3, 0.5, 7}));
  clip_grad_value({a}, 1.0);
  EXPECT_EQ(values(a.grad()), (std::vector<double>{-1, 0.5, 1}));
}
