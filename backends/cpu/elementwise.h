// Applying a function elementwise over same-shape strided tensors, in parallel.
#pragma once

#include <array>
#include <tuple>
#include <utility>

#include "strided.h"

namespace silica::cpu {

constexpr int64_t kElementwiseGrain = 32768;

namespace detail {

/// The layout map_elements walks: x's dims with size-1 dims dropped and neighbours merged
/// wherever every tensor steps through them as one (stride[d] == stride[d+1] * shape[d+1]),
/// so a contiguous (64,32,28,28) tensor is one run of 1.6M elements rather than 57344
/// runs of 28, and an (N, C) + (C) bias add is N runs of C.
template <size_t N>
struct Collapsed {
  int ndim = 0;
  int64_t shape[SILICA_MAX_DIMS];
  int64_t strides[N][SILICA_MAX_DIMS];
  std::array<const int64_t*, N> stride_ptrs() const {
    std::array<const int64_t*, N> p;
    for (size_t k = 0; k < N; ++k) p[k] = strides[k];
    return p;
  }
};

template <size_t N>
Collapsed<N> collapse(int ndim, const int64_t* shape, const std::array<const int64_t*, N>& strides) {
  Collapsed<N> c;
  for (int d = 0; d < ndim; ++d) {
    if (shape[d] == 1) continue;
    bool merge = c.ndim > 0;
    for (size_t k = 0; k < N && merge; ++k) merge = c.strides[k][c.ndim - 1] == strides[k][d] * shape[d];
    if (merge) {
      c.shape[c.ndim - 1] *= shape[d];
      for (size_t k = 0; k < N; ++k) c.strides[k][c.ndim - 1] = strides[k][d];
      continue;
    }
    c.shape[c.ndim] = shape[d];
    for (size_t k = 0; k < N; ++k) c.strides[k][c.ndim] = strides[k][d];
    ++c.ndim;
  }
  return c;
}

template <typename Out, typename F, typename Ptrs, size_t... I>
void map_run(Out* o, const Ptrs& ptrs, const std::array<int64_t, sizeof...(I) + 1>& off, int64_t count,
             const std::array<int64_t, sizeof...(I) + 1>& step, F& f, std::index_sequence<I...>) {
  Out* po = o + off[0];
  if (step[0] == 1) {
    if (((step[I + 1] == 1) && ...)) {
      auto bases = std::make_tuple((std::get<I>(ptrs) + off[I + 1])...);
      for (int64_t i = 0; i < count; ++i) po[i] = static_cast<Out>(f(std::get<I>(bases)[i]...));
      return;
    }
    if constexpr (sizeof...(I) == 2) {
      // One operand constant along the run (x * scalar, a broadcast row): hoisting it
      // keeps the loop a plain vectorizable one.
      const auto* a = std::get<0>(ptrs) + off[1];
      const auto* b = std::get<1>(ptrs) + off[2];
      if (step[1] == 1 && step[2] == 0) {
        const auto bv = *b;
        for (int64_t i = 0; i < count; ++i) po[i] = static_cast<Out>(f(a[i], bv));
        return;
      }
      if (step[1] == 0 && step[2] == 1) {
        const auto av = *a;
        for (int64_t i = 0; i < count; ++i) po[i] = static_cast<Out>(f(av, b[i]));
        return;
      }
    }
  }
  for (int64_t i = 0; i < count; ++i)
    po[i * step[0]] = static_cast<Out>(f(std::get<I>(ptrs)[off[I + 1] + i * step[I + 1]]...));
}

/// One descriptor per input type (lets the inputs form a pack).
template <typename T>
using DescFor = const SilicaTensorDesc&;

}  // namespace detail

/// out[i] = f(in_0[i], ..., in_k[i]) with Out and Ins the stored C++ types. Contiguous
/// runs take a plain loop the compiler vectorizes.
template <typename Out, typename... Ins, typename F>
void map_elements(const SilicaTensorDesc& out, F f, detail::DescFor<Ins>... ins) {
  constexpr size_t N = sizeof...(Ins) + 1;
  const detail::Collapsed<N> c = detail::collapse<N>(out.ndim, out.shape, {out.strides, ins.strides...});
  const std::array<const int64_t*, N> strides = c.stride_ptrs();
  Out* o = data<Out>(out);
  std::tuple<const Ins*...> ptrs{data<const Ins>(ins)...};
  const int64_t n = numel(out);
  parallel_for(n, kElementwiseGrain, [&](int64_t begin, int64_t end) {
    strided_runs<N>(c.ndim, c.shape, strides, begin, end,
                    [&](const std::array<int64_t, N>& off, int64_t count, const std::array<int64_t, N>& step) {
                      detail::map_run(o, ptrs, off, count, step, f, std::index_sequence_for<Ins...>{});
                    });
  });
}

}  // namespace silica::cpu
