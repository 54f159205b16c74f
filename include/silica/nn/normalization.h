// Normalization layers: BatchNorm1d, BatchNorm2d, LayerNorm.
#pragma once

#include <optional>

#include "silica/nn/module.h"

namespace silica::nn {

/// Settings of a batch norm layer (PyTorch's meaning and defaults).
struct BatchNormArgs {
  double eps = 1e-5;
  /// Weight of the current batch in the running averages: r = (1 - m) r + m batch. None
  /// (std::nullopt): a cumulative average of every batch seen, m = 1 / batches.
  std::optional<double> momentum = 0.1;
  /// Learnable per-channel scale (weight, ones) and shift (bias, zeros).
  bool affine = true;
  /// Keep running_mean / running_var / num_batches_tracked buffers and use them in eval
  /// mode; without them batch statistics are used in both modes.
  bool track_running_stats = true;
};

/// Batch normalization over axis 1. Training mode normalizes with the batch's mean and
/// biased variance and updates the running averages (with the unbiased variance), as
/// PyTorch does; eval mode normalizes with the running averages.
class BatchNorm : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

  int64_t num_features;
  BatchNormArgs args;
  Tensor weight;               // (C), undefined unless affine
  Tensor bias;                 // (C), undefined unless affine
  Tensor running_mean;         // (C), buffer, zeros at first
  Tensor running_var;          // (C), buffer, ones at first
  Tensor num_batches_tracked;  // () i64, buffer: training batches seen

 protected:
  BatchNorm(const char* type_name, int64_t num_features, const BatchNormArgs& args, const TensorOptions& options);
  /// Throws unless x has a rank this layer accepts and num_features channels.
  virtual void check_input(const Tensor& x) const = 0;
  /// The normalization itself, for (N, C) or (N, C, H, W) inputs already checked.
  Tensor normalize(const Tensor& x);
};

/// Batch norm of (N, C) or (N, C, L) inputs.
class BatchNorm1d : public BatchNorm {
 public:
  explicit BatchNorm1d(int64_t num_features, const BatchNormArgs& args = {}, const TensorOptions& options = {});
  Tensor forward(const Tensor& x) override;

 protected:
  void check_input(const Tensor& x) const override;
};

/// Batch norm of (N, C, H, W) inputs.
class BatchNorm2d : public BatchNorm {
 public:
  explicit BatchNorm2d(int64_t num_features, const BatchNormArgs& args = {}, const TensorOptions& options = {});

 protected:
  void check_input(const Tensor& x) const override;
};

/// Normalizes over the trailing dims given by normalized_shape, e.g. (D) for (..., D)
/// inputs, with an optional learnable elementwise scale (ones) and shift (zeros).
class LayerNorm : public Module {
 public:
  explicit LayerNorm(Shape normalized_shape, double eps = 1e-5, bool elementwise_affine = true, bool bias = true,
                     const TensorOptions& options = {});
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

  Shape normalized_shape;
  double eps;
  Tensor weight;  // normalized_shape, undefined without elementwise_affine
  Tensor bias;    // normalized_shape, undefined without elementwise_affine or bias
};

}  // namespace silica::nn
