#include "ops/op_helpers.h"

namespace silica::ops {

int64_t wrap_axis(int64_t axis, int64_t ndim, const char* fn) {
  int64_t a = axis < 0 ? axis + ndim : axis;
  if (a < 0 || a >= std::max<int64_t>(ndim, 1))
    throw Error(std::string("[") + fn + "] axis " + std::to_string(axis) + " is out of range for a tensor of " +
                std::to_string(ndim) + " dimensions");
  return a;
}

uint64_t axes_mask(const std::vector<int64_t>& axes, int64_t ndim, const char* fn) {
  if (axes.empty()) return ndim == 0 ? 0 : ((uint64_t{1} << ndim) - 1);
  uint64_t mask = 0;
  for (int64_t axis : axes) {
    int64_t a = wrap_axis(axis, ndim, fn);
    if (ndim == 0) continue;
    if (mask & (uint64_t{1} << a))
      throw Error(std::string("[") + fn + "] axis " + std::to_string(axis) + " appears twice");
    mask |= uint64_t{1} << a;
  }
  return mask;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* fn) {
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da != db && da != 1 && db != 1)
      throw Error(std::string("[") + fn + "] cannot broadcast " + shape_str(a) + " with " + shape_str(b) +
                  ": sizes " + std::to_string(da) + " and " + std::to_string(db) + " differ at axis " +
                  std::to_string(i));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

Shape reduced_shape(const Shape& shape, uint64_t mask, bool keepdim) {
  Shape out;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (mask & (uint64_t{1} << i)) {
      if (keepdim) out.push_back(1);
    } else {
      out.push_back(shape[i]);
    }
  }
  return out;
}

void require_floating(const Tensor& x, const char* fn) {
  if (!is_floating(x.dtype()))
    throw Error(std::string("[") + fn + "] expects a floating tensor, got " + dtype_name(x.dtype()));
}

void require_same_device(const Tensor& a, const Tensor& b, const char* fn) {
  if (a.device() != b.device())
    throw Error(std::string("[") + fn + "] tensors are on different devices: " + a.device().str() + " and " +
                b.device().str() + "; move them to one device with .to(device)");
}

Tensor scalar_like(const Tensor& x, double value) {
  return scalar(value, TensorOptions(x.dtype()).with_device(x.device()));
}

std::string describe(const Tensor& t) { return shape_str(t.shape()) + " " + dtype_name(t.dtype()); }

}  // namespace silica::ops
