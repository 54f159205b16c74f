// Creation functions. Values computed on the host (arange, eye, ...) are built
// as CPU tensors and moved, so every device gets identical numbers.
#include <cmath>
#include <cstring>

#include "dispatch.h"
#include "silica/autograd.h"
#include "silica/error.h"
#include "silica/ops.h"
#include "tensor_impl.h"

namespace silica {

namespace {
Tensor finish(Tensor t, const TensorOptions& options) {
  if (options.requires_grad) t.requires_grad_(true);
  return t;
}
}  // namespace

Tensor empty(const Shape& shape, const TensorOptions& options) {
  return finish(detail::make_tensor(shape, options.dtype, options.device), options);
}

Tensor full(const Shape& shape, double value, const TensorOptions& options) {
  Tensor t = detail::make_tensor(shape, options.dtype, options.device);
  detail::run_op("full", SILICA_OP_FILL, {}, {t}, detail::Attrs().f(value));
  return finish(t, options);
}

Tensor zeros(const Shape& shape, const TensorOptions& options) { return full(shape, 0.0, options); }
Tensor ones(const Shape& shape, const TensorOptions& options) { return full(shape, 1.0, options); }
Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), TensorOptions(t.dtype()).with_device(t.device())); }
Tensor ones_like(const Tensor& t) { return ones(t.shape(), TensorOptions(t.dtype()).with_device(t.device())); }
Tensor full_like(const Tensor& t, double value) {
  return full(t.shape(), value, TensorOptions(t.dtype()).with_device(t.device()));
}
Tensor scalar(double value, const TensorOptions& options) { return full({}, value, options); }

Tensor from_blob(const void* data, const Shape& shape, DType dtype, const Device& device) {
  Tensor t = detail::make_tensor(shape, dtype, Device());
  size_t bytes = static_cast<size_t>(t.numel() * dtype_size(dtype));
  if (bytes) std::memcpy(t.impl()->storage->buffer, data, bytes);
  return t.to(device);
}

namespace {
template <typename T>
Tensor from_host(const std::vector<T>& data, const Shape& shape_in, DType host, const TensorOptions& options,
                 const char* fn) {
  Shape shape = shape_in.empty() ? Shape{static_cast<int64_t>(data.size())} : shape_in;
  if (detail::shape_numel(shape) != static_cast<int64_t>(data.size()))
    throw Error(std::string("[") + fn + "] " + std::to_string(data.size()) + " values do not fill shape " +
                shape_str(shape));
  NoGradGuard no_grad;
  Tensor t = from_blob(data.data(), shape, host, Device()).to(options.dtype).to(options.device);
  return finish(t, options);
}
}  // namespace

Tensor from_vector(const std::vector<double>& data, const Shape& shape, const TensorOptions& options) {
  return from_host(data, shape, DType::f64, options, "from_vector");
}
Tensor from_vector(const std::vector<float>& data, const Shape& shape, const TensorOptions& options) {
  return from_host(data, shape, DType::f32, options, "from_vector");
}
Tensor from_vector(const std::vector<int64_t>& data, const Shape& shape, const TensorOptions& options) {
  return from_host(data, shape, DType::i64, options, "from_vector");
}
Tensor from_vector(const std::vector<int32_t>& data, const Shape& shape, const TensorOptions& options) {
  return from_host(data, shape, DType::i32, options, "from_vector");
}
Tensor tensor(std::initializer_list<double> data, const TensorOptions& options) {
  return from_vector(std::vector<double>(data), {}, options);
}

Tensor arange(double start, double end, double step, const TensorOptions& options) {
  if (step == 0) throw Error("[arange] step must not be 0");
  double count = std::ceil((end - start) / step);
  int64_t n = count > 0 ? static_cast<int64_t>(count) : 0;
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[i] = start + static_cast<double>(i) * step;
  return from_vector(v, {n}, options);
}

Tensor arange(int64_t end, const TensorOptions& options) {
  std::vector<int64_t> v(static_cast<size_t>(std::max<int64_t>(end, 0)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<int64_t>(i);
  NoGradGuard no_grad;
  Tensor t = from_blob(v.data(), {static_cast<int64_t>(v.size())}, DType::i64, Device())
                 .to(options.dtype)
                 .to(options.device);
  return finish(t, options);
}

Tensor linspace(double start, double end, int64_t steps, const TensorOptions& options) {
  if (steps < 0) throw Error("[linspace] steps must be >= 0, got " + std::to_string(steps));
  std::vector<double> v(static_cast<size_t>(steps));
  double step = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0.0;
  // Fill from both ends (as PyTorch does) so the last value is exactly `end`.
  for (int64_t i = 0; i < steps; ++i)
    v[i] = i < steps / 2 ? start + step * static_cast<double>(i)
                         : end - step * static_cast<double>(steps - 1 - i);
  return from_vector(v, {steps}, options);
}

Tensor eye(int64_t n, int64_t m, const TensorOptions& options) {
  if (m < 0) m = n;
  if (n < 0) throw Error("[eye] size must be >= 0, got " + std::to_string(n));
  std::vector<double> v(static_cast<size_t>(n * m), 0.0);
  for (int64_t i = 0; i < std::min(n, m); ++i) v[i * m + i] = 1.0;
  return from_vector(v, {n, m}, options);
}

}  // namespace silica
