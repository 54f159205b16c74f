// Internal helpers shared by the op implementations.
#pragma once

#include <string>
#include <vector>

#include "autograd/node.h"
#include "dispatch.h"
#include "silica/autograd.h"
#include "silica/error.h"
#include "silica/ops.h"
#include "tensor_impl.h"

namespace silica::ops {

/// Axis in [0, ndim) from a possibly negative one; throws naming `fn`.
int64_t wrap_axis(int64_t axis, int64_t ndim, const char* fn);
/// Bitmask of axes (empty = all), each wrapped; throws on duplicates.
uint64_t axes_mask(const std::vector<int64_t>& axes, int64_t ndim, const char* fn);
/// NumPy broadcast of two shapes; throws "[fn] cannot broadcast (2,3) with (4,)".
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* fn);
/// x's shape with the axes in mask set to 1 (keepdim) or removed.
Shape reduced_shape(const Shape& shape, uint64_t mask, bool keepdim);
/// A contiguous uninitialized tensor on `device`.
inline Tensor new_tensor(const Shape& shape, DType dtype, const Device& device) {
  return detail::make_tensor(shape, dtype, device);
}
/// Throws "[fn] expects a floating tensor, got i64" unless x is floating.
void require_floating(const Tensor& x, const char* fn);
/// Throws unless both are on one device.
void require_same_device(const Tensor& a, const Tensor& b, const char* fn);
/// 0-d tensor of `value` with x's dtype and device.
Tensor scalar_like(const Tensor& x, double value);
/// "(2,3) f32": how operands appear in errors.
std::string describe(const Tensor& t);

}  // namespace silica::ops
