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

}  // namespace silica
