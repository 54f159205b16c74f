// Neural-network rows of the conformance table: softmax, log_softmax, cross_entropy,
// layer_norm and batch_norm.
#include "conformance/conformance.h"

namespace silica::conformance {

namespace {

const std::vector<DType> kFloat = {DType::f32, DType::f64, DType::f16, DType::bf16};
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

// A floating input whose dtype stays `dtype` whatever the case's dtype (not differentiated).
Input fixed(Shape shape, Values values, DType dtype) {
  Input i = in(std::move(shape), values);
  i.dtype = dtype;
  return i;
}

Input classes(Shape shape, int64_t count, bool strided = false) {
  return in(std::move(shape), Values::index, strided, count);
}

Tensor i64_scalar(int64_t v, const Tensor& like) {
  return scalar(static_cast<double>(v), TensorOptions(DType::i64).with_device(like.device()));
}

// Targets below `below` replaced by `ignore`, so some rows are ignored.
Tensor ignore_some(const Tensor& target, int64_t below, int64_t ignore) {
  return where(lt(target, i64_scalar(below, target)), full_like(target, static_cast<double>(ignore)), target);
}

using AxisFn = Tensor (*)(const Tensor&, int64_t);

void softmax_rows(std::vector<Case>& cases, const std::string& name, AxisFn fn) {
  auto along = [fn](int64_t axis) { return [fn, axis](const std::vector<Tensor>& x) { return fn(x[0], axis); }; };
  cases.push_back({name + "/last", {in({7, 13})}, along(-1)});
  cases.push_back({name + "/first", {in({5, 6, 7})}, along(0)});
  cases.push_back({name + "/middle", {in({5, 6, 7})}, along(1)});
  cases.push_back({name + "/middle_negative", {in({3, 4, 5, 2})}, along(-3)});
  cases.push_back({name + "/strided_last", {in({6, 7}, Values::normal, true)}, along(1)});
  cases.push_back({name + "/strided_first", {in({6, 7}, Values::normal, true)}, along(0)});
  cases.push_back({name + "/strided_3d", {in({3, 5, 4}, Values::normal, true)}, along(1)});
  cases.push_back({name + "/1d", {in({11})}, along(0)});
  cases.push_back({name + "/size1_axis", {in({4, 1, 3})}, along(1)});
  cases.push_back({name + "/scalar", {in({})}, along(0)});
  cases.push_back({name + "/empty", {in({0, 5})}, along(1), kFloat, false});
  // Inner size above the kernel's column block (64) and an odd remainder.
  cases.push_back({name + "/wide_inner", {in({2, 5, 70})}, along(1), kFloat, false});
  cases.push_back({name + "/large_rows", {in({64, 1000})}, along(1), kF32, false});
  cases.push_back({name + "/large_inner", {in({8, 100, 300})}, along(1), kF32, false});
  // Logits near +-300: exp() would overflow f32 without the max shift. Half types are left
  // out because rounding x*100 there moves the logits by whole units, which any
  // implementation would amplify through exp.
  cases.push_back({name + "/large_values", {in({6, 9})},
                   [fn](const std::vector<Tensor>& x) { return fn(x[0] * 100.0, 1); }, {DType::f32, DType::f64}});
}

void cross_entropy_rows(std::vector<Case>& cases) {
  using V = const std::vector<Tensor>&;
  cases.push_back({"cross_entropy/basic", {in({7, 10}), classes({7}, 10)},
                   [](V x) { return cross_entropy(x[0], x[1]); }});
  cases.push_back({"cross_entropy/smoothing", {in({7, 10}), classes({7}, 10)},
                   [](V x) { return cross_entropy(x[0], x[1], 0.1); }});
  cases.push_back({"cross_entropy/full_smoothing", {in({5, 3}), classes({5}, 3)},
                   [](V x) { return cross_entropy(x[0], x[1], 1.0); }});
  // Targets 0..2 become the default ignore_index -100: about 3 rows in 10 are ignored.
  cases.push_back({"cross_entropy/ignored", {in({16, 10}), classes({16}, 10)},
                   [](V x) { return cross_entropy(x[0], ignore_some(x[1], 3, -100)); }});
  cases.push_back({"cross_entropy/ignored_smoothing", {in({16, 10}), classes({16}, 10)},
                   [](V x) { return cross_entropy(x[0], ignore_some(x[1], 3, -100), 0.2); }});
  // An ignore_index that is also a valid class.
  cases.push_back({"cross_entropy/ignore_index_in_range", {in({16, 5}), classes({16}, 5)},
                   [](V x) { return cross_entropy(x[0], x[1], 0.0, 2); }});
  cases.push_back({"cross_entropy/strided", {in({9, 6}, Values::normal, true), classes({9}, 6, true)},
                   [](V x) { return cross_entropy(x[0], x[1], 0.05); }});
  cases.push_back({"cross_entropy/one_class", {in({4, 1}), classes({4}, 1)},
                   [](V x) { return cross_entropy(x[0], x[1]); }});
  cases.push_back({"cross_entropy/single_sample", {in({10}), classes({}, 10)},
                   [](V x) { return cross_entropy(x[0], x[1]); }});
  // (N, C, d1) and (N, C, d1, d2): the class axis moves last, the rest joins the batch.
  cases.push_back({"cross_entropy/spatial_1d", {in({3, 5, 4}), classes({3, 4}, 5)},
                   [](V x) { return cross_entropy(x[0], x[1]); }});
  cases.push_back({"cross_entropy/spatial_2d", {in({2, 4, 3, 3}), classes({2, 3, 3}, 4)},
                   [](V x) { return cross_entropy(x[0], ignore_some(x[1], 1, -100), 0.1); }});
  // Every target ignored: 0/0, NaN as in PyTorch (finite differences of NaN mean nothing).
  cases.push_back({"cross_entropy/all_ignored", {in({4, 6}), classes({4}, 6)},
                   [](V x) { return cross_entropy(x[0], x[1] * 0 - 100); }, kFloat, false});
  cases.push_back({"cross_entropy/empty", {in({0, 10}), classes({0}, 10)},
                   [](V x) { return cross_entropy(x[0], x[1]); }, kFloat, false});
  cases.push_back({"cross_entropy/large_logits", {in({6, 8}), classes({6}, 8)},
                   [](V x) { return cross_entropy(x[0] * 100.0, x[1], 0.1); }, {DType::f32, DType::f64}});
  cases.push_back({"cross_entropy/large", {in({256, 1000}), classes({256}, 1000)},
                   [](V x) { return cross_entropy(x[0], ignore_some(x[1], 100, -100), 0.1); }, kF32, false});
}

void layer_norm_rows(std::vector<Case>& cases) {
  using V = const std::vector<Tensor>&;
  cases.push_back({"layer_norm/last", {in({4, 5, 6})}, [](V x) { return layer_norm(x[0], {6}); }});
  cases.push_back({"layer_norm/two_dims_affine", {in({3, 5, 6}), in({5, 6}), in({5, 6})},
                   [](V x) { return layer_norm(x[0], {5, 6}, x[1], x[2]); }});
  cases.push_back({"layer_norm/odd_affine", {in({7, 13}), in({13}), in({13})},
                   [](V x) { return layer_norm(x[0], {13}, x[1], x[2]); }});
  cases.push_back({"layer_norm/weight_only", {in({6, 9}), in({9})},
                   [](V x) { return layer_norm(x[0], {9}, x[1]); }});
  cases.push_back({"layer_norm/strided", {in({6, 7}, Values::normal, true), in({7}, Values::normal, true),
                                          in({7}, Values::normal, true)},
                   [](V x) { return layer_norm(x[0], {7}, x[1], x[2], 1e-3); }});
  cases.push_back({"layer_norm/whole_tensor", {in({4, 5})}, [](V x) { return layer_norm(x[0], {4, 5}); }});
  cases.push_back({"layer_norm/1d", {in({9})}, [](V x) { return layer_norm(x[0], {9}); }});
  cases.push_back({"layer_norm/empty", {in({0, 5})}, [](V x) { return layer_norm(x[0], {5}); }, kFloat, false});
  cases.push_back({"layer_norm/large", {in({64, 1024}), in({1024}), in({1024})},
                   [](V x) { return layer_norm(x[0], {1024}, x[1], x[2]); }, kF32, false});
}

Tensor stats(int64_t channels, double value, const Tensor& like) {
  return full({channels}, value, TensorOptions(DType::f32).with_device(like.device()));
}

void batch_norm_rows(std::vector<Case>& cases) {
  using V = const std::vector<Tensor>&;
  // Training: batch statistics; running stats made here (they change in place).
  cases.push_back({"batch_norm/train_2d", {in({8, 3}), in({3}), in({3})},
                   [](V x) { return batch_norm(x[0], stats(3, 0, x[0]), stats(3, 1, x[0]), x[1], x[2], true); }});
  cases.push_back({"batch_norm/train_4d", {in({4, 3, 5, 5}), in({3}), in({3})},
                   [](V x) { return batch_norm(x[0], stats(3, 0, x[0]), stats(3, 1, x[0]), x[1], x[2], true); }});
  cases.push_back({"batch_norm/train_3d_no_affine_no_stats", {in({6, 4, 3})},
                   [](V x) { return batch_norm(x[0], Tensor(), Tensor(), Tensor(), Tensor(), true); }});
  cases.push_back({"batch_norm/train_strided", {in({6, 5}, Values::normal, true), in({5}), in({5})},
                   [](V x) { return batch_norm(x[0], Tensor(), Tensor(), x[1], x[2], true, 0.1, 1e-3); }});
  // The running statistics after one update: (1 - m) * old + m * batch, unbiased variance.
  cases.push_back({"batch_norm/running_mean_update", {in({5, 3, 2, 2})},
                   [](V x) {
                     Tensor rm = stats(3, 0.5, x[0]), rv = stats(3, 2.0, x[0]);
                     batch_norm(x[0], rm, rv, Tensor(), Tensor(), true, 0.3);
                     return rm;
                   }, kFloat, false});
  cases.push_back({"batch_norm/running_var_update", {in({5, 3, 2, 2})},
                   [](V x) {
                     Tensor rm = stats(3, 0.5, x[0]), rv = stats(3, 2.0, x[0]);
                     batch_norm(x[0], rm, rv, Tensor(), Tensor(), true, 0.3);
                     return rv;
                   }, kFloat, false});
  // Eval: the given running statistics (f32 whatever x's dtype, as PyTorch keeps them).
  cases.push_back({"batch_norm/eval_2d",
                   {in({6, 3}), fixed({3}, Values::normal, DType::f32), fixed({3}, Values::positive, DType::f32),
                    in({3}), in({3})},
                   [](V x) { return batch_norm(x[0], x[1], x[2], x[3], x[4], false); }});
  cases.push_back({"batch_norm/eval_4d",
                   {in({2, 3, 4, 5}, Values::normal, true), fixed({3}, Values::normal, DType::f32),
                    fixed({3}, Values::positive, DType::f32), in({3}), in({3})},
                   [](V x) { return batch_norm(x[0], x[1], x[2], x[3], x[4], false); }});
  cases.push_back({"batch_norm/eval_no_affine",
                   {in({5, 4}), fixed({4}, Values::normal, DType::f32), fixed({4}, Values::positive, DType::f32)},
                   [](V x) { return batch_norm(x[0], x[1], x[2], Tensor(), Tensor(), false); }});
  cases.push_back({"batch_norm/empty_eval",
                   {in({0, 3}), fixed({3}, Values::normal, DType::f32), fixed({3}, Values::positive, DType::f32)},
                   [](V x) { return batch_norm(x[0], x[1], x[2], Tensor(), Tensor(), false); }, kFloat, false});
  cases.push_back({"batch_norm/large", {in({32, 16, 16, 16}), in({16}), in({16})},
                   [](V x) { return batch_norm(x[0], stats(16, 0, x[0]), stats(16, 1, x[0]), x[1], x[2], true); },
                   kF32, false});
}

}  // namespace

void add_nn_cases(std::vector<Case>& cases) {
  softmax_rows(cases, "softmax", softmax);
  softmax_rows(cases, "log_softmax", log_softmax);
  cross_entropy_rows(cases);
  layer_norm_rows(cases);
  batch_norm_rows(cases);
}

}  // namespace silica::conformance
