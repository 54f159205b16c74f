// Size2: a (height, width) pair for kernels, strides and paddings; one number means both.
#pragma once

#include <cstdint>
#include <string>

namespace silica::nn {

/// Height and width; `Size2(3)` is 3x3, `Size2(3, 5)` is 3 high and 5 wide.
struct Size2 {
  int64_t h = 0;
  int64_t w = 0;
  Size2(int64_t both) : h(both), w(both) {}  // NOLINT(google-explicit-constructor): {.padding = 1}
  Size2(int64_t height, int64_t width) : h(height), w(width) {}
  bool operator==(const Size2& o) const { return h == o.h && w == o.w; }
  /// "3" when square, else "(3, 5)": how sizes appear in Module::str().
  std::string str() const {
    if (h == w) return std::to_string(h);
    std::string s("(");  // built by appends: GCC 12 misreports `"(" + to_string(h)` (-Wrestrict)
    s.append(std::to_string(h)).append(", ").append(std::to_string(w)).append(")");
    return s;
  }
};

}  // namespace silica::nn
