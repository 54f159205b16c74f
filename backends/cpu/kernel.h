// The CPU backend's kernel table and what every kernel file needs.
#pragma once

#include <cstdint>
#include <string>

#include "numeric.h"
#include "silica/plugin.h"
#include "thread_pool.h"

namespace silica::cpu {

/// A kernel: reads inputs, writes outputs, returns a status (set_error() first on failure).
using KernelFn = SilicaStatus (*)(const SilicaTensorDesc* in, int32_t num_in, const SilicaTensorDesc* out,
                                  int32_t num_out, const SilicaAttrs* attrs);

/// Makes `fn` the kernel for `op` for inputs whose dtype bit is in `dtype_mask`.
void register_kernel(int32_t op, KernelFn fn, uint32_t dtype_mask);

/// Records the message last_error() returns on this thread; returns `status` for chaining.
SilicaStatus set_error(SilicaStatus status, const std::string& message);

// Each kernel file registers its ops here (called once by the backend's init).
void register_elementwise_kernels();
void register_reduce_kernels();
void register_matmul_kernels();
void register_conv_kernels();
void register_pool_kernels();
void register_softmax_kernels();
void register_index_kernels();
void register_random_kernels();
void register_optim_kernels();

/// Typed pointer to element 0 of a descriptor.
template <typename T>
inline T* data(const SilicaTensorDesc& d) {
  return reinterpret_cast<T*>(static_cast<char*>(d.buffer) + d.offset);
}

inline int64_t numel(const SilicaTensorDesc& d) {
  int64_t n = 1;
  for (int i = 0; i < d.ndim; ++i) n *= d.shape[i];
  return n;
}

inline bool is_contiguous(const SilicaTensorDesc& d) {
  int64_t expected = 1;
  for (int i = d.ndim - 1; i >= 0; --i) {
    if (d.shape[i] == 1) continue;
    if (d.strides[i] != expected) return false;
    expected *= d.shape[i];
  }
  return true;
}

}  // namespace silica::cpu
