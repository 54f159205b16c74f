// Gradient clipping.
#pragma once

#include <vector>

#include "silica/tensor.h"

namespace silica::optim {

/// Total norm of the gradients of `params` taken together, as if concatenated (L2 by
/// default; norm_type = INFINITY gives the largest magnitude). When it exceeds max_norm
/// every gradient is scaled in place by max_norm / (total + 1e-6), as in PyTorch. The
/// scale is applied on the device (no synchronization); the result is a 0-d tensor
/// (f32, or f64 when a gradient is f64) on the gradients' device — item() reads it.
/// Parameters without a gradient are skipped; with none at all the result is 0.
Tensor clip_grad_norm(const std::vector<Tensor>& params, double max_norm, double norm_type = 2.0);

/// Clamps every gradient element to [-clip_value, clip_value] in place.
void clip_grad_value(const std::vector<Tensor>& params, double clip_value);

}  // namespace silica::optim
