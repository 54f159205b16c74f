// Loss functions: classes that hold settings and free functions that compute.
// A loss maps (input, target) to a scalar (Reduction::mean or ::sum) or to one loss per
// element / sample (Reduction::none).
#pragma once

#include <cstdint>

#include "silica/tensor.h"

namespace silica::nn {

/// How per-element losses are combined.
enum class Reduction { none, mean, sum };

/// Cross-entropy of logits (N, C) — or (N, C, d1, ...) with targets (N, d1, ...) — against
/// integer class indices. Targets equal to ignore_index add nothing and do not count in
/// the mean. label_smoothing mixes the one-hot target with the uniform distribution:
/// loss = (1 - s) * nll + s * mean_c(-log p_c). The mean uses silica::cross_entropy;
/// none and sum are composed from log_softmax.
Tensor cross_entropy_loss(const Tensor& logits, const Tensor& target, double label_smoothing = 0.0,
                          int64_t ignore_index = -100, Reduction reduction = Reduction::mean);

/// Negative log-likelihood of log-probabilities (N, C) against class indices (N):
/// -log_probs[i, target[i]], ignoring targets equal to ignore_index (mean over the rest).
Tensor nll_loss(const Tensor& log_probs, const Tensor& target, int64_t ignore_index = -100,
                Reduction reduction = Reduction::mean);

/// (input - target)^2. input and target must have one shape (a (N,1) vs (N) mix would
/// silently broadcast to (N,N), so it is refused).
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean);

/// |input - target|; input and target must have one shape.
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean);

/// Binary cross-entropy of logits x against targets y in [0, 1] (same shape), computed stably as
/// max(x, 0) - x y + log1p(exp(-|x|)). pos_weight (broadcast to the classes, last axis)
/// multiplies the positive term: (1 - y) x + (1 + (pw - 1) y) (log1p(exp(-|x|)) + max(-x, 0)).
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        Reduction reduction = Reduction::mean, const Tensor& pos_weight = Tensor());

/// Holds cross_entropy_loss settings: `CrossEntropyLoss loss(0.1); loss(logits, labels)`.
class CrossEntropyLoss {
 public:
  explicit CrossEntropyLoss(double label_smoothing = 0.0, int64_t ignore_index = -100,
                            Reduction reduction = Reduction::mean)
      : label_smoothing(label_smoothing), ignore_index(ignore_index), reduction(reduction) {}
  Tensor operator()(const Tensor& logits, const Tensor& target) const {
    return cross_entropy_loss(logits, target, label_smoothing, ignore_index, reduction);
  }
  double label_smoothing;
  int64_t ignore_index;
  Reduction reduction;
};

/// Holds nll_loss settings.
class NLLLoss {
 public:
  explicit NLLLoss(int64_t ignore_index = -100, Reduction reduction = Reduction::mean)
      : ignore_index(ignore_index), reduction(reduction) {}
  Tensor operator()(const Tensor& log_probs, const Tensor& target) const {
    return nll_loss(log_probs, target, ignore_index, reduction);
  }
  int64_t ignore_index;
  Reduction reduction;
};

/// Holds mse_loss settings.
class MSELoss {
 public:
  explicit MSELoss(Reduction reduction = Reduction::mean) : reduction(reduction) {}
  Tensor operator()(const Tensor& input, const Tensor& target) const { return mse_loss(input, target, reduction); }
  Reduction reduction;
};

/// Holds l1_loss settings.
class L1Loss {
 public:
  explicit L1Loss(Reduction reduction = Reduction::mean) : reduction(reduction) {}
  Tensor operator()(const Tensor& input, const Tensor& target) const { return l1_loss(input, target, reduction); }
  Reduction reduction;
};

/// Holds binary_cross_entropy_with_logits settings.
class BCEWithLogitsLoss {
 public:
  explicit BCEWithLogitsLoss(Reduction reduction = Reduction::mean, Tensor pos_weight = Tensor())
      : reduction(reduction), pos_weight(std::move(pos_weight)) {}
  Tensor operator()(const Tensor& input, const Tensor& target) const {
    return binary_cross_entropy_with_logits(input, target, reduction, pos_weight);
  }
  Reduction reduction;
  Tensor pos_weight;
};

}  // namespace silica::nn
