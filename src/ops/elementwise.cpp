// Elementwise ops: unary, binary with broadcasting, where, clamp, cast.
#include "ops/op_helpers.h"

namespace silica {

using detail::Attrs;
using detail::run_op;
using ops::new_tensor;

namespace {

bool float_only(SilicaOp op) {
  return op != SILICA_OP_NEG && op != SILICA_OP_ABS && op != SILICA_OP_SIGN && op != SILICA_OP_RELU;
}

// Unary ops: integer inputs of float-only ops are promoted to f32 (as PyTorch does);
// the derivative is the device's UNARY_GRAD kernel for the same op.
Tensor unary(const char* name, SilicaOp op, const Tensor& x_in, Attrs attrs = Attrs()) {
  Tensor x = x_in;
  if (x.dtype() == DType::boolean) throw Error(std::string("[") + name + "] is not defined for bool tensors");
  if (float_only(op) && !is_floating(x.dtype())) x = x.to(DType::f32);
  Tensor y = new_tensor(x.shape(), x.dtype(), x.device());
  run_op(name, op, {x}, {y}, attrs);
  // relu'(x) = relu'(relu(x)) (both are 1 exactly where x > 0), so the node keeps the
  // output rather than the input: the input (a conv or linear result) can then be freed
  // right after the forward instead of living until the backward. Detached: a node must
  // not own its own output.
  Tensor saved = op == SILICA_OP_RELU ? y.detach() : x;
  autograd::record(name, y, {x}, [x = saved, op, attrs](const Tensor& g, const std::vector<bool>&) {
    Attrs grad_attrs;
    grad_attrs.i(op);
    for (int i = 0; i < attrs.raw.num_ints; ++i) grad_attrs.i(attrs.raw.ints[i]);
    for (int i = 0; i < attrs.raw.num_floats; ++i) grad_attrs.f(attrs.raw.floats[i]);
    Tensor dx = new_tensor(x.shape(), x.dtype(), x.device());
    Tensor gc = g.to(x.dtype());
    run_op("unary_grad", SILICA_OP_UNARY_GRAD, {x, gc}, {dx}, grad_attrs);
    return std::vector<Tensor>{dx};
  });
  return y;
}

// Result dtype of a binary op: 0-d operands do not widen a same-category tensor operand
// (so x_f16 * scalar_f32 stays f16), as in PyTorch.
DType result_dtype(const Tensor& a, const Tensor& b) {
  bool a0 = a.dim() == 0, b0 = b.dim() == 0;
  if (a0 != b0) {
    const Tensor& t = a0 ? b : a;
    const Tensor& s = a0 ? a : b;
    if (is_floating(t.dtype()) || !is_floating(s.dtype())) {
      if (t.dtype() == DType::boolean && s.dtype() != DType::boolean) return s.dtype();
      return t.dtype();
    }
  }
  return promote_types(a.dtype(), b.dtype());
}

bool is_comparison(SilicaOp op) { return op >= SILICA_OP_EQ && op <= SILICA_OP_GE; }

Tensor binary_raw(const char* name, SilicaOp op, const Tensor& a_in, const Tensor& b_in, DType dtype) {
  ops::require_same_device(a_in, b_in, name);
  Shape shape = ops::broadcast_shapes(a_in.shape(), b_in.shape(), name);
  NoGradGuard no_grad;  // conversions here belong to this op, recorded by the caller
  Tensor a = a_in.to(dtype).expand(shape);
  Tensor b = b_in.to(dtype).expand(shape);
  Tensor y = new_tensor(shape, is_comparison(op) ? DType::boolean : dtype, a_in.device());
  run_op(name, op, {a, b}, {y});
  return y;
}

Tensor binary(const char* name, SilicaOp op, const Tensor& a, const Tensor& b, autograd::BackwardFn fn) {
  DType dtype = result_dtype(a, b);
  if (dtype == DType::boolean && !is_comparison(op)) dtype = DType::u8;
  if ((op == SILICA_OP_DIV) && !is_floating(dtype)) dtype = DType::f32;  // true division
  Tensor y = binary_raw(name, op, a, b, dtype);
  if (fn) autograd::record(name, y, {a, b}, std::move(fn));
  return y;
}

}  // namespace

Tensor neg(const Tensor& x) { return unary("neg", SILICA_OP_NEG, x); }
Tensor abs(const Tensor& x) { return unary("abs", SILICA_OP_ABS, x); }
Tensor sign(const Tensor& x) { return unary("sign", SILICA_OP_SIGN, x); }
Tensor exp(const Tensor& x) { return unary("exp", SILICA_OP_EXP, x); }
Tensor log(const Tensor& x) { return unary("log", SILICA_OP_LOG, x); }
Tensor log1p(const Tensor& x) { return unary("log1p", SILICA_OP_LOG1P, x); }
Tensor sqrt(const Tensor& x) { return unary("sqrt", SILICA_OP_SQRT, x); }
Tensor rsqrt(const Tensor& x) { return unary("rsqrt", SILICA_OP_RSQRT, x); }
Tensor reciprocal(const Tensor& x) { return unary("reciprocal", SILICA_OP_RECIPROCAL, x); }
Tensor sin(const Tensor& x) { return unary("sin", SILICA_OP_SIN, x); }
Tensor cos(const Tensor& x) { return unary("cos", SILICA_OP_COS, x); }
Tensor tanh(const Tensor& x) { return unary("tanh", SILICA_OP_TANH, x); }
Tensor sigmoid(const Tensor& x) { return unary("sigmoid", SILICA_OP_SIGMOID, x); }
Tensor relu(const Tensor& x) { return unary("relu", SILICA_OP_RELU, x); }
Tensor gelu(const Tensor& x, bool tanh_approximation) {
  return unary("gelu", SILICA_OP_GELU, x, Attrs().i(tanh_approximation ? 1 : 0));
}
Tensor silu(const Tensor& x) { return unary("silu", SILICA_OP_SILU, x); }
Tensor softplus(const Tensor& x, double beta, double threshold) {
  if (beta == 0) throw Error("[softplus] beta must not be 0");
  return unary("softplus", SILICA_OP_SOFTPLUS, x, Attrs().f(beta).f(threshold));
}

Tensor sum_to(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  int64_t lead = x.dim() - static_cast<int64_t>(shape.size());
  if (lead < 0) throw Error("[sum_to] cannot reduce " + shape_str(x.shape()) + " to " + shape_str(shape));
  std::vector<int64_t> axes;
  for (int64_t i = 0; i < x.dim(); ++i)
    if (i < lead || (shape[i - lead] == 1 && x.shape()[i] != 1)) axes.push_back(i);
  Tensor s = axes.empty() ? x : sum(x, axes, true);
  return s.reshape(shape);
}

Tensor add(const Tensor& a, const Tensor& b) {
  Shape sa = a.shape(), sb = b.shape();
  return binary("add", SILICA_OP_ADD, a, b, [sa, sb](const Tensor& g, const std::vector<bool>& needs) {
    return std::vector<Tensor>{needs[0] ? sum_to(g, sa) : Tensor(), needs[1] ? sum_to(g, sb) : Tensor()};
  });
}

Tensor sub(const Tensor& a, const Tensor& b) {
  Shape sa = a.shape(), sb = b.shape();
  return binary("sub", SILICA_OP_SUB, a, b, [sa, sb](const Tensor& g, const std::vector<bool>& needs) {
    return std::vector<Tensor>{needs[0] ? sum_to(g, sa) : Tensor(), needs[1] ? sum_to(neg(g), sb) : Tensor()};
  });
}

Tensor mul(const Tensor& a, const Tensor& b) {
  return binary("mul", SILICA_OP_MUL, a, b, [a, b](const Tensor& g, const std::vector<bool>& needs) {
    return std::vector<Tensor>{needs[0] ? sum_to(g * b, a.shape()) : Tensor(),
                               needs[1] ? sum_to(g * a, b.shape()) : Tensor()};
  });
}

Tensor div(const Tensor& a, const Tensor& b) {
  return binary("div", SILICA_OP_DIV, a, b, [a, b](const Tensor& g, const std::vector<bool>& needs) {
    return std::vector<Tensor>{needs[0] ? sum_to(g / b, a.shape()) : Tensor(),
                               needs[1] ? sum_to(neg(g) * a / (b * b), b.shape()) : Tensor()};
  });
}

Tensor pow(const Tensor& a, const Tensor& b) {
  return binary("pow", SILICA_OP_POW, a, b, [a, b](const Tensor& g, const std::vector<bool>& needs) {
    Tensor ga, gb;
    if (needs[0]) ga = sum_to(g * b * pow(a, b - 1.0), a.shape());
    if (needs[1]) {
      // d/db a^b = a^b log a, taken as 0 where a == 0 and b >= 0 (PyTorch's convention).
      Tensor y = pow(a, b);
      Tensor zero_base = ops::scalar_like(y, 0.0);
      Tensor term = where(eq(a, zero_base) * ge(b, ops::scalar_like(b, 0.0)), zero_base, y * log(a));
      gb = sum_to(g * term, b.shape());
    }
    return std::vector<Tensor>{ga, gb};
  });
}

Tensor pow(const Tensor& a, double exponent) {
  return pow(a, scalar(exponent, TensorOptions(is_floating(a.dtype()) ? a.dtype() : DType::f32)
                                      .with_device(a.device())));
}

namespace {
// maximum/minimum: the gradient goes to the chosen operand; ties split it evenly.
autograd::BackwardFn extremum_grad(const Tensor& a, const Tensor& b, bool is_max) {
  return [a, b, is_max](const Tensor& g, const std::vector<bool>& needs) {
    Tensor a_wins = is_max ? gt(a, b) : lt(a, b);
    Tensor tie = eq(a, b);
    Tensor wa = a_wins.to(g.dtype()) + tie.to(g.dtype()) * 0.5;
    Tensor wb = 1.0 - wa;
    return std::vector<Tensor>{needs[0] ? sum_to(g * wa, a.shape()) : Tensor(),
                               needs[1] ? sum_to(g * wb, b.shape()) : Tensor()};
  };
}
}  // namespace

Tensor maximum(const Tensor& a, const Tensor& b) {
  return binary("maximum", SILICA_OP_MAXIMUM, a, b, extremum_grad(a, b, true));
}
Tensor minimum(const Tensor& a, const Tensor& b) {
  return binary("minimum", SILICA_OP_MINIMUM, a, b, extremum_grad(a, b, false));
}
Tensor eq(const Tensor& a, const Tensor& b) { return binary("eq", SILICA_OP_EQ, a, b, nullptr); }
Tensor ne(const Tensor& a, const Tensor& b) { return binary("ne", SILICA_OP_NE, a, b, nullptr); }
Tensor lt(const Tensor& a, const Tensor& b) { return binary("lt", SILICA_OP_LT, a, b, nullptr); }
Tensor le(const Tensor& a, const Tensor& b) { return binary("le", SILICA_OP_LE, a, b, nullptr); }
Tensor gt(const Tensor& a, const Tensor& b) { return binary("gt", SILICA_OP_GT, a, b, nullptr); }
Tensor ge(const Tensor& a, const Tensor& b) { return binary("ge", SILICA_OP_GE, a, b, nullptr); }

Tensor where(const Tensor& cond_in, const Tensor& a_in, const Tensor& b_in) {
  ops::require_same_device(cond_in, a_in, "where");
  ops::require_same_device(a_in, b_in, "where");
  Shape shape = ops::broadcast_shapes(ops::broadcast_shapes(cond_in.shape(), a_in.shape(), "where"),
                                      b_in.shape(), "where");
  DType dtype = result_dtype(a_in, b_in);
  Tensor y = new_tensor(shape, dtype, a_in.device());
  {
    NoGradGuard no_grad;
    Tensor c = cond_in.to(DType::boolean).expand(shape);
    run_op("where", SILICA_OP_WHERE, {c, a_in.to(dtype).expand(shape), b_in.to(dtype).expand(shape)}, {y});
  }
  Tensor cond = cond_in;
  Shape sa = a_in.shape(), sb = b_in.shape();
  autograd::record("where", y, {Tensor(), a_in, b_in},
                   [cond, sa, sb](const Tensor& g, const std::vector<bool>& needs) {
                     Tensor zero = ops::scalar_like(g, 0.0);
                     return std::vector<Tensor>{Tensor(),
                                                needs[1] ? sum_to(where(cond, g, zero), sa) : Tensor(),
                                                needs[2] ? sum_to(where(cond, zero, g), sb) : Tensor()};
                   });
  return y;
}

Tensor clamp(const Tensor& x, std::optional<double> min, std::optional<double> max) {
  if (x.dtype() == DType::boolean) throw Error("[clamp] is not defined for bool tensors");
  Tensor y = new_tensor(x.shape(), x.dtype(), x.device());
  Attrs attrs;
  attrs.i(min ? 1 : 0).i(max ? 1 : 0).f(min.value_or(0.0)).f(max.value_or(0.0));
  run_op("clamp", SILICA_OP_CLAMP, {x}, {y}, attrs);
  autograd::record("clamp", y, {x}, [x, min, max](const Tensor& g, const std::vector<bool>&) {
    Tensor keep = ones_like(g);
    if (min) keep = keep * ge(x, ops::scalar_like(x, *min)).to(g.dtype());
    if (max) keep = keep * le(x, ops::scalar_like(x, *max)).to(g.dtype());
    return std::vector<Tensor>{g * keep};
  });
  return y;
}

Tensor cast(const Tensor& x, DType dtype) {
  if (x.dtype() == dtype) return x;
  Tensor y = new_tensor(x.shape(), dtype, x.device());
  run_op("cast", SILICA_OP_CAST, {x}, {y});
  DType from = x.dtype();
  if (is_floating(from) && is_floating(dtype))
    autograd::record("cast", y, {x}, [from](const Tensor& g, const std::vector<bool>&) {
      return std::vector<Tensor>{g.to(from)};
    });
  return y;
}

Tensor operator-(const Tensor& x) { return neg(x); }
Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }

namespace {
// A Python-like scalar operand: integral values keep an integer tensor's dtype.
Tensor scalar_for(const Tensor& t, double v) {
  DType d = t.dtype();
  if (!is_floating(d) && v != static_cast<double>(static_cast<int64_t>(v))) d = DType::f32;
  if (d == DType::boolean) d = DType::i64;
  return scalar(v, TensorOptions(d).with_device(t.device()));
}
}  // namespace

Tensor operator+(const Tensor& a, double b) { return add(a, scalar_for(a, b)); }
Tensor operator-(const Tensor& a, double b) { return sub(a, scalar_for(a, b)); }
Tensor operator*(const Tensor& a, double b) { return mul(a, scalar_for(a, b)); }
Tensor operator/(const Tensor& a, double b) { return div(a, scalar_for(a, b)); }
Tensor operator+(double a, const Tensor& b) { return add(scalar_for(b, a), b); }
Tensor operator-(double a, const Tensor& b) { return sub(scalar_for(b, a), b); }
Tensor operator*(double a, const Tensor& b) { return mul(scalar_for(b, a), b); }
Tensor operator/(double a, const Tensor& b) { return div(scalar_for(b, a), b); }

}  // namespace silica
