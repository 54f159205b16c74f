// cross_entropy: the fused per-sample kernel (log-softmax + pick + label smoothing) and
// its fused gradient, then the mean over the targets that are not ignored.
#include "ops/op_helpers.h"

namespace silica {

using detail::Attrs;
using detail::run_op;

namespace {

// Throws for the first target outside [0, classes) that is not ignore_index. Only called
// for CPU tensors: elsewhere reading the targets would wait for the device, and the
// kernel reports the same problem.
void check_targets_on_host(const Tensor& target, int64_t classes, int64_t ignore_index) {
  for (int64_t t : target.to_vector<int64_t>())
    if (t != ignore_index && (t < 0 || t >= classes))
      throw Error("[cross_entropy] target " + std::to_string(t) + " is out of range for " +
                  std::to_string(classes) + " classes");
}

// logits (N, C) contiguous, target (N) i64 -> per-sample losses (N), 0 where ignored.
Tensor per_sample_loss(const Tensor& logits, const Tensor& target, double smoothing, int64_t ignore_index) {
  Attrs attrs;
  attrs.i(ignore_index).f(smoothing);
  Tensor lg, tg = target;
  Tensor loss = ops::new_tensor({logits.size(0)}, logits.dtype(), logits.device());
  {
    NoGradGuard no_grad;  // the contiguous copy belongs to this op's node
    lg = logits.contiguous();
    run_op("cross_entropy", SILICA_OP_CROSS_ENTROPY, {lg, tg}, {loss}, attrs);
  }
  lg = lg.detach();
  autograd::record("cross_entropy", loss, {logits, Tensor()},
                   [lg, tg, attrs](const Tensor& g, const std::vector<bool>&) {
                     Tensor dlogits = ops::new_tensor(lg.shape(), lg.dtype(), lg.device());
                     Tensor dloss = g.to(lg.dtype()).contiguous();
                     run_op("cross_entropy_backward", SILICA_OP_CROSS_ENTROPY_GRAD, {lg, tg, dloss}, {dlogits},
                            attrs);
                     return std::vector<Tensor>{dlogits, Tensor()};
                   });
  return loss;
}

}  // namespace

Tensor cross_entropy(const Tensor& logits_in, const Tensor& target_in, double label_smoothing,
                     int64_t ignore_index) {
  ops::require_same_device(logits_in, target_in, "cross_entropy");
  ops::require_floating(logits_in, "cross_entropy");
  if (!(label_smoothing >= 0.0 && label_smoothing <= 1.0))
    throw Error("[cross_entropy] label_smoothing must be in [0, 1], got " + std::to_string(label_smoothing));
  if (is_floating(target_in.dtype()) || target_in.dtype() == DType::boolean)
    throw Error("[cross_entropy] expects class indices (i64) as target, got " + ops::describe(target_in) +
                "; convert with .to(DType::i64)");
  if (logits_in.dim() == 0)
    throw Error("[cross_entropy] expects logits of shape (N,C) or (N,C,d1,...), got a scalar");

  // Bring everything to logits (M, C) and target (M): a lone sample (C) gets a batch axis,
  // extra axes (N, C, d1, ...) move the class axis last and join the batch, as PyTorch does.
  Tensor logits = logits_in, target = target_in;
  if (logits.dim() == 1) {
    logits = logits.unsqueeze(0);
    if (target.dim() == 0) target = target.unsqueeze(0);
  }
  Shape want{logits.size(0)};
  for (int64_t i = 2; i < logits.dim(); ++i) want.push_back(logits.size(i));
  if (target.shape() != want)
    throw Error("[cross_entropy] expects target of shape " + shape_str(want) + " for logits of shape " +
                shape_str(logits_in.shape()) + " (the logits without the class axis), got " +
                shape_str(target_in.shape()));
  const int64_t classes = logits.size(1);
  const int64_t samples = target.numel();
  if (logits.dim() > 2) {
    std::vector<int64_t> order{0};
    for (int64_t i = 2; i < logits.dim(); ++i) order.push_back(i);
    order.push_back(1);
    logits = logits.permute(order).reshape({samples, classes});
  }
  {
    NoGradGuard no_grad;
    target = target.to(DType::i64).reshape({samples}).contiguous();
  }
  if (target.device().is_cpu()) check_targets_on_host(target, classes, ignore_index);

  Tensor loss = per_sample_loss(logits, target, label_smoothing, ignore_index);
  // Mean over the targets that count (0/0 = NaN when all are ignored, as in PyTorch).
  Tensor counted;
  {
    NoGradGuard no_grad;
    Tensor ignore = scalar(static_cast<double>(ignore_index), TensorOptions(DType::i64).with_device(target.device()));
    counted = sum(ne(target, ignore)).to(loss.dtype());
  }
  return sum(loss) / counted;
}

}  // namespace silica
