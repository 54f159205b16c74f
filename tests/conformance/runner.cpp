// Runs the case table on a device; see conformance.h.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <sstream>

#include "conformance/conformance.h"

namespace silica::conformance {

const std::vector<Case>& all_cases() {
  static const std::vector<Case> cases = [] {
    std::vector<Case> c;
    add_elementwise_cases(c);
    add_reduce_cases(c);
    add_linalg_cases(c);
    add_nn_cases(c);
    add_index_cases(c);
    add_view_cases(c);
    add_optim_cases(c);
    return c;
  }();
  return cases;
}

namespace {

struct Tolerance {
  double rtol, atol;
};

// Errors allowed against the float64 reference computed on the same (rounded) inputs.
Tolerance tolerance(DType dtype) {
  switch (dtype) {
    case DType::f64: return {1e-9, 1e-10};
    case DType::f32: return {1e-4, 1e-5};
    case DType::f16: return {1e-2, 2e-3};
    case DType::bf16: return {4e-2, 1e-2};
    default: return {0.0, 0.0};  // integers and bool: exact
  }
}

uint64_t hash_name(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

std::vector<double> make_values(const Input& in, std::mt19937_64& rng) {
  int64_t n = 1;
  for (int64_t d : in.shape) n *= d;
  std::vector<double> v(static_cast<size_t>(n));
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  for (auto& x : v) {
    switch (in.values) {
      case Values::normal: x = normal(rng); break;
      case Values::positive: x = 0.5 + 1.5 * uni(rng); break;
      case Values::unit: x = 0.05 + 0.9 * uni(rng); break;
      case Values::away: x = (0.5 + 1.5 * uni(rng)) * (uni(rng) < 0.5 ? -1 : 1); break;
      case Values::index: x = std::floor(uni(rng) * static_cast<double>(in.high)); break;
      case Values::boolean: x = uni(rng) < 0.5 ? 0 : 1; break;
      case Values::integer:
        x = std::floor(uni(rng) * 2.0 * static_cast<double>(in.high)) - static_cast<double>(in.high);
        break;
    }
  }
  return v;
}

bool is_float_input(const Input& in) {
  return in.values != Values::index && in.values != Values::boolean && in.values != Values::integer;
}

DType input_dtype(const Input& in, DType case_dtype) {
  if (in.dtype) return *in.dtype;
  switch (in.values) {
    case Values::index: return DType::i64;
    case Values::boolean: return DType::boolean;
    default: return case_dtype;
  }
}

// A tensor with these logical values on `device`, non-contiguous when asked.
Tensor materialize(const std::vector<double>& values, const Input& in, DType dtype, const Device& device) {
  NoGradGuard no_grad;
  Tensor t = from_vector(values, in.shape, TensorOptions(DType::f64)).to(dtype).to(device);
  if (!in.strided) return t;
  if (t.dim() >= 2) return t.transpose(-1, -2).contiguous().transpose(-1, -2);
  // 1-D (or 0-D): every other element of a tensor twice as long.
  Tensor doubled = zeros({t.numel(), 2}, TensorOptions(dtype).with_device(device));
  doubled.select(1, 0).copy_(t.reshape({t.numel()}));
  return doubled.select(1, 0).reshape(in.shape);
}

struct Compared {
  bool ok = true;
  std::string what;
};

Compared compare(const Tensor& got, const Tensor& want, DType dtype, double scale, const std::string& label) {
  Compared r;
  if (got.shape() != want.shape()) {
    r.ok = false;
    r.what = label + ": shape " + shape_str(got.shape()) + ", expected " + shape_str(want.shape());
    return r;
  }
  std::vector<double> g = got.to_vector<double>(), w = want.to_vector<double>();
  Tolerance tol = is_floating(got.dtype()) ? tolerance(dtype) : Tolerance{0, 0};
  double max_abs = 1.0;
  for (double x : w)
    if (std::isfinite(x)) max_abs = std::max(max_abs, std::fabs(x));
  for (size_t i = 0; i < g.size(); ++i) {
    bool good;
    if (std::isnan(w[i])) good = std::isnan(g[i]);
    else if (std::isinf(w[i])) good = g[i] == w[i];
    else good = std::fabs(g[i] - w[i]) <= scale * (tol.atol * max_abs + tol.rtol * std::fabs(w[i]));
    if (!good) {
      std::ostringstream os;
      os << label << ": element " << i << " is " << g[i] << ", expected " << w[i];
      r.ok = false;
      r.what = os.str();
      return r;
    }
  }
  return r;
}

struct Prepared {
  std::vector<Tensor> test, ref;
  std::vector<bool> differentiable;
};

Prepared prepare(const Case& c, DType dtype, const Device& device, std::mt19937_64& rng, bool with_grad) {
  Prepared p;
  for (const Input& in : c.inputs) {
    std::vector<double> values = make_values(in, rng);
    DType dt = input_dtype(in, dtype);
    Tensor test = materialize(values, in, dt, device);
    // The reference sees the values exactly as rounded to the tested dtype.
    Tensor ref;
    {
      NoGradGuard no_grad;
      ref = is_floating(dt) ? test.to(Device()).to(DType::f64).contiguous().clone()
                            : test.to(Device()).contiguous().clone();
    }
    bool diff = with_grad && is_float_input(in) && is_floating(dt) && !in.dtype;
    if (diff) {
      test = test.detach().requires_grad_();
      ref.requires_grad_();
    }
    p.test.push_back(test);
    p.ref.push_back(ref);
    p.differentiable.push_back(diff);
  }
  return p;
}

std::string case_label(const Case& c, DType dtype, const Device& device) {
  return c.name + " [" + dtype_name(dtype) + ", " + device.str() + "]";
}

// Forward (and gradients against the CPU float64 reference) for one dtype.
Compared check_dtype(const Case& c, DType dtype, const Device& device, bool grads) {
  std::mt19937_64 rng(hash_name(c.name) ^ static_cast<uint64_t>(dtype));
  Prepared p = prepare(c, dtype, device, rng, grads);
  Tensor got = c.run(p.test);
  Tensor want = c.run(p.ref);
  Compared r = compare(got, want, dtype, c.tolerance_scale, "output");
  if (!r.ok) return r;
  bool any_grad = got.requires_grad() && want.requires_grad();
  if (!grads || !any_grad) return r;
  std::vector<double> w_values = make_values(Input{want.shape()}, rng);
  Tensor w_ref = from_vector(w_values, want.shape(), TensorOptions(DType::f64));
  Tensor w_test = w_ref.to(got.dtype()).to(device);
  sum(got * w_test).backward();
  sum(want * w_ref).backward();
  for (size_t i = 0; i < p.test.size(); ++i) {
    if (!p.differentiable[i]) continue;
    Tensor gg = p.test[i].grad(), gw = p.ref[i].grad();
    if (!gg.defined() && !gw.defined()) continue;
    if (!gg.defined() || !gw.defined()) {
      return {false, "gradient of input " + std::to_string(i) + (gg.defined() ? " unexpected" : " missing")};
    }
    r = compare(gg, gw, dtype, 4.0 * c.tolerance_scale, "gradient of input " + std::to_string(i));
    if (!r.ok) return r;
  }
  return r;
}

// Central finite differences in float64 on the CPU against autograd.
Compared check_finite_differences(const Case& c) {
  std::mt19937_64 rng(hash_name(c.name) ^ 0x5eedull);
  Device cpu;
  Prepared p = prepare(c, DType::f64, cpu, rng, true);
  Tensor out = c.run(p.ref);
  if (!out.requires_grad()) return {};
  std::vector<double> w_values = make_values(Input{out.shape()}, rng);
  Tensor w = from_vector(w_values, out.shape(), TensorOptions(DType::f64));
  sum(out * w).backward();
  auto loss_at = [&](size_t input, int64_t element, double delta) {
    NoGradGuard no_grad;
    std::vector<Tensor> xs;
    for (size_t k = 0; k < p.ref.size(); ++k) {
      Tensor x = p.ref[k].detach().clone();
      if (k == input) {
        std::vector<double> v = x.to_vector<double>();
        v[static_cast<size_t>(element)] += delta;
        x = from_vector(v, x.shape(), TensorOptions(x.dtype()));
      }
      xs.push_back(x);
    }
    return sum(c.run(xs) * w).item();
  };
  const double eps = 1e-6;
  for (size_t i = 0; i < p.ref.size(); ++i) {
    if (!p.differentiable[i]) continue;
    Tensor analytic_t = p.ref[i].grad();
    int64_t n = p.ref[i].numel();
    std::vector<double> analytic = analytic_t.defined() ? analytic_t.to_vector<double>() : std::vector<double>(n, 0.0);
    // Check every element of small inputs, an even sample of large ones.
    int64_t step = std::max<int64_t>(1, n / 48);
    for (int64_t e = 0; e < n; e += step) {
      double numeric = (loss_at(i, e, eps) - loss_at(i, e, -eps)) / (2 * eps);
      double a = analytic[static_cast<size_t>(e)];
      if (!(std::fabs(a - numeric) <= 1e-5 + 1e-4 * std::fabs(numeric) * c.tolerance_scale)) {
        std::ostringstream os;
        os << "finite differences: d/d input " << i << "[" << e << "] is " << a << " by autograd, " << numeric
           << " numerically";
        return {false, os.str()};
      }
    }
  }
  return {};
}

}  // namespace

Summary run(const Device& device, const Options& options) {
  Summary s;
  auto record = [&](const std::string& label, const Compared& r) {
    if (r.ok) {
      ++s.passed;
      if (options.verbose) std::printf("ok   %s\n", label.c_str());
    } else {
      ++s.failed;
      s.failures.push_back(label + ": " + r.what);
      std::printf("FAIL %s: %s\n", label.c_str(), r.what.c_str());
    }
  };
  for (const Case& c : all_cases()) {
    if (!options.filter.empty() && c.name.find(options.filter) == std::string::npos) continue;
    for (DType dtype : c.dtypes) {
      if (!device.supports_dtype(dtype)) continue;
      std::string label = case_label(c, dtype, device);
      try {
        record(label, check_dtype(c, dtype, device, options.check_grads && c.grad));
      } catch (const std::exception& e) {
        // The case itself needs a dtype outside the device's dtype mask (make_tensor's
        // "cannot hold" error): the row cannot run there, which is no kernel's fault.
        if (!device.is_cpu() && std::string(e.what()).find(" cannot hold ") != std::string::npos) {
          ++s.skipped;
          std::printf("skip %s: %s\n", label.c_str(), e.what());
          continue;
        }
        record(label, {false, std::string("threw: ") + e.what()});
      }
    }
    if (c.grad && options.check_grads && device.is_cpu()) {
      std::string label = c.name + " [finite differences, f64, cpu]";
      try {
        record(label, check_finite_differences(c));
      } catch (const std::exception& e) {
        record(label, {false, std::string("threw: ") + e.what()});
      }
    }
  }
  return s;
}

}  // namespace silica::conformance
