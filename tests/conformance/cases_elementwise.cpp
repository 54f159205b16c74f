// Elementwise rows of the conformance table.
#include "conformance/conformance.h"

namespace silica::conformance {

namespace {

const std::vector<DType> kFloat = {DType::f32, DType::f64, DType::f16, DType::bf16};
const std::vector<DType> kInt = {DType::i32, DType::i64};

using Fn1 = Tensor (*)(const Tensor&);

void unary(std::vector<Case>& cases, const std::string& name, Fn1 fn, Values values) {
  auto run = [fn](const std::vector<Tensor>& x) { return fn(x[0]); };
  cases.push_back({name + "/odd", {{{7, 13}, values}}, run});
  cases.push_back({name + "/strided", {{{5, 6}, values, 10, true}}, run});
  cases.push_back({name + "/scalar", {{{}, values}}, run});
  cases.push_back({name + "/empty", {{{0, 3}, values}}, run, kFloat, false});
  cases.push_back({name + "/large", {{{70000}, values}}, run, {DType::f32}, false});
}

using Fn2 = Tensor (*)(const Tensor&, const Tensor&);

void binary(std::vector<Case>& cases, const std::string& name, Fn2 fn, Values a, Values b, bool grad,
            bool integers) {
  auto run = [fn](const std::vector<Tensor>& x) { return fn(x[0], x[1]); };
  cases.push_back({name + "/same", {{{9, 11}, a}, {{9, 11}, b}}, run, kFloat, grad});
  cases.push_back({name + "/broadcast_rows", {{{4, 5}, a}, {{5}, b}}, run, kFloat, grad});
  cases.push_back({name + "/broadcast_both", {{{3, 1, 5}, a}, {{4, 1}, b}}, run, kFloat, grad});
  cases.push_back({name + "/strided", {{{6, 7}, a, 10, true}, {{6, 7}, b, 10, true}}, run, kFloat, grad});
  cases.push_back({name + "/scalar", {{{5, 3}, a}, {{}, b}}, run, kFloat, grad});
  cases.push_back({name + "/empty", {{{0, 4}, a}, {{4}, b}}, run, kFloat, false});
  cases.push_back({name + "/large", {{{300, 301}, a}, {{301}, b}}, run, {DType::f32}, false});
  if (integers) {
    Values ia = a == Values::positive ? Values::index : Values::integer;
    Values ib = b == Values::positive ? Values::index : Values::integer;
    Input x{{6, 5}, ia, 20}, y{{5}, ib, 20};
    if (ib == Values::index) y.high = 5, y.values = Values::index;
    cases.push_back({name + "/int", {x, y}, run, kInt, false});
  }
}

Tensor gelu_erf(const Tensor& x) { return gelu(x, false); }
Tensor gelu_tanh(const Tensor& x) { return gelu(x, true); }
Tensor softplus_default(const Tensor& x) { return softplus(x); }
Tensor softplus_beta(const Tensor& x) { return softplus(x * 10.0, 2.0, 5.0); }
Tensor pow_base_positive(const Tensor& a, const Tensor& b) { return pow(a, b); }

}  // namespace

void add_elementwise_cases(std::vector<Case>& cases) {
  unary(cases, "neg", neg, Values::normal);
  unary(cases, "abs", abs, Values::away);
  unary(cases, "sign", sign, Values::away);
  unary(cases, "exp", exp, Values::normal);
  unary(cases, "log", log, Values::positive);
  unary(cases, "log1p", log1p, Values::positive);
  unary(cases, "sqrt", sqrt, Values::positive);
  unary(cases, "rsqrt", rsqrt, Values::positive);
  unary(cases, "reciprocal", reciprocal, Values::away);
  unary(cases, "sin", sin, Values::normal);
  unary(cases, "cos", cos, Values::normal);
  unary(cases, "tanh", tanh, Values::normal);
  unary(cases, "sigmoid", sigmoid, Values::normal);
  unary(cases, "relu", relu, Values::away);
  unary(cases, "gelu_erf", gelu_erf, Values::normal);
  unary(cases, "gelu_tanh", gelu_tanh, Values::normal);
  unary(cases, "silu", silu, Values::normal);
  unary(cases, "softplus", softplus_default, Values::normal);
  unary(cases, "softplus_beta_threshold", softplus_beta, Values::normal);

  binary(cases, "add", add, Values::normal, Values::normal, true, true);
  binary(cases, "sub", sub, Values::normal, Values::normal, true, true);
  binary(cases, "mul", mul, Values::normal, Values::normal, true, true);
  binary(cases, "div", div, Values::normal, Values::away, true, false);
  binary(cases, "pow", pow_base_positive, Values::positive, Values::normal, true, false);
  binary(cases, "maximum", maximum, Values::normal, Values::normal, true, true);
  binary(cases, "minimum", minimum, Values::normal, Values::normal, true, true);
  binary(cases, "eq", eq, Values::boolean, Values::boolean, false, true);
  binary(cases, "ne", ne, Values::boolean, Values::boolean, false, true);
  binary(cases, "lt", lt, Values::normal, Values::normal, false, true);
  binary(cases, "le", le, Values::normal, Values::normal, false, true);
  binary(cases, "gt", gt, Values::normal, Values::normal, false, true);
  binary(cases, "ge", ge, Values::normal, Values::normal, false, true);

  auto where_run = [](const std::vector<Tensor>& x) { return where(x[0], x[1], x[2]); };
  cases.push_back({"where/broadcast", {{{4, 1}, Values::boolean}, {{4, 5}}, {{5}}}, where_run});
  cases.push_back({"where/strided", {{{5, 6}, Values::boolean, 10, true}, {{5, 6}, Values::normal, 10, true}, {{}}},
                   where_run});
  cases.push_back({"clamp/both", {{{8, 9}}},
                   [](const std::vector<Tensor>& x) { return clamp(x[0], -0.5, 0.7); }});
  cases.push_back({"clamp/min_only", {{{8, 9}, Values::normal, 10, true}},
                   [](const std::vector<Tensor>& x) { return clamp(x[0], 0.1, std::nullopt); }});
  cases.push_back({"clamp/int", {{{5, 7}, Values::integer, 20}},
                   [](const std::vector<Tensor>& x) { return clamp(x[0], -4.0, 6.0); }, kInt, false});
  cases.push_back({"cast/to_f64", {{{6, 7}, Values::normal, 10, true}},
                   [](const std::vector<Tensor>& x) { return cast(x[0], DType::f64) * 1.0; }});
  cases.push_back({"cast/to_i64", {{{6, 7}}},
                   [](const std::vector<Tensor>& x) { return cast(x[0] * 5.0, DType::i64); }, kFloat, false});
  cases.push_back({"cast/int_to_float", {{{6, 7}, Values::integer, 50}},
                   [](const std::vector<Tensor>& x) { return cast(x[0], DType::f32); }, kInt, false});
  cases.push_back({"cast/to_bool", {{{6, 7}, Values::integer, 2}},
                   [](const std::vector<Tensor>& x) { return cast(x[0], DType::boolean); }, kInt, false});
  cases.push_back({"scalar_ops/chain", {{{3, 4}}},
                   [](const std::vector<Tensor>& x) { return (2.0 - x[0]) * 3.0 / (x[0] * x[0] + 1.0); }});
}

}  // namespace silica::conformance
