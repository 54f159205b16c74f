// Applying a function elementwise over same-shape strided tensors, in parallel.
#pragma once

#include <array>
#include <tuple>
#include <utility>

#include "strided.h"

namespace silica::cpu {

constexpr int64_t kElementwiseGrain = 32768;

namespace detail {

template <typename Out, typename F, typename Ptrs, size_t... I>
void map_run(Out* o, const Ptrs& ptrs, const std::array<int64_t, sizeof...(I) + 1>& off, int64_t count,
             const std::array<int64_t, sizeof...(I) + 1>& step, F& f, std::index_sequence<I...>) {
  bool unit = step[0] == 1 && ((step[I + 1] == 1) && ...);
  Out* po = o + off[0];
  if (unit) {
    auto bases = std::make_tuple((std::get<I>(ptrs) + off[I + 1])...);
    for (int64_t i = 0; i < count; ++i) po[i] = static_cast<Out>(f(std::get<I>(bases)[i]...));
  } else {
    for (int64_t i = 0; i < count; ++i)
      po[i * step[0]] = static_cast<Out>(f(std::get<I>(ptrs)[off[I + 1] + i * step[I + 1]]...));
  }
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
  std::array<const int64_t*, N> strides{out.strides, ins.strides...};
  Out* o = data<Out>(out);
  std::tuple<const Ins*...> ptrs{data<const Ins>(ins)...};
  const int64_t n = numel(out);
  parallel_for(n, kElementwiseGrain, [&](int64_t begin, int64_t end) {
    strided_runs<N>(out.ndim, out.shape, strides, begin, end,
                    [&](const std::array<int64_t, N>& off, int64_t count, const std::array<int64_t, N>& step) {
                      detail::map_run(o, ptrs, off, count, step, f, std::index_sequence_for<Ins...>{});
                    });
  });
}

}  // namespace silica::cpu
