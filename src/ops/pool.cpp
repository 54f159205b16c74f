// 2-D pooling: max (gradient through the argmax indices), average, adaptive average.
// Inputs are (N,C,H,W); an unbatched (C,H,W) input is pooled as a batch of one.
#include "ops/op_helpers.h"

namespace silica {

using detail::Attrs;
using detail::run_op;

namespace {

std::string pair_str(int64_t h, int64_t w) { return "(" + std::to_string(h) + "," + std::to_string(w) + ")"; }

void require_image(const Tensor& x, const char* fn) {
  if (!x.defined()) throw Error(std::string("[") + fn + "] got an undefined tensor");
  if (x.dim() != 3 && x.dim() != 4)
    throw Error(std::string("[") + fn + "] expects (N,C,H,W) or (C,H,W), got " + ops::describe(x));
  ops::require_floating(x, fn);
}

// Pools a (C,H,W) input as (1,C,H,W).
template <typename F>
Tensor unbatched(const Tensor& x, F&& pool4d) {
  return pool4d(x.unsqueeze(0)).squeeze(0);
}

struct Geometry {
  int64_t kh, kw, sh, sw, ph, pw, dh, dw, oh, ow;
};

int64_t pooled_size(const char* fn, const char* axis, int64_t in, int64_t k, int64_t s, int64_t p, int64_t d,
                    bool ceil_mode, const Tensor& x) {
  const int64_t span = d * (k - 1) + 1;
  if (in + 2 * p < span)
    throw Error(std::string("[") + fn + "] window " + axis + " " + std::to_string(span) +
                " is larger than the padded input " + axis + " " + std::to_string(in) + " + 2*" +
                std::to_string(p) + " of " + shape_str(x.shape()) + "; use a smaller kernel or more padding");
  int64_t out = (in + 2 * p - span + (ceil_mode ? s - 1 : 0)) / s + 1;
  // PyTorch's rule: the last window must start inside the input or its left padding.
  if (ceil_mode && (out - 1) * s >= in + p) --out;
  return out;
}

// Validates options (PyTorch's rules) and computes the output size for a 4-D x.
Geometry geometry(const char* fn, const Tensor& x, const Pool2dOptions& o, bool dilation) {
  Geometry g{o.kernel_h, o.kernel_w, o.stride_h ? o.stride_h : o.kernel_h, o.stride_w ? o.stride_w : o.kernel_w,
             o.padding_h, o.padding_w, o.dilation_h, o.dilation_w, 0, 0};
  if (g.kh < 1 || g.kw < 1)
    throw Error(std::string("[") + fn + "] kernel " + pair_str(g.kh, g.kw) + " must be at least 1");
  if (g.sh < 1 || g.sw < 1)
    throw Error(std::string("[") + fn + "] stride " + pair_str(o.stride_h, o.stride_w) +
                " must be positive (0 means equal to the kernel)");
  if (!dilation && (g.dh != 1 || g.dw != 1))
    throw Error(std::string("[") + fn + "] has no dilation; leave dilation " + pair_str(g.dh, g.dw) + " at (1,1)");
  if (g.dh < 1 || g.dw < 1)
    throw Error(std::string("[") + fn + "] dilation " + pair_str(g.dh, g.dw) + " must be at least 1");
  if (g.ph < 0 || g.pw < 0 || g.ph > g.kh / 2 || g.pw > g.kw / 2)
    throw Error(std::string("[") + fn + "] padding " + pair_str(g.ph, g.pw) +
                " must be between 0 and half the kernel " + pair_str(g.kh, g.kw) + " (as in PyTorch)");
  g.oh = pooled_size(fn, "height", x.size(2), g.kh, g.sh, g.ph, g.dh, o.ceil_mode, x);
  g.ow = pooled_size(fn, "width", x.size(3), g.kw, g.sw, g.pw, g.dw, o.ceil_mode, x);
  return g;
}

}  // namespace

Tensor max_pool2d(const Tensor& x, const Pool2dOptions& o) {
  require_image(x, "max_pool2d");
  if (x.dim() == 3) return unbatched(x, [&](const Tensor& x4) { return max_pool2d(x4, o); });
  const Geometry g = geometry("max_pool2d", x, o, true);
  Attrs attrs;
  attrs.i(g.kh).i(g.kw).i(g.sh).i(g.sw).i(g.ph).i(g.pw).i(g.dh).i(g.dw);
  Tensor y = ops::new_tensor({x.size(0), x.size(1), g.oh, g.ow}, x.dtype(), x.device());
  Tensor indices = ops::new_tensor(y.shape(), DType::i64, x.device());
  {
    NoGradGuard no_grad;
    run_op("max_pool2d", SILICA_OP_MAX_POOL2D, {x.contiguous()}, {y, indices}, attrs);
  }
  Shape xs = x.shape();
  DType dt = x.dtype();
  autograd::record("max_pool2d", y, {x}, [indices, xs, dt, attrs](const Tensor& g_in, const std::vector<bool>&) {
    Tensor dx = ops::new_tensor(xs, dt, g_in.device());
    run_op("max_pool2d_grad", SILICA_OP_MAX_POOL2D_GRAD, {g_in.to(dt).contiguous(), indices}, {dx}, attrs);
    return std::vector<Tensor>{dx};
  });
  return y;
}

Tensor avg_pool2d(const Tensor& x, const Pool2dOptions& o) {
  require_image(x, "avg_pool2d");
  if (x.dim() == 3) return unbatched(x, [&](const Tensor& x4) { return avg_pool2d(x4, o); });
  const Geometry g = geometry("avg_pool2d", x, o, false);
  Attrs attrs;
  attrs.i(g.kh).i(g.kw).i(g.sh).i(g.sw).i(g.ph).i(g.pw).i(o.count_include_pad ? 1 : 0);
  Tensor y = ops::new_tensor({x.size(0), x.size(1), g.oh, g.ow}, x.dtype(), x.device());
  {
    NoGradGuard no_grad;
    run_op("avg_pool2d", SILICA_OP_AVG_POOL2D, {x.contiguous()}, {y}, attrs);
  }
  Shape xs = x.shape();
  DType dt = x.dtype();
  autograd::record("avg_pool2d", y, {x}, [attrs, xs, dt](const Tensor& g_in, const std::vector<bool>&) {
    Tensor dx = ops::new_tensor(xs, dt, g_in.device());
    run_op("avg_pool2d_grad", SILICA_OP_AVG_POOL2D_GRAD, {g_in.to(dt).contiguous()}, {dx}, attrs);
    return std::vector<Tensor>{dx};
  });
  return y;
}

Tensor adaptive_avg_pool2d(const Tensor& x, int64_t out_h, int64_t out_w) {
  require_image(x, "adaptive_avg_pool2d");
  if (x.dim() == 3)
    return unbatched(x, [&](const Tensor& x4) { return adaptive_avg_pool2d(x4, out_h, out_w); });
  if (out_h < 1 || out_w < 1)
    throw Error("[adaptive_avg_pool2d] output size " + pair_str(out_h, out_w) + " must be at least (1,1)");
  if (x.size(2) < 1 || x.size(3) < 1)
    throw Error("[adaptive_avg_pool2d] input " + shape_str(x.shape()) + " has an empty plane; there is nothing "
                "to average");
  Tensor y = ops::new_tensor({x.size(0), x.size(1), out_h, out_w}, x.dtype(), x.device());
  {
    NoGradGuard no_grad;
    run_op("adaptive_avg_pool2d", SILICA_OP_ADAPTIVE_AVG_POOL2D, {x.contiguous()}, {y});
  }
  Shape xs = x.shape();
  DType dt = x.dtype();
  autograd::record("adaptive_avg_pool2d", y, {x}, [xs, dt](const Tensor& g_in, const std::vector<bool>&) {
    Tensor dx = ops::new_tensor(xs, dt, g_in.device());
    run_op("adaptive_avg_pool2d_grad", SILICA_OP_ADAPTIVE_AVG_POOL2D_GRAD, {g_in.to(dt).contiguous()}, {dx});
    return std::vector<Tensor>{dx};
  });
  return y;
}

}  // namespace silica
