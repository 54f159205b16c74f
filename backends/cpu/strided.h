// Walking N same-shape tensors with arbitrary strides, one inner run at a time.
#pragma once

#include <array>
#include <cstdint>

#include "kernel.h"

namespace silica::cpu {

/// Visits elements [begin, end) (row-major order of `shape`) of N tensors with the given
/// element strides. For each run along the last axis it calls
/// run(offsets, count, inner_strides): offsets[k] is the element offset of the run's first
/// element in tensor k, and inner_strides[k] its step.
template <size_t N, typename Run>
void strided_runs(int ndim, const int64_t* shape, const std::array<const int64_t*, N>& strides,
                  int64_t begin, int64_t end, Run&& run) {
  std::array<int64_t, N> inner{};
  if (ndim == 0) {
    std::array<int64_t, N> offsets{};
    if (begin < end) run(offsets, int64_t{1}, inner);
    return;
  }
  const int last = ndim - 1;
  for (size_t k = 0; k < N; ++k) inner[k] = strides[k][last];
  int64_t index[SILICA_MAX_DIMS];
  int64_t rem = begin;
  for (int d = last; d >= 0; --d) {
    index[d] = shape[d] ? rem % shape[d] : 0;
    rem = shape[d] ? rem / shape[d] : 0;
  }
  std::array<int64_t, N> offsets{};
  for (size_t k = 0; k < N; ++k)
    for (int d = 0; d < ndim; ++d) offsets[k] += index[d] * strides[k][d];
  int64_t pos = begin;
  while (pos < end) {
    int64_t count = std::min(shape[last] - index[last], end - pos);
    run(offsets, count, inner);
    pos += count;
    if (pos >= end) break;
    // Advance to the start of the next run: carry into outer axes.
    for (size_t k = 0; k < N; ++k) offsets[k] += (count - 1) * inner[k];
    index[last] += count - 1;
    for (int d = last; d >= 0; --d) {
      if (++index[d] < shape[d]) {
        for (size_t k = 0; k < N; ++k) offsets[k] += strides[k][d];
        break;
      }
      for (size_t k = 0; k < N; ++k) offsets[k] -= (shape[d] - 1) * strides[k][d];
      index[d] = 0;
    }
  }
}

}  // namespace silica::cpu
