// softmax and log_softmax over one axis; their derivative is the SOFTMAX_GRAD kernel.
#include "ops/op_helpers.h"

namespace silica {

using detail::Attrs;
using detail::run_op;

namespace {

Tensor softmax_impl(const char* name, const Tensor& x_in, int64_t axis_in, bool log) {
  // Integer inputs are promoted to f32, as the float-only unary ops do.
  Tensor x = is_floating(x_in.dtype()) ? x_in : x_in.to(DType::f32);
  int64_t axis = ops::wrap_axis(axis_in, x.dim(), name);
  Tensor y = ops::new_tensor(x.shape(), x.dtype(), x.device());
  {
    NoGradGuard no_grad;  // the contiguous copy belongs to this op's node
    run_op(name, log ? SILICA_OP_LOG_SOFTMAX : SILICA_OP_SOFTMAX, {x.contiguous()}, {y}, Attrs().i(axis));
  }
  // The backward needs y's values but must not hold y itself (y owns this node).
  Tensor saved = y.detach();
  autograd::record(name, y, {x}, [saved, axis, log](const Tensor& g, const std::vector<bool>&) {
    Tensor dx = ops::new_tensor(saved.shape(), saved.dtype(), saved.device());
    Tensor dy = g.to(saved.dtype()).contiguous();
    run_op(log ? "log_softmax_backward" : "softmax_backward", SILICA_OP_SOFTMAX_GRAD, {saved, dy}, {dx},
           Attrs().i(axis).i(log ? 1 : 0));
    return std::vector<Tensor>{dx};
  });
  return y;
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t axis) { return softmax_impl("softmax", x, axis, false); }

Tensor log_softmax(const Tensor& x, int64_t axis) { return softmax_impl("log_softmax", x, axis, true); }

}  // namespace silica
