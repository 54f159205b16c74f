// conv2d: shape rules, dispatch to SILICA_OP_CONV2D and its gradient ops.
#include "ops/op_helpers.h"

namespace silica {

using detail::Attrs;
using detail::run_op;

namespace {

std::string pair_str(int64_t h, int64_t w) { return "(" + std::to_string(h) + "," + std::to_string(w) + ")"; }

// Output size of one spatial axis; throws when the dilated kernel exceeds the padded input.
int64_t conv_out_size(const char* axis, int64_t in, int64_t kernel, int64_t stride, int64_t pad, int64_t dilation,
                      const Shape& x_shape, const Shape& w_shape) {
  int64_t span = dilation * (kernel - 1) + 1;
  if (in + 2 * pad < span)
    throw Error(std::string("[conv2d] kernel ") + axis + " of " + std::to_string(kernel) + " (dilated to " +
                std::to_string(span) + ") is larger than the padded input " + axis + " " + std::to_string(in) +
                " + 2*" + std::to_string(pad) + " for input " + shape_str(x_shape) + " and weight " +
                shape_str(w_shape) + "; use a smaller kernel or more padding");
  return (in + 2 * pad - span) / stride + 1;
}

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dOptions& o) {
  if (!x.defined() || !weight.defined()) throw Error("[conv2d] got an undefined input or weight");
  ops::require_same_device(x, weight, "conv2d");
  if (bias.defined()) ops::require_same_device(x, bias, "conv2d");
  if (x.dim() != 4)
    throw Error("[conv2d] expects input (N,C,H,W), got " + ops::describe(x) + "; add a batch axis with unsqueeze(0)");
  if (weight.dim() != 4)
    throw Error("[conv2d] expects weight (O,C/groups,KH,KW), got " + ops::describe(weight));
  ops::require_floating(x, "conv2d");
  ops::require_floating(weight, "conv2d");
  if (bias.defined()) ops::require_floating(bias, "conv2d");
  if (o.stride_h < 1 || o.stride_w < 1 || o.dilation_h < 1 || o.dilation_w < 1 || o.padding_h < 0 ||
      o.padding_w < 0 || o.groups < 1)
    throw Error("[conv2d] stride " + pair_str(o.stride_h, o.stride_w) + " and dilation " +
                pair_str(o.dilation_h, o.dilation_w) + " must be >= 1, padding " +
                pair_str(o.padding_h, o.padding_w) + " >= 0 and groups (" + std::to_string(o.groups) + ") >= 1");
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t O = weight.size(0), KH = weight.size(2), KW = weight.size(3), G = o.groups;
  if (C % G != 0 || O % G != 0)
    throw Error("[conv2d] input channels " + std::to_string(C) + " and output channels " + std::to_string(O) +
                " must both be divisible by groups " + std::to_string(G));
  if (weight.size(1) != C / G)
    throw Error("[conv2d] weight " + shape_str(weight.shape()) + " expects " +
                std::to_string(weight.size(1) * G) + " input channels (" + std::to_string(weight.size(1)) +
                " per group x " + std::to_string(G) + " groups), but input " + shape_str(x.shape()) + " has " +
                std::to_string(C));
  if (KH < 1 || KW < 1) throw Error("[conv2d] weight " + shape_str(weight.shape()) + " has an empty kernel");
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != O))
    throw Error("[conv2d] bias must be (" + std::to_string(O) + ") for weight " + shape_str(weight.shape()) +
                ", got " + shape_str(bias.shape()));
  const int64_t OH = conv_out_size("height", H, KH, o.stride_h, o.padding_h, o.dilation_h, x.shape(), weight.shape());
  const int64_t OW = conv_out_size("width", W, KW, o.stride_w, o.padding_w, o.dilation_w, x.shape(), weight.shape());

  DType dtype = promote_types(x.dtype(), weight.dtype());
  if (bias.defined()) dtype = promote_types(dtype, bias.dtype());
  Attrs attrs;
  attrs.i(o.stride_h).i(o.stride_w).i(o.padding_h).i(o.padding_w).i(o.dilation_h).i(o.dilation_w).i(G);

  Tensor xc, wc, y;
  {
    NoGradGuard no_grad;  // conversions belong to this one recorded op
    xc = x.to(dtype).contiguous();
    wc = weight.to(dtype).contiguous();
    y = ops::new_tensor({N, O, OH, OW}, dtype, x.device());
    if (bias.defined()) run_op("conv2d", SILICA_OP_CONV2D, {xc, wc, bias.to(dtype).contiguous()}, {y}, attrs);
    else run_op("conv2d", SILICA_OP_CONV2D, {xc, wc}, {y}, attrs);
  }
  DType x_dt = x.dtype(), w_dt = weight.dtype(), b_dt = bias.defined() ? bias.dtype() : dtype;
  autograd::record("conv2d", y, {x, weight, bias},
                   [xc, wc, attrs, dtype, x_dt, w_dt, b_dt](const Tensor& g_in, const std::vector<bool>& needs) {
                     Tensor g = g_in.to(dtype).contiguous();
                     Tensor dx, dw, db;
                     if (needs[0]) {
                       dx = ops::new_tensor(xc.shape(), dtype, g.device());
                       run_op("conv2d_grad_input", SILICA_OP_CONV2D_GRAD_INPUT, {g, wc}, {dx}, attrs);
                       dx = dx.to(x_dt);
                     }
                     if (needs[1]) {
                       dw = ops::new_tensor(wc.shape(), dtype, g.device());
                       run_op("conv2d_grad_weight", SILICA_OP_CONV2D_GRAD_WEIGHT, {g, xc}, {dw}, attrs);
                       dw = dw.to(w_dt);
                     }
                     if (needs.size() > 2 && needs[2]) db = sum(g, {0, 2, 3}).to(b_dt);
                     return std::vector<Tensor>{dx, dw, db};
                   });
  return y;
}

}  // namespace silica
