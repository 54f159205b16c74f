// Internal: raw byte access to CPU tensors, for file formats and batch assembly that
// move bytes around without running ops.
#pragma once

#include <cstdint>

#include "silica/autograd.h"
#include "silica/tensor.h"
#include "tensor_impl.h"

namespace silica::detail {

/// A fresh contiguous CPU tensor (uninitialized).
inline Tensor host_empty(const Shape& shape, DType dtype) { return make_tensor(shape, dtype, Device()); }

/// `t` on the CPU, contiguous and cut from the graph (a copy only when needed).
inline Tensor host_contiguous(const Tensor& t) {
  NoGradGuard no_grad;
  return t.detach().to(Device()).contiguous();
}

/// Address of element 0 of a CPU tensor (null for an empty storage).
inline uint8_t* host_data(const Tensor& t) {
  auto* base = static_cast<uint8_t*>(t.impl()->storage->buffer);
  return base ? base + t.offset() * dtype_size(t.dtype()) : nullptr;
}

/// Bytes of a contiguous tensor's elements.
inline uint64_t host_nbytes(const Tensor& t) {
  return static_cast<uint64_t>(t.numel()) * static_cast<uint64_t>(dtype_size(t.dtype()));
}

}  // namespace silica::detail
