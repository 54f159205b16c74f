// layer_norm and batch_norm, composed from other ops (mean, rsqrt, ...) so that autograd
// derives their gradients and every device runs them with the kernels it already has.
// f16/bf16 inputs are normalized in f32 (as PyTorch does) and the result cast back:
// the statistics of many half-precision values would otherwise lose most of their digits.
#include "ops/op_helpers.h"

namespace silica {

namespace {

DType compute_dtype(DType d) { return d == DType::f16 || d == DType::bf16 ? DType::f32 : d; }

// An optional per-feature tensor must be undefined or exactly of `shape`.
void require_param_shape(const char* fn, const char* what, const Tensor& p, const Shape& shape,
                         const std::string& meaning, const Tensor& x) {
  if (!p.defined()) return;
  ops::require_same_device(x, p, fn);
  if (p.shape() != shape)
    throw Error(std::string("[") + fn + "] expects " + what + " of shape " + shape_str(shape) + " (" + meaning +
                "), got " + shape_str(p.shape()));
}

}  // namespace

Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight, const Tensor& bias,
                  double eps) {
  ops::require_floating(x, "layer_norm");
  const int64_t k = static_cast<int64_t>(normalized_shape.size());
  if (k == 0) throw Error("[layer_norm] normalized_shape must name at least one trailing dimension, got ()");
  bool matches = k <= x.dim();
  for (int64_t i = 0; matches && i < k; ++i) matches = x.size(x.dim() - k + i) == normalized_shape[i];
  if (!matches)
    throw Error("[layer_norm] expects x to end with normalized_shape " + shape_str(normalized_shape) +
                ", got x of shape " + shape_str(x.shape()));
  require_param_shape("layer_norm", "weight", weight, normalized_shape, "normalized_shape", x);
  require_param_shape("layer_norm", "bias", bias, normalized_shape, "normalized_shape", x);

  std::vector<int64_t> axes;
  for (int64_t i = x.dim() - k; i < x.dim(); ++i) axes.push_back(i);
  Tensor xc = x.to(compute_dtype(x.dtype()));
  Tensor centered = xc - mean(xc, axes, true);
  Tensor variance = mean(centered * centered, axes, true);  // biased, as layer norm defines it
  Tensor y = centered * rsqrt(variance + eps);
  if (weight.defined()) y = y * weight;
  if (bias.defined()) y = y + bias;
  return y.to(x.dtype());
}

Tensor batch_norm(const Tensor& x, Tensor running_mean, Tensor running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps) {
  ops::require_floating(x, "batch_norm");
  if (x.dim() < 2)
    throw Error("[batch_norm] expects x of shape (N,C) or (N,C,H,W), got " + shape_str(x.shape()));
  const int64_t channels = x.size(1);
  const Shape per_channel{channels};
  const std::string meaning = "one value per channel of x " + shape_str(x.shape());
  require_param_shape("batch_norm", "running_mean", running_mean, per_channel, meaning, x);
  require_param_shape("batch_norm", "running_var", running_var, per_channel, meaning, x);
  require_param_shape("batch_norm", "weight", weight, per_channel, meaning, x);
  require_param_shape("batch_norm", "bias", bias, per_channel, meaning, x);
  if (running_mean.defined() != running_var.defined())
    throw Error("[batch_norm] running_mean and running_var go together: pass both or neither");

  // Statistics are over every axis but the channel axis; (1,C,1,1) broadcasts them back.
  std::vector<int64_t> axes{0};
  Shape stat_shape{1, channels};
  for (int64_t i = 2; i < x.dim(); ++i) axes.push_back(i), stat_shape.push_back(1);
  Tensor xc = x.to(compute_dtype(x.dtype()));
  Tensor y;
  if (training) {
    const int64_t count = channels ? x.numel() / channels : 0;
    if (count <= 1)
      throw Error("[batch_norm] expects more than 1 value per channel in training mode, got x of shape " +
                  shape_str(x.shape()) + "; use a larger batch or training=false");
    Tensor batch_mean = mean(xc, axes, true);
    Tensor centered = xc - batch_mean;
    Tensor batch_var = mean(centered * centered, axes, true);  // biased: used to normalize
    y = centered * rsqrt(batch_var + eps);
    if (running_mean.defined()) {
      // running = (1 - momentum) running + momentum batch, with the unbiased variance (PyTorch).
      NoGradGuard no_grad;
      const double unbias = static_cast<double>(count) / static_cast<double>(count - 1);
      running_mean.mul_(1.0 - momentum).add_(batch_mean.reshape(per_channel), momentum);
      running_var.mul_(1.0 - momentum).add_(batch_var.reshape(per_channel) * unbias, momentum);
    }
  } else {
    if (!running_mean.defined())
      throw Error("[batch_norm] eval mode (training=false) normalizes with running_mean and running_var; "
                  "pass them, or use training=true for batch statistics");
    // The statistics join x's computation dtype (f32 stats with an f64 x must not round it).
    Tensor rm = running_mean.to(xc.dtype()).reshape(stat_shape);
    Tensor rv = running_var.to(xc.dtype()).reshape(stat_shape);
    y = (xc - rm) * rsqrt(rv + eps);
  }
  if (weight.defined()) y = y * weight.reshape(stat_shape);
  if (bias.defined()) y = y + bias.reshape(stat_shape);
  return y.to(x.dtype());
}

}  // namespace silica
