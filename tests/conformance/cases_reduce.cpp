// Reduction rows of the conformance table: sum, mean, max, min, argmax, argmin, var, std,
// logsumexp over single, several, all and negative axes, with and without keepdim.
#include "conformance/conformance.h"

namespace silica::conformance {

namespace {

const std::vector<DType> kFloat = {DType::f32, DType::f64, DType::f16, DType::bf16};
const std::vector<DType> kInt = {DType::i32, DType::i64};
const std::vector<DType> kF32 = {DType::f32};

// An input with every field set (brace-initializing only some trips -Wmissing-field-initializers).
Input in(Shape shape, Values values = Values::normal, bool strided = false, int64_t high = 10) {
  Input i;
  i.shape = std::move(shape);
  i.values = values;
  i.strided = strided;
  i.high = high;
  return i;
}

using AxesFn = std::function<Tensor(const Tensor&, const std::vector<int64_t>&, bool)>;
using Run = std::function<Tensor(const std::vector<Tensor>&)>;

Run over(const AxesFn& fn, std::vector<int64_t> axes, bool keepdim) {
  return [fn, axes, keepdim](const std::vector<Tensor>& x) { return fn(x[0], axes, keepdim); };
}

// The axis patterns every reduction over a set of axes gets. `empty_reduced` adds the
// reduction of an axis of size 0 (defined for sum/mean/var/std/logsumexp only);
// `empty_grad` whether its gradient is checked. `single_grad` is false for var/std, whose
// unbiased value over one element is 0/0 (NaN, as in PyTorch): no gradient to check there.
void axes_rows(std::vector<Case>& cases, const std::string& name, const AxesFn& fn, Values v, bool integers,
               bool empty_reduced, bool empty_grad, bool single_grad = true) {
  cases.push_back({name + "/all", {in({7, 13}, v)}, over(fn, {}, false)});
  cases.push_back({name + "/all_keepdim", {in({3, 5, 4}, v)}, over(fn, {}, true)});
  cases.push_back({name + "/all_listed", {in({3, 5}, v)}, over(fn, {1, 0}, false)});
  cases.push_back({name + "/axis0", {in({7, 13}, v)}, over(fn, {0}, false)});
  cases.push_back({name + "/last_keepdim", {in({5, 6, 7}, v)}, over(fn, {-1}, true)});
  cases.push_back({name + "/middle", {in({5, 6, 7}, v)}, over(fn, {1}, false)});
  cases.push_back({name + "/middle_keepdim", {in({5, 6, 7}, v)}, over(fn, {-2}, true)});
  cases.push_back({name + "/several", {in({4, 5, 6}, v)}, over(fn, {0, 2}, false)});
  cases.push_back({name + "/several_negative_keepdim", {in({3, 4, 5, 2}, v)}, over(fn, {-1, -3}, true)});
  cases.push_back({name + "/size1_axis", {in({4, 1, 3}, v)}, over(fn, {1}, false), kFloat, single_grad});
  cases.push_back({name + "/strided_rows", {in({6, 7}, v, true)}, over(fn, {1}, false)});
  cases.push_back({name + "/strided_cols", {in({6, 7}, v, true)}, over(fn, {0}, true)});
  cases.push_back({name + "/strided_3d", {in({3, 5, 4}, v, true)}, over(fn, {0, 2}, false)});
  cases.push_back({name + "/strided_1d", {in({9}, v, true)}, over(fn, {0}, false)});
  cases.push_back({name + "/scalar", {in({}, v)}, over(fn, {}, false), kFloat, single_grad});
  cases.push_back({name + "/scalar_axis", {in({}, v)}, over(fn, {0}, true), kFloat, single_grad});
  // Reducing the non-empty axis of an empty tensor gives an empty result.
  cases.push_back({name + "/empty_kept", {in({0, 5}, v)}, over(fn, {1}, false), kFloat, false});
  if (empty_reduced)
    cases.push_back({name + "/empty_reduced", {in({0, 3}, v)}, over(fn, {0}, false), kFloat, empty_grad});
  cases.push_back({name + "/large_rows", {in({300, 301}, v)}, over(fn, {1}, false), kF32, false});
  cases.push_back({name + "/large_cols", {in({300, 301}, v)}, over(fn, {0}, false), kF32, false});
  cases.push_back({name + "/large_all", {in({70001}, v)}, over(fn, {}, false), kF32, false});
  // A conv bias gradient's shape: few kept values, each the sum of thousands in two runs
  // (devices may split each output's values over several workgroups).
  cases.push_back({name + "/large_channels", {in({9, 5, 31, 33}, v)}, over(fn, {0, 2, 3}, false), kF32, false});
  if (integers) {
    cases.push_back({name + "/int_rows", {in({6, 5}, Values::integer, false, 20)}, over(fn, {1}, false), kInt, false});
    cases.push_back({name + "/int_all", {in({4, 3, 5}, Values::integer, false, 20)}, over(fn, {}, false), kInt,
                     false});
    cases.push_back({name + "/int_strided", {in({5, 6}, Values::integer, true, 20)}, over(fn, {0, 1}, true), kInt,
                     false});
  }
}

using ArgFn = Tensor (*)(const Tensor&, int64_t, bool);

void arg_rows(std::vector<Case>& cases, const std::string& name, ArgFn fn) {
  auto along = [fn](int64_t axis, bool keepdim) {
    return [fn, axis, keepdim](const std::vector<Tensor>& x) { return fn(x[0], axis, keepdim); };
  };
  cases.push_back({name + "/rows", {in({7, 13})}, along(1, false), kFloat, false});
  cases.push_back({name + "/cols_keepdim", {in({7, 13})}, along(0, true), kFloat, false});
  cases.push_back({name + "/middle_negative", {in({4, 5, 6})}, along(-2, false), kFloat, false});
  cases.push_back({name + "/strided", {in({6, 7}, Values::normal, true)}, along(1, true), kFloat, false});
  cases.push_back({name + "/strided_cols", {in({6, 7}, Values::normal, true)}, along(0, false), kFloat, false});
  cases.push_back({name + "/1d", {in({11})}, along(0, false), kFloat, false});
  cases.push_back({name + "/scalar", {in({})}, along(0, false), kFloat, false});
  cases.push_back({name + "/empty_kept", {in({0, 5})}, along(1, false), kFloat, false});
  cases.push_back({name + "/large", {in({300, 301})}, along(1, false), kF32, false});
  // Integers in [-3, 3) tie often: the first index among ties wins.
  cases.push_back({name + "/int_ties", {in({6, 9}, Values::integer, false, 3)}, along(1, false), kInt, false});
  cases.push_back({name + "/int_ties_cols", {in({9, 6}, Values::integer, true, 3)}, along(0, true), kInt, false});
}

Tensor var_fn(const Tensor& x, const std::vector<int64_t>& axes, bool keepdim) { return var(x, axes, keepdim); }
Tensor std_fn(const Tensor& x, const std::vector<int64_t>& axes, bool keepdim) { return std(x, axes, keepdim); }

// Equal copies of each value (a size-1 axis expanded): the gradient must be split evenly
// among the ties, so the copies together pass on exactly the gradient of the result.
Case tie_row(const std::string& name, const AxesFn& fn) {
  return {name + "/ties_split", {in({4, 1}, Values::away)},
          [fn](const std::vector<Tensor>& x) { return fn(x[0].expand({4, 3}), {1}, false); }};
}

}  // namespace

void add_reduce_cases(std::vector<Case>& cases) {
  axes_rows(cases, "sum", sum, Values::normal, true, true, true);
  axes_rows(cases, "mean", mean, Values::normal, true, true, false);
  // Distinct values away from each other keep finite differences from crossing a tie.
  axes_rows(cases, "max", max, Values::away, true, false, false);
  axes_rows(cases, "min", min, Values::away, true, false, false);
  axes_rows(cases, "var", var_fn, Values::normal, false, true, false, false);
  axes_rows(cases, "std", std_fn, Values::normal, false, true, false, false);
  axes_rows(cases, "logsumexp", logsumexp, Values::normal, false, true, false);
  cases.push_back(tie_row("max", max));
  cases.push_back(tie_row("min", min));
  arg_rows(cases, "argmax", argmax);
  arg_rows(cases, "argmin", argmin);

  cases.push_back({"var/correction0", {in({5, 7})},
                   [](const std::vector<Tensor>& x) { return var(x[0], {1}, false, 0.0); }});
  cases.push_back({"var/correction2_keepdim", {in({4, 6, 5}, Values::normal, true)},
                   [](const std::vector<Tensor>& x) { return var(x[0], {0, -1}, true, 2.0); }});
  cases.push_back({"var/one_element_correction0", {in({4, 1, 3})},
                   [](const std::vector<Tensor>& x) { return var(x[0], {1}, false, 0.0); }});
  cases.push_back({"std/correction0", {in({5, 7})},
                   [](const std::vector<Tensor>& x) { return std(x[0], {0}, false, 0.0); }});
  cases.push_back({"std/correction1_several", {in({3, 4, 5})},
                   [](const std::vector<Tensor>& x) { return std(x[0], {-1, 0}, false, 1.0); }});
  // Bool inputs: sum counts (as i64), max is "any", argmax finds the first true.
  cases.push_back({"sum/bool_count", {in({5, 7}, Values::boolean)},
                   [](const std::vector<Tensor>& x) { return sum(x[0], {1}, false); }, {DType::i64}, false});
  cases.push_back({"max/bool_any", {in({5, 7}, Values::boolean, true)},
                   [](const std::vector<Tensor>& x) { return max(x[0], {0}, false); }, {DType::i64}, false});
  cases.push_back({"argmax/bool_first_true", {in({5, 7}, Values::boolean)},
                   [](const std::vector<Tensor>& x) { return argmax(x[0], 1, false); }, {DType::i64}, false});
  // Large logits: exp() alone would overflow f32; the max shift must keep this finite.
  cases.push_back({"logsumexp/large_values", {in({6, 9})},
                   [](const std::vector<Tensor>& x) { return logsumexp(x[0] * 100.0, {1}, false); },
                   {DType::f32, DType::f64}});
}

}  // namespace silica::conformance
