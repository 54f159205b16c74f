// Internal: what a Tensor handle points at.
#pragma once

#include <memory>

#include "backend.h"
#include "silica/tensor.h"

namespace silica {

namespace autograd {
struct Node;
}

/// A block of device memory; freed back to its plugin when the last view goes away.
struct Storage {
  detail::Backend* backend = nullptr;
  int device = 0;
  void* buffer = nullptr;
  uint64_t nbytes = 0;

  Storage(detail::Backend* backend, int device, uint64_t nbytes);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
};

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape shape;
  Shape strides;       // in elements
  int64_t offset = 0;  // in elements
  DType dtype = DType::f32;

  bool requires_grad = false;
  Tensor grad;
  std::shared_ptr<autograd::Node> grad_fn;           // null for leaves
  std::shared_ptr<autograd::Node> grad_accumulator;  // leaves that need grad, made lazily
};

namespace detail {

/// Row-major strides of a contiguous tensor of `shape`.
Shape contiguous_strides(const Shape& shape);
int64_t shape_numel(const Shape& shape);
/// A fresh contiguous tensor (uninitialized memory).
Tensor make_tensor(const Shape& shape, DType dtype, const Device& device);
/// A view of t's storage with another shape/strides/offset (no autograd recording).
Tensor make_view(const Tensor& t, const Shape& shape, const Shape& strides, int64_t offset);

}  // namespace detail
}  // namespace silica
