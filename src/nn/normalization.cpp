// BatchNorm1d / BatchNorm2d / LayerNorm: parameters, buffers and modes around the norm ops.
#include "silica/nn/normalization.h"

#include <sstream>

#include "silica/autograd.h"
#include "silica/error.h"
#include "silica/ops.h"

namespace silica::nn {

namespace {
TensorOptions floating_options(const TensorOptions& options, const char* layer) {
  if (!is_floating(options.dtype))
    throw Error(std::string("[") + layer + "] parameters must be floating, not " + dtype_name(options.dtype));
  return TensorOptions(options.dtype).with_device(options.device);
}

std::string num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}
}  // namespace

BatchNorm::BatchNorm(const char* type_name, int64_t features, const BatchNormArgs& a, const TensorOptions& options)
    : Module(type_name), num_features(features), args(a) {
  if (features <= 0) throw Error(std::string("[") + type_name + "] num_features must be > 0, got " +
                                 std::to_string(features));
  if (a.momentum && (*a.momentum < 0.0 || *a.momentum > 1.0))
    throw Error(std::string("[") + type_name + "] momentum must be in [0, 1] (or none: a cumulative average), got " +
                num(*a.momentum));
  TensorOptions o = floating_options(options, type_name);
  if (a.affine) {
    weight = register_parameter("weight", ones({features}, o));
    bias = register_parameter("bias", zeros({features}, o));
  }
  if (a.track_running_stats) {
    running_mean = register_buffer("running_mean", zeros({features}, o));
    running_var = register_buffer("running_var", ones({features}, o));
    num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, TensorOptions(DType::i64).with_device(o.device)));
  }
}

Tensor BatchNorm::forward(const Tensor& x) {
  check_input(x);
  return normalize(x);
}

Tensor BatchNorm::normalize(const Tensor& x) {
  bool use_batch_stats = is_training() || !args.track_running_stats;
  bool update = is_training() && args.track_running_stats;
  if (update) {
    NoGradGuard no_grad;
    num_batches_tracked.add_(ones({}, TensorOptions(DType::i64).with_device(num_batches_tracked.device())));
  }
  // Running statistics are passed only when they are to be updated (training) or used (eval).
  Tensor rm = args.track_running_stats ? running_mean : Tensor();
  Tensor rv = args.track_running_stats ? running_var : Tensor();
  if (update && !args.momentum) {
    // Cumulative average: r += (batch - r) / batches, with the count taken on the device
    // (reading it on the host would make every step wait for the device). batch_norm with
    // momentum 1 leaves the batch's statistics (unbiased variance) in the zeroed tensors.
    Tensor batch_mean = zeros_like(running_mean), batch_var = zeros_like(running_var);
    Tensor y = batch_norm(x, batch_mean, batch_var, weight, bias, true, 1.0, args.eps);
    NoGradGuard no_grad;
    const Tensor share = 1.0 / num_batches_tracked.to(running_mean.dtype());
    running_mean.add_((batch_mean - running_mean) * share);
    running_var.add_((batch_var - running_var) * share);
    return y;
  }
  return batch_norm(x, rm, rv, weight, bias, use_batch_stats, args.momentum.value_or(0.0), args.eps);
}

std::string BatchNorm::extra_repr() const {
  std::string s = std::to_string(num_features) + ", eps=" + num(args.eps) +
                  ", momentum=" + (args.momentum ? num(*args.momentum) : std::string("none"));
  if (!args.affine) s += ", affine=false";
  if (!args.track_running_stats) s += ", track_running_stats=false";
  return s;
}

BatchNorm1d::BatchNorm1d(int64_t features, const BatchNormArgs& a, const TensorOptions& options)
    : BatchNorm("BatchNorm1d", features, a, options) {}

void BatchNorm1d::check_input(const Tensor& x) const {
  if ((x.dim() != 2 && x.dim() != 3) || x.size(1) != num_features)
    throw Error("[BatchNorm1d] expects inputs of shape (N, " + std::to_string(num_features) + ") or (N, " +
                std::to_string(num_features) + ", L), got " + shape_str(x.shape()));
}

Tensor BatchNorm1d::forward(const Tensor& x) {
  check_input(x);
  // The op takes (N, C) or (N, C, H, W): (N, C, L) runs as (N, C, L, 1).
  if (x.dim() == 3) return normalize(x.unsqueeze(3)).squeeze(3);
  return normalize(x);
}

BatchNorm2d::BatchNorm2d(int64_t features, const BatchNormArgs& a, const TensorOptions& options)
    : BatchNorm("BatchNorm2d", features, a, options) {}

void BatchNorm2d::check_input(const Tensor& x) const {
  if (x.dim() != 4 || x.size(1) != num_features)
    throw Error("[BatchNorm2d] expects inputs of shape (N, " + std::to_string(num_features) + ", H, W), got " +
                shape_str(x.shape()));
}

LayerNorm::LayerNorm(Shape shape, double e, bool elementwise_affine, bool has_bias, const TensorOptions& options)
    : Module("LayerNorm"), normalized_shape(std::move(shape)), eps(e) {
  if (normalized_shape.empty()) throw Error("[LayerNorm] normalized_shape must name at least one dim");
  for (int64_t d : normalized_shape)
    if (d <= 0) throw Error("[LayerNorm] normalized_shape " + shape_str(normalized_shape) + " must be positive");
  TensorOptions o = floating_options(options, "LayerNorm");
  if (elementwise_affine) {
    weight = register_parameter("weight", ones(normalized_shape, o));
    if (has_bias) bias = register_parameter("bias", zeros(normalized_shape, o));
  }
}

Tensor LayerNorm::forward(const Tensor& x) {
  auto n = static_cast<int64_t>(normalized_shape.size());
  bool ok = x.dim() >= n;
  for (int64_t i = 0; ok && i < n; ++i) ok = x.size(x.dim() - n + i) == normalized_shape[static_cast<size_t>(i)];
  if (!ok)
    throw Error("[LayerNorm] expects inputs ending in " + shape_str(normalized_shape) + ", got " +
                shape_str(x.shape()));
  return layer_norm(x, normalized_shape, weight, bias, eps);
}

std::string LayerNorm::extra_repr() const {
  return shape_str(normalized_shape) + ", eps=" + num(eps) +
         (weight.defined() ? "" : ", elementwise_affine=false") +
         (weight.defined() && !bias.defined() ? ", bias=false" : "");
}

}  // namespace silica::nn
