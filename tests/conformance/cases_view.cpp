// Rows of the conformance table for views (each followed by an op, so the gradient has to
// find its way back through the view), creation functions, random draws and dropout.
//
// Creation and random rows take one dummy input only to learn the device and dtype under
// test. Random rows reseed the default generator inside run(), so the device and the CPU
// reference draw from the same counters: the rows check the mapping from Philox words to
// values (to the tested dtype's precision), not just the shapes.
#include "conformance/conformance.h"

namespace silica::conformance {

namespace {

const std::vector<DType> kFloat = {DType::f32, DType::f64, DType::f16, DType::bf16};
const std::vector<DType> kInt = {DType::i32, DType::i64};

using Run = std::function<Tensor(const std::vector<Tensor>&)>;

Input in(Shape shape, Values values = Values::normal, bool strided = false) {
  Input i;
  i.shape = std::move(shape);
  i.values = values;
  i.strided = strided;
  i.high = 20;
  return i;
}
Input strided(Shape shape) { return in(std::move(shape), Values::normal, true); }

void add(std::vector<Case>& cases, std::string name, std::vector<Input> inputs, Run run,
         std::vector<DType> dtypes = kFloat, bool grad = true) {
  Case c;
  c.name = std::move(name);
  c.inputs = std::move(inputs);
  c.run = std::move(run);
  c.dtypes = std::move(dtypes);
  c.grad = grad;
  cases.push_back(std::move(c));
}

/// A view row: f(x) followed by a multiply, so the output is a fresh tensor with a gradient.
void view(std::vector<Case>& cases, const std::string& name, Input input,
          std::function<Tensor(const Tensor&)> f) {
  add(cases, name, {std::move(input)}, [f](const std::vector<Tensor>& x) { return f(x[0]) * 3.0; });
}

/// Options of the dummy input: the device and dtype under test.
TensorOptions like(const Tensor& t) { return TensorOptions(t.dtype()).with_device(t.device()); }

void view_cases(std::vector<Case>& cases) {
  view(cases, "reshape/contiguous", in({4, 6}), [](const Tensor& x) { return x.reshape({3, 8}); });
  view(cases, "reshape/strided_copies", strided({4, 6}), [](const Tensor& x) { return x.reshape({24}); });
  view(cases, "reshape/infer", in({2, 3, 4}), [](const Tensor& x) { return x.reshape({-1, 4}); });
  view(cases, "reshape/scalar", in({}), [](const Tensor& x) { return x.reshape({1, 1}); });
  view(cases, "view/split_axis", in({6, 5}), [](const Tensor& x) { return x.view({2, 3, 5}); });
  view(cases, "permute/3d", in({2, 3, 4}), [](const Tensor& x) { return x.permute({2, 0, 1}); });
  view(cases, "transpose/strided", strided({5, 6}), [](const Tensor& x) { return x.transpose(0, 1); });
  view(cases, "transpose/mT", in({2, 3, 4}), [](const Tensor& x) { return x.mT(); });
  view(cases, "narrow/middle_axis", in({3, 8, 2}), [](const Tensor& x) { return x.narrow(1, 2, 5); });
  view(cases, "slice/step", in({5, 11}), [](const Tensor& x) { return x.slice(1, 1, 10, 3); });
  view(cases, "slice/negative_bounds", strided({9, 4}),
       [](const Tensor& x) { return x.slice(0, -7, -1, 2); });
  view(cases, "select/negative_index", in({4, 5, 3}), [](const Tensor& x) { return x.select(1, -2); });
  view(cases, "expand/broadcast", in({3, 1}), [](const Tensor& x) { return x.expand({2, 3, 5}); });
  view(cases, "squeeze/all", in({1, 4, 1, 3}), [](const Tensor& x) { return x.squeeze(); });
  view(cases, "squeeze/axis", in({4, 1, 3}), [](const Tensor& x) { return x.squeeze(1); });
  view(cases, "unsqueeze/middle", strided({4, 3}), [](const Tensor& x) { return x.unsqueeze(1); });
  view(cases, "flatten/range", in({2, 3, 4, 5}), [](const Tensor& x) { return x.flatten(1, 2); });
  view(cases, "contiguous/strided", strided({5, 7}), [](const Tensor& x) { return x.contiguous(); });
  view(cases, "clone/strided", strided({6, 5}), [](const Tensor& x) { return x.clone(); });
  view(cases, "views/chain", in({4, 6, 5}),
       [](const Tensor& x) { return x.transpose(0, 2).narrow(1, 1, 4).slice(0, 0, 5, 2).reshape({-1}); });
  view(cases, "views/empty", in({0, 4}), [](const Tensor& x) { return x.transpose(0, 1).reshape({4, 0}); });
  Run permute_int = [](const std::vector<Tensor>& x) { return x[0].permute({1, 2, 0}).contiguous(); };
  Run slice_int = [](const std::vector<Tensor>& x) { return x[0].slice(1, 1, 6, 2).clone(); };
  add(cases, "permute/int", {in({3, 4, 2}, Values::integer)}, permute_int, kInt, false);
  add(cases, "slice/int", {in({7, 6}, Values::integer, true)}, slice_int, kInt, false);
}

// Creation and random rows: the output comes from make(options of the device and dtype
// under test). Named functions rather than lambdas keep the tables below one line a row.
using Make = Tensor (*)(const TensorOptions&);
struct Maker {
  const char* name;
  Make make;
};

void made(std::vector<Case>& cases, const std::string& name, Make make, const std::vector<DType>& dtypes,
          bool reseed) {
  Run run = [make, reseed](const std::vector<Tensor>& x) {
    if (reseed) manual_seed(20240611);
    return make(like(x[0]));
  };
  add(cases, name, {in({1}, dtypes == kInt ? Values::integer : Values::normal)}, run, dtypes, false);
}

Tensor make_zeros(const TensorOptions& o) { return zeros({3, 5}, o); }
Tensor make_ones(const TensorOptions& o) { return ones({4, 1, 3}, o); }
Tensor make_full(const TensorOptions& o) { return full({2, 7}, -3.0, o); }
Tensor make_full_empty(const TensorOptions& o) { return full({0, 3}, 2.0, o); }
Tensor make_eye(const TensorOptions& o) { return eye(4, 6, o); }
Tensor make_arange(const TensorOptions& o) { return arange(-3.0, 17.0, 2.0, o); }
Tensor make_arange_fraction(const TensorOptions& o) { return arange(-2.5, 7.0, 0.75, o); }
Tensor make_linspace(const TensorOptions& o) { return linspace(-1.0, 2.0, 13, o); }
Tensor make_linspace_one(const TensorOptions& o) { return linspace(4.0, 9.0, 1, o); }

void creation_cases(std::vector<Case>& cases) {
  const Maker both[] = {{"zeros", make_zeros},
                        {"ones", make_ones},
                        {"full", make_full},
                        {"eye", make_eye},
                        {"arange", make_arange}};
  for (const Maker& m : both) {
    made(cases, std::string(m.name) + "/float", m.make, kFloat, false);
    made(cases, std::string(m.name) + "/int", m.make, kInt, false);
  }
  made(cases, "full/empty", make_full_empty, kFloat, false);
  made(cases, "arange/fractional_step", make_arange_fraction, kFloat, false);
  made(cases, "linspace/odd", make_linspace, kFloat, false);
  made(cases, "linspace/one_step", make_linspace_one, kFloat, false);
}

Tensor draw_rand(const TensorOptions& o) { return rand({37, 5}, o); }
Tensor draw_rand_range(const TensorOptions& o) { return rand({9, 11}, o, nullptr, -2.0, 3.0); }
Tensor draw_randn(const TensorOptions& o) { return randn({41, 3}, o, nullptr, 0.5, 2.0); }
Tensor draw_randn_twice(const TensorOptions& o) {
  randn({5}, o);  // advances the counter: the second draw must match too
  return randn({4, 4}, o);
}
Tensor draw_bernoulli(const TensorOptions& o) { return bernoulli({6, 7}, 0.3, o); }
Tensor draw_randint(const TensorOptions& o) { return randint(-5, 17, {9, 7}, o); }
Tensor draw_randperm(const TensorOptions& o) { return randperm(17, o); }

void random_cases(std::vector<Case>& cases) {
  made(cases, "rand/unit", draw_rand, kFloat, true);
  // f16/bf16 are left out: in a range wider than 1 their rounding can reach `high`, which the
  // kernel maps back to `low`, so they legitimately differ from the f64 reference there.
  made(cases, "rand/range", draw_rand_range, {DType::f32, DType::f64}, true);
  made(cases, "randn/mean_std", draw_randn, kFloat, true);
  made(cases, "randn/after_offset", draw_randn_twice, kFloat, true);
  made(cases, "bernoulli/shape", draw_bernoulli, kFloat, true);
  made(cases, "randint/range", draw_randint, kInt, true);
  made(cases, "randperm/17", draw_randperm, kInt, true);
  Run bernoulli_p = [](const std::vector<Tensor>& x) {
    manual_seed(99);
    return bernoulli(x[0]);
  };
  add(cases, "bernoulli/p_tensor", {in({5, 8}, Values::unit, true)}, bernoulli_p, kFloat, false);

  // Dropout: the seed is set inside run(), so the finite-difference runs see the same mask.
  add(cases, "dropout/train", {in({9, 13})}, [](const std::vector<Tensor>& x) {
    manual_seed(11);
    return dropout(x[0], 0.3, true);
  });
  add(cases, "dropout/strided", {strided({6, 7})}, [](const std::vector<Tensor>& x) {
    manual_seed(12);
    return dropout(x[0], 0.6, true);
  });
  add(cases, "dropout/eval", {in({4, 5})},
      [](const std::vector<Tensor>& x) { return dropout(x[0], 0.5, false) * 2.0; });
  add(cases, "dropout/p_zero", {in({4, 5})},
      [](const std::vector<Tensor>& x) { return dropout(x[0], 0.0, true) * 2.0; });
}

}  // namespace

void add_view_cases(std::vector<Case>& cases) {
  view_cases(cases);
  creation_cases(cases);
  random_cases(cases);
}

}  // namespace silica::conformance
