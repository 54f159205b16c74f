// Reductions over any set of axes, with keepdim.
#include "ops/op_helpers.h"

namespace silica {

using detail::Attrs;
using detail::run_op;

namespace {

// Runs a reduction kernel; returns the result in keepdim form (size 1 on reduced axes).
Tensor reduce_raw(const char* name, SilicaOp op, const Tensor& x, uint64_t mask, DType out_dtype,
                  Attrs attrs = Attrs()) {
  NoGradGuard no_grad;  // the caller records the reduction as one node
  Tensor xc = x.contiguous();
  Tensor y = ops::new_tensor(ops::reduced_shape(x.shape(), mask, true), out_dtype, x.device());
  Attrs a;
  a.i(static_cast<int64_t>(mask));
  for (int i = 0; i < attrs.raw.num_ints; ++i) a.i(attrs.raw.ints[i]);
  for (int i = 0; i < attrs.raw.num_floats; ++i) a.f(attrs.raw.floats[i]);
  run_op(name, op, {xc}, {y}, a);
  return y;
}

Tensor finish(const Tensor& keep, const Shape& x_shape, uint64_t mask, bool keepdim) {
  return keepdim ? keep : keep.reshape(ops::reduced_shape(x_shape, mask, false));
}

// Gradient of a reduction whose result (keepdim form) was broadcast back: expands g.
Tensor expand_back(const Tensor& g, const Shape& x_shape, uint64_t mask) {
  return g.reshape(ops::reduced_shape(x_shape, mask, true)).expand(x_shape);
}

}  // namespace

Tensor sum(const Tensor& x, const std::vector<int64_t>& axes, bool keepdim) {
  uint64_t mask = ops::axes_mask(axes, x.dim(), "sum");
  DType dt = x.dtype() == DType::boolean || x.dtype() == DType::u8 || x.dtype() == DType::i32 ? DType::i64 : x.dtype();
  Tensor src = dt == x.dtype() ? x : x.to(dt);
  Tensor y = finish(reduce_raw("sum", SILICA_OP_SUM, src, mask, dt), x.shape(), mask, keepdim);
  Shape xs = x.shape();
  autograd::record("sum", y, {x}, [xs, mask](const Tensor& g, const std::vector<bool>&) {
    return std::vector<Tensor>{expand_back(g, xs, mask)};
  });
  return y;
}

Tensor mean(const Tensor& x_in, const std::vector<int64_t>& axes, bool keepdim) {
  Tensor x = is_floating(x_in.dtype()) ? x_in : x_in.to(DType::f32);
  uint64_t mask = ops::axes_mask(axes, x.dim(), "mean");
  Tensor y = finish(reduce_raw("mean", SILICA_OP_MEAN, x, mask, x.dtype()), x.shape(), mask, keepdim);
  Shape xs = x.shape();
  int64_t count = 1;
  for (int64_t i = 0; i < x.dim(); ++i)
    if (mask & (uint64_t{1} << i)) count *= xs[i];
  autograd::record("mean", y, {x}, [xs, mask, count](const Tensor& g, const std::vector<bool>&) {
    return std::vector<Tensor>{expand_back(g, xs, mask) / static_cast<double>(count)};
  });
  return y;
}

namespace {

// Number of elements each output of a reduction over `mask` combines.
int64_t reduced_count(const Shape& shape, uint64_t mask) {
  int64_t count = 1;
  for (size_t i = 0; i < shape.size(); ++i)
    if (mask & (uint64_t{1} << i)) count *= shape[i];
  return count;
}

// The axes in `mask`, for calling other reductions (empty = all, which is also right
// for a 0-d tensor, whose mask is 0).
std::vector<int64_t> mask_axes(uint64_t mask, int64_t ndim) {
  std::vector<int64_t> axes;
  for (int64_t i = 0; i < ndim; ++i)
    if (mask & (uint64_t{1} << i)) axes.push_back(i);
  return axes;
}

// max/min/argmax/argmin have no value over an empty axis.
void require_nonempty_axes(const char* fn, const Tensor& x, uint64_t mask) {
  for (int64_t i = 0; i < x.dim(); ++i)
    if ((mask & (uint64_t{1} << i)) && x.shape()[i] == 0)
      throw Error(std::string("[") + fn + "] cannot reduce axis " + std::to_string(i) + " of size 0 in " +
                  shape_str(x.shape()) + ": the " + fn + " of no elements is undefined; reduce over "
                  "non-empty axes or check the size first");
}

Tensor extremum(const char* name, SilicaOp op, const Tensor& x, const std::vector<int64_t>& axes, bool keepdim) {
  uint64_t mask = ops::axes_mask(axes, x.dim(), name);
  require_nonempty_axes(name, x, mask);
  Tensor keep = reduce_raw(name, op, x, mask, x.dtype());
  Tensor y = finish(keep, x.shape(), mask, keepdim);
  // The gradient goes to the elements equal to the result, split evenly among ties.
  Tensor result = keep.detach();  // a node must not own its own output (that would be a cycle)
  autograd::record(name, y, {x}, [x, result, mask](const Tensor& g, const std::vector<bool>&) {
    Tensor hit = eq(x, result).to(g.dtype());
    Tensor ties = sum(hit, mask_axes(mask, x.dim()), true);
    return std::vector<Tensor>{hit * expand_back(g, x.shape(), mask) / ties};
  });
  return y;
}

Tensor arg_extremum(const char* name, SilicaOp op, const Tensor& x, int64_t axis, bool keepdim) {
  int64_t a = ops::wrap_axis(axis, x.dim(), name);
  uint64_t mask = x.dim() == 0 ? 0 : uint64_t{1} << a;
  require_nonempty_axes(name, x, mask);
  return finish(reduce_raw(name, op, x, mask, DType::i64), x.shape(), mask, keepdim);  // no gradient
}

// Integer tensors are averaged as f32 (like mean).
Tensor as_floating(const Tensor& x) { return is_floating(x.dtype()) ? x : x.to(DType::f32); }

}  // namespace

Tensor max(const Tensor& x, const std::vector<int64_t>& axes, bool keepdim) {
  return extremum("max", SILICA_OP_MAX, x, axes, keepdim);
}

Tensor min(const Tensor& x, const std::vector<int64_t>& axes, bool keepdim) {
  return extremum("min", SILICA_OP_MIN, x, axes, keepdim);
}

Tensor argmax(const Tensor& x, int64_t axis, bool keepdim) {
  return arg_extremum("argmax", SILICA_OP_ARGMAX, x, axis, keepdim);
}

Tensor argmin(const Tensor& x, int64_t axis, bool keepdim) {
  return arg_extremum("argmin", SILICA_OP_ARGMIN, x, axis, keepdim);
}

Tensor var(const Tensor& x_in, const std::vector<int64_t>& axes, bool keepdim, double correction) {
  Tensor x = as_floating(x_in);
  uint64_t mask = ops::axes_mask(axes, x.dim(), "var");
  Tensor y = finish(reduce_raw("var", SILICA_OP_VAR, x, mask, x.dtype(), Attrs().f(correction)), x.shape(), mask,
                    keepdim);
  // d var / dx = 2 (x - mean) / (N - correction)
  double denom = std::max(0.0, static_cast<double>(reduced_count(x.shape(), mask)) - correction);
  autograd::record("var", y, {x}, [x, mask, denom](const Tensor& g, const std::vector<bool>&) {
    Tensor centered = x - mean(x, mask_axes(mask, x.dim()), true);
    return std::vector<Tensor>{expand_back(g, x.shape(), mask) * centered * (2.0 / denom)};
  });
  return y;
}

Tensor std(const Tensor& x_in, const std::vector<int64_t>& axes, bool keepdim, double correction) {
  Tensor x = as_floating(x_in);
  uint64_t mask = ops::axes_mask(axes, x.dim(), "std");
  Tensor keep = reduce_raw("std", SILICA_OP_STD, x, mask, x.dtype(), Attrs().f(correction));
  Tensor y = finish(keep, x.shape(), mask, keepdim);
  // d std / dx = (d var / dx) / (2 std) = (x - mean) / ((N - correction) std)
  double denom = std::max(0.0, static_cast<double>(reduced_count(x.shape(), mask)) - correction);
  Tensor result = keep.detach();
  autograd::record("std", y, {x}, [x, result, mask, denom](const Tensor& g, const std::vector<bool>&) {
    Tensor centered = x - mean(x, mask_axes(mask, x.dim()), true);
    return std::vector<Tensor>{expand_back(g, x.shape(), mask) * centered / (result * denom)};
  });
  return y;
}

Tensor logsumexp(const Tensor& x_in, const std::vector<int64_t>& axes, bool keepdim) {
  Tensor x = as_floating(x_in);
  uint64_t mask = ops::axes_mask(axes, x.dim(), "logsumexp");
  Tensor keep = reduce_raw("logsumexp", SILICA_OP_LOGSUMEXP, x, mask, x.dtype());
  Tensor y = finish(keep, x.shape(), mask, keepdim);
  // The gradient is the softmax over the reduced axes: exp(x - logsumexp(x)).
  Tensor result = keep.detach();
  autograd::record("logsumexp", y, {x}, [x, result, mask](const Tensor& g, const std::vector<bool>&) {
    return std::vector<Tensor>{expand_back(g, x.shape(), mask) * exp(x - result)};
  });
  return y;
}

}  // namespace silica
