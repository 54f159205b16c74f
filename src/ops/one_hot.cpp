// one_hot: integer class indices (...) -> (..., num_classes), by comparing each index with
// arange(num_classes); on the CPU the indices are checked first, since a bad index would
// otherwise silently give an all-zero row.
#include <algorithm>

#include "ops/op_helpers.h"

namespace silica {

Tensor one_hot(const Tensor& indices, int64_t num_classes, DType dtype) {
  if (!indices.defined()) throw Error("[one_hot] the indices are undefined");
  DType it = indices.dtype();
  if (it != DType::i64 && it != DType::i32 && it != DType::u8)
    throw Error(std::string("[one_hot] indices must be an integer tensor (i64), got ") +
                ops::describe(indices));
  if (num_classes < 0 && num_classes != -1)
    throw Error("[one_hot] num_classes must be >= 0 (or -1 to use max + 1), got " +
                std::to_string(num_classes));
  bool check = indices.device().is_cpu() || num_classes == -1;
  if (check && indices.numel() > 0) {
    std::vector<int64_t> v = indices.to_vector<int64_t>();  // a copy on the CPU: cheap there
    auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    if (num_classes == -1) num_classes = *hi + 1;
    if (*lo < 0 || *hi >= num_classes) {
      int64_t bad = *lo < 0 ? *lo : *hi;
      throw Error("[one_hot] class index " + std::to_string(bad) + " is out of range for num_classes " +
                  std::to_string(num_classes) + " (indices " + ops::describe(indices) + ")");
    }
  }
  if (num_classes == -1) num_classes = 0;  // empty indices: no classes seen
  NoGradGuard no_grad;
  Tensor classes = arange(num_classes, TensorOptions(DType::i64).with_device(indices.device()));
  return eq(indices.unsqueeze(-1), classes).to(dtype);
}

}  // namespace silica
