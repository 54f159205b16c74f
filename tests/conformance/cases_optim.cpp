// Optimizer rows of the conformance table: Adam and AdamW steps, which run as one fused
// SILICA_OP_ADAM_UPDATE per parameter where the device has it and as composed elementwise
// ops where it does not (or the parameter is a strided view). Each row takes a parameter
// and a gradient, runs three steps (with the gradient scaled differently each time, so
// the moments do not stay proportional to it) and returns the parameter followed by its
// state, flattened. Optimizer steps record nothing, so there are no gradients to check.
#include "conformance/conformance.h"

#include "silica/optim.h"

namespace silica::conformance {

namespace {

const std::vector<DType> kFloat = {DType::f32, DType::f64, DType::f16, DType::bf16};

Input in(Shape shape, bool strided = false, Values values = Values::normal) {
  Input i;
  i.shape = std::move(shape);
  i.strided = strided;
  i.values = values;
  return i;
}

enum class Kind { adam, adam_l2, adamw };

// x[0]: the starting parameter, x[1]: the gradient. With `strided_param` the parameter is
// stored transposed (a strided view), which takes the composed path.
std::function<Tensor(const std::vector<Tensor>&)> steps(Kind kind, bool amsgrad, bool strided_param = false) {
  return [=](const std::vector<Tensor>& x) {
    Tensor p = strided_param ? x[0].detach().mT().contiguous().mT() : x[0].detach().clone();
    p.requires_grad_();
    std::unique_ptr<optim::Optimizer> opt;
    if (kind == Kind::adamw) {
      optim::AdamWOptions o;
      o.lr = 0.1, o.beta1 = 0.8, o.beta2 = 0.9, o.eps = 1e-6, o.weight_decay = 0.3, o.amsgrad = amsgrad;
      opt = std::make_unique<optim::AdamW>(std::vector<Tensor>{p}, o);
    } else {
      optim::AdamOptions o;
      o.lr = 0.1, o.beta1 = 0.8, o.beta2 = 0.9, o.eps = 1e-6, o.amsgrad = amsgrad;
      o.weight_decay = kind == Kind::adam_l2 ? 0.3 : 0.0;
      opt = std::make_unique<optim::Adam>(std::vector<Tensor>{p}, o);
    }
    for (double scale : {1.0, -0.5, 2.0}) {
      {
        NoGradGuard no_grad;
        p.set_grad(x[1] * scale);
      }
      opt->step();
    }
    NoGradGuard no_grad;
    std::vector<Tensor> parts{p.detach().reshape({-1})};
    auto state = opt->state_dict();
    for (const char* kind_name : {"exp_avg.0", "exp_avg_sq.0", "max_exp_avg_sq.0"})
      if (state.count(kind_name)) parts.push_back(state.at(kind_name).reshape({-1}));
    return cat(parts);
  };
}

void adam_rows(std::vector<Case>& cases, const std::string& name, Kind kind, bool amsgrad) {
  auto run = steps(kind, amsgrad);
  cases.push_back({name + "/odd", {in({7, 13}), in({7, 13})}, run, kFloat, false});
  cases.push_back({name + "/scalar", {in({}), in({})}, run, kFloat, false});
  cases.push_back({name + "/strided_grad", {in({6, 9}), in({6, 9}, true)}, run, kFloat, false});
  cases.push_back({name + "/strided_param", {in({6, 9}), in({6, 9})}, steps(kind, amsgrad, true), kFloat, false});
  cases.push_back({name + "/empty", {in({0, 3}), in({0, 3})}, run, kFloat, false});
  cases.push_back({name + "/large", {in({70001}), in({70001})}, run, {DType::f32}, false});
  // Odd lengths (a 16-bit tail that shares its word, a grid past a million) in every float
  // dtype. Gradients of magnitude >= 0.5 and parameters in (0.05, 0.95), so neither a tiny
  // gradient (whose g*g goes subnormal in f16) nor g + 0.3 p cancelling (L2) makes the
  // first step ill-conditioned: among a million normal values some always do, and the CPU
  // then strays from the float64 reference as far as any device.
  const auto conditioned = [](Shape shape) {
    return std::vector<Input>{in(shape, false, Values::unit), in(shape, false, Values::away)};
  };
  cases.push_back({name + "/seven", conditioned({7}), run, kFloat, false});
  cases.push_back({name + "/million", conditioned({1000003}), run, kFloat, false});
}

}  // namespace

void add_optim_cases(std::vector<Case>& cases) {
  adam_rows(cases, "adam", Kind::adam, false);
  adam_rows(cases, "adam_l2", Kind::adam_l2, false);
  adam_rows(cases, "adam_amsgrad", Kind::adam, true);
  adam_rows(cases, "adamw", Kind::adamw, false);
  adam_rows(cases, "adamw_amsgrad", Kind::adamw, true);
}

}  // namespace silica::conformance
