// Losses, composed from ops (cross-entropy's mean uses the fused op).
#include "silica/nn/loss.h"

#include "silica/error.h"
#include "silica/ops.h"

namespace silica::nn {

namespace {

Tensor reduce(const Tensor& loss, Reduction reduction) {
  switch (reduction) {
    case Reduction::none:
      return loss;
    case Reduction::sum:
      return sum(loss);
    case Reduction::mean:
      return mean(loss);
  }
  return loss;
}

void require_same_shape(const Tensor& input, const Tensor& target, const char* fn) {
  if (input.shape() != target.shape())
    throw Error(std::string("[") + fn + "] input " + shape_str(input.shape()) + " and target " +
                shape_str(target.shape()) + " differ in shape; reshape one of them (broadcasting here is "
                "almost always a bug)");
}

// Class scores (N, C, d1, ...) with targets (N, d1, ...) as (M, C) and (M) i64, after checks.
struct ClassProblem {
  Tensor scores;  // (M, C)
  Tensor target;  // (M) i64
};

ClassProblem flatten_classes(const Tensor& scores, const Tensor& target, const char* fn) {
  if (scores.dim() < 2 || !is_floating(scores.dtype()))
    throw Error(std::string("[") + fn + "] expects floating scores of shape (N, C) or (N, C, d1, ...), got " +
                shape_str(scores.shape()) + " " + dtype_name(scores.dtype()));
  if (is_floating(target.dtype()) || target.dtype() == DType::boolean)
    throw Error(std::string("[") + fn + "] expects integer class indices as target, got " +
                dtype_name(target.dtype()) + " (probabilities are not supported; use one_hot labels' argmax)");
  Shape expected = scores.shape();
  expected.erase(expected.begin() + 1);
  if (target.shape() != expected)
    throw Error(std::string("[") + fn + "] scores " + shape_str(scores.shape()) + " need targets of shape " +
                shape_str(expected) + ", got " + shape_str(target.shape()));
  int64_t classes = scores.size(1);
  Tensor s = scores;
  if (scores.dim() > 2) {
    // Move the class axis last so every position becomes one row.
    std::vector<int64_t> axes{0};
    for (int64_t i = 2; i < scores.dim(); ++i) axes.push_back(i);
    axes.push_back(1);
    s = scores.permute(axes);
  }
  return {s.reshape({-1, classes}), target.to(DType::i64).reshape({-1})};
}

// -log_probs[i, target[i]] for rows whose target is not ignore_index (0 elsewhere), and
// the mask of those rows.
std::pair<Tensor, Tensor> picked_nll(const Tensor& log_probs, const Tensor& target, int64_t ignore_index) {
  TensorOptions index_options = TensorOptions(DType::i64).with_device(target.device());
  Tensor valid = ne(target, scalar(static_cast<double>(ignore_index), index_options));
  Tensor safe = where(valid, target, scalar(0.0, index_options));  // gather needs in-range indices
  Tensor nll = neg(gather(log_probs, 1, safe.unsqueeze(1)).squeeze(1));
  return {nll, valid};
}

Tensor masked(const Tensor& loss, const Tensor& valid) {
  return where(valid, loss, scalar(0.0, TensorOptions(loss.dtype()).with_device(loss.device())));
}

}  // namespace

Tensor cross_entropy_loss(const Tensor& logits, const Tensor& target, double label_smoothing, int64_t ignore_index,
                          Reduction reduction) {
  if (label_smoothing < 0.0 || label_smoothing > 1.0)
    throw Error("[cross_entropy_loss] label_smoothing must be in [0, 1], got " + std::to_string(label_smoothing));
  ClassProblem p = flatten_classes(logits, target, "cross_entropy_loss");
  if (reduction == Reduction::mean) return cross_entropy(p.scores, p.target, label_smoothing, ignore_index);

  Tensor log_probs = log_softmax(p.scores, 1);
  auto [nll, valid] = picked_nll(log_probs, p.target, ignore_index);
  Tensor loss = nll;
  if (label_smoothing > 0.0)
    loss = nll * (1.0 - label_smoothing) + neg(mean(log_probs, {1})) * label_smoothing;
  loss = masked(loss, valid);
  if (reduction == Reduction::sum) return sum(loss);
  return loss.reshape(target.shape());
}

Tensor nll_loss(const Tensor& log_probs, const Tensor& target, int64_t ignore_index, Reduction reduction) {
  ClassProblem p = flatten_classes(log_probs, target, "nll_loss");
  auto [nll, valid] = picked_nll(p.scores, p.target, ignore_index);
  Tensor loss = masked(nll, valid);
  switch (reduction) {
    case Reduction::none:
      return loss.reshape(target.shape());
    case Reduction::sum:
      return sum(loss);
    case Reduction::mean:
      // Mean over the rows that count (0/0 = nan when all are ignored, as in PyTorch).
      return sum(loss) / sum(cast(valid, loss.dtype()));
  }
  return loss;
}

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  require_same_shape(input, target, "mse_loss");
  Tensor d = input - target;
  return reduce(d * d, reduction);
}

Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  require_same_shape(input, target, "l1_loss");
  return reduce(abs(input - target), reduction);
}

Tensor binary_cross_entropy_with_logits(const Tensor& x, const Tensor& y, Reduction reduction,
                                        const Tensor& pos_weight) {
  require_same_shape(x, y, "binary_cross_entropy_with_logits");
  if (!is_floating(x.dtype()))
    throw Error(std::string("[binary_cross_entropy_with_logits] expects floating logits, got ") +
                dtype_name(x.dtype()));
  Tensor yf = y.to(x.dtype());
  // log(1 + exp(-|x|)) never overflows; relu(x) and relu(-x) restore the linear part.
  Tensor soft = log1p(exp(neg(abs(x))));
  Tensor loss;
  if (pos_weight.defined()) {
    Tensor pw = pos_weight.to(x.dtype());
    loss = (1.0 - yf) * x + (1.0 + (pw - 1.0) * yf) * (soft + relu(neg(x)));
  } else {
    loss = relu(x) - x * yf + soft;
  }
  return reduce(loss, reduction);
}

}  // namespace silica::nn
