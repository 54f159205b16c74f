// Dropout: zeroes elements with probability p and scales the survivors by 1/(1-p), so the
// expected value is unchanged. The mask is an ordinary tensor and the result an ordinary
// mul, whose recorded derivative gives g * mask / (1-p).
#include "ops/op_helpers.h"
#include "silica/random.h"

namespace silica {

Tensor dropout(const Tensor& x, double p, bool training) {
  if (!x.defined()) throw Error("[dropout] the input is undefined");
  if (!(p >= 0.0 && p < 1.0))
    throw Error("[dropout] p must be in [0, 1), got " + std::to_string(p) +
                " (p = 1 would drop everything; use zeros_like instead)");
  ops::require_floating(x, "dropout");
  if (!training || p == 0.0) return x;
  // The keep mask is drawn in f32 whatever x's dtype, so a seed gives the same mask for
  // every precision (and every device).
  Tensor mask;
  {
    NoGradGuard no_grad;
    Tensor keep = bernoulli(x.shape(), 1.0 - p, TensorOptions(DType::f32).with_device(x.device()));
    mask = keep.to(x.dtype()) * (1.0 / (1.0 - p));
  }
  return x * mask;
}

}  // namespace silica
