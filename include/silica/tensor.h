// Tensor: a typed, strided view of device memory, with autograd.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "silica/device.h"
#include "silica/dtype.h"

namespace silica {

using Shape = std::vector<int64_t>;

struct TensorImpl;

/// How to create a tensor: dtype, device and whether it records gradients.
struct TensorOptions {
  DType dtype = DType::f32;
  Device device = default_device();
  bool requires_grad = false;

  TensorOptions() = default;
  TensorOptions(DType d) : dtype(d) {}  // NOLINT(google-explicit-constructor)
  TensorOptions with_dtype(DType d) const { auto o = *this; o.dtype = d; return o; }
  TensorOptions with_device(Device d) const { auto o = *this; o.device = d; return o; }
  TensorOptions with_requires_grad(bool r = true) const { auto o = *this; o.requires_grad = r; return o; }
};

/// "(2,3,4)": how shapes appear in error messages.
std::string shape_str(const Shape& shape);

/// A reference-counted handle; copies share data (like torch.Tensor).
/// View methods never copy: the result shares storage with this tensor.
class Tensor {
 public:
  /// An undefined tensor (defined() == false).
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  /// Size of `axis` (negative counts from the end).
  int64_t size(int64_t axis) const;
  /// Strides in elements.
  const Shape& strides() const;
  /// Offset of element 0 in the storage, in elements.
  int64_t offset() const;
  int64_t dim() const;
  int64_t numel() const;
  DType dtype() const;
  Device device() const;
  bool is_contiguous() const;

  // ---- Views (share storage) ----
  /// Same data, new shape; one size may be -1. Throws when the strides do not allow it.
  Tensor view(const Shape& shape) const;
  /// view() when possible, else a contiguous copy.
  Tensor reshape(const Shape& shape) const;
  Tensor permute(const std::vector<int64_t>& axes) const;
  Tensor transpose(int64_t a, int64_t b) const;
  /// Transpose of the last two axes.
  Tensor mT() const;
  /// Elements start..start+length-1 of `axis`.
  Tensor narrow(int64_t axis, int64_t start, int64_t length) const;
  /// Python-style slice [start:end:step] of `axis` (negative indices count from the end).
  Tensor slice(int64_t axis, int64_t start, int64_t end, int64_t step = 1) const;
  /// Element `index` of `axis`, removing the axis.
  Tensor select(int64_t axis, int64_t index) const;
  /// Broadcasts size-1 axes (and new leading axes) to `shape`; -1 keeps a size.
  Tensor expand(const Shape& shape) const;
  Tensor broadcast_to(const Shape& shape) const { return expand(shape); }
  /// Removes all size-1 axes.
  Tensor squeeze() const;
  Tensor squeeze(int64_t axis) const;
  Tensor unsqueeze(int64_t axis) const;
  Tensor flatten(int64_t start = 0, int64_t end = -1) const;

  /// This tensor when contiguous, else a contiguous copy.
  Tensor contiguous() const;
  /// A copy on `device` (this tensor when already there).
  Tensor to(const Device& device) const;
  /// A copy converted to `dtype` (this tensor when already of it).
  Tensor to(DType dtype) const;
  Tensor to(const char* device) const { return to(Device(device)); }
  /// A copy that never shares storage with this one.
  Tensor clone() const;

  /// The single element, converted (synchronizes). Throws unless numel() == 1.
  double item() const;
  template <typename T>
  T item() const { return static_cast<T>(item()); }
  /// All elements in row-major order, converted to T (synchronizes).
  template <typename T>
  std::vector<T> to_vector() const;
  /// Readable text, like PyTorch's repr: values, shape, dtype, device.
  std::string str() const;

  // ---- Autograd ----
  bool requires_grad() const;
  /// Marks a leaf tensor as a parameter whose .grad() backward() fills.
  Tensor& requires_grad_(bool requires_grad = true);
  /// Accumulated gradient (undefined until a backward pass reaches this tensor).
  Tensor grad() const;
  void set_grad(const Tensor& grad);
  /// Forgets the accumulated gradient.
  void zero_grad();
  /// True for tensors made by the user rather than by a recorded op.
  bool is_leaf() const;
  /// Backpropagates from this tensor. A non-scalar needs `gradient` of its shape.
  /// With retain_graph the graph can be walked again.
  void backward(const Tensor& gradient = Tensor(), bool retain_graph = false) const;
  /// Same data, cut from the graph.
  Tensor detach() const;

  // ---- In place (never recorded by autograd; refused on tensors that need grad while recording) ----
  /// Copies `src` (broadcast, converted) into this tensor's elements.
  Tensor& copy_(const Tensor& src);
  Tensor& fill_(double value);
  Tensor& zero_() { return fill_(0.0); }
  Tensor& add_(const Tensor& other, double alpha = 1.0);
  Tensor& sub_(const Tensor& other) { return add_(other, -1.0); }
  Tensor& mul_(const Tensor& other);
  Tensor& mul_(double value);
  Tensor& div_(const Tensor& other);

  /// Identity of the underlying storage (tests check that views share it).
  const void* storage_id() const;
  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

 private:
  std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

extern template std::vector<float> Tensor::to_vector<float>() const;
extern template std::vector<double> Tensor::to_vector<double>() const;
extern template std::vector<int32_t> Tensor::to_vector<int32_t>() const;
extern template std::vector<int64_t> Tensor::to_vector<int64_t>() const;
extern template std::vector<uint8_t> Tensor::to_vector<uint8_t>() const;

// ---- Creation ----
Tensor empty(const Shape& shape, const TensorOptions& options = {});
Tensor zeros(const Shape& shape, const TensorOptions& options = {});
Tensor ones(const Shape& shape, const TensorOptions& options = {});
Tensor full(const Shape& shape, double value, const TensorOptions& options = {});
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor full_like(const Tensor& t, double value);
/// A 0-dimensional tensor.
Tensor scalar(double value, const TensorOptions& options = {});
/// start, start+step, ... < end. Integer dtypes when options say so.
Tensor arange(double start, double end, double step = 1.0, const TensorOptions& options = {});
Tensor arange(int64_t end, const TensorOptions& options = DType::i64);
/// `steps` evenly spaced values from start to end inclusive.
Tensor linspace(double start, double end, int64_t steps, const TensorOptions& options = {});
/// n x m identity (m = n when m < 0).
Tensor eye(int64_t n, int64_t m = -1, const TensorOptions& options = {});
/// From host data, converted to options.dtype; shape defaults to {data.size()}.
Tensor from_vector(const std::vector<double>& data, const Shape& shape = {},
                   const TensorOptions& options = {});
Tensor from_vector(const std::vector<float>& data, const Shape& shape = {},
                   const TensorOptions& options = {});
Tensor from_vector(const std::vector<int64_t>& data, const Shape& shape = {},
                   const TensorOptions& options = DType::i64);
Tensor from_vector(const std::vector<int32_t>& data, const Shape& shape = {},
                   const TensorOptions& options = DType::i32);
Tensor tensor(std::initializer_list<double> data, const TensorOptions& options = {});
/// From raw host bytes of `dtype` (copied).
Tensor from_blob(const void* data, const Shape& shape, DType dtype, const Device& device = default_device());

}  // namespace silica
