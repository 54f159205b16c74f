// Readable printing, in the spirit of PyTorch's repr.
#include <cmath>
#include <cstdio>
#include <sstream>

#include "silica/autograd.h"
#include "silica/ops.h"
#include "tensor_impl.h"

namespace silica {

namespace {

constexpr int64_t kSummarizeAbove = 1000;  // elements; larger tensors show their edges only
constexpr int64_t kEdgeItems = 3;

std::string format_value(double v, DType dtype) {
  char buf[64];
  if (dtype == DType::boolean) return v != 0 ? "true" : "false";
  if (!is_floating(dtype)) {
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  } else if (std::isnan(v) || std::isinf(v)) {
    std::snprintf(buf, sizeof buf, "%s", std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf"));
  } else if (v != 0 && (std::fabs(v) >= 1e6 || std::fabs(v) < 1e-4)) {
    std::snprintf(buf, sizeof buf, "%.4e", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.4f", v);
  }
  return buf;
}

void print_rec(std::ostringstream& os, const std::vector<double>& values, const Shape& shape,
               const Shape& strides, int64_t axis, int64_t base, DType dtype, bool summarize) {
  if (axis == static_cast<int64_t>(shape.size())) {
    os << format_value(values[base], dtype);
    return;
  }
  os << "[";
  int64_t n = shape[axis];
  for (int64_t i = 0; i < n; ++i) {
    if (summarize && n > 2 * kEdgeItems && i == kEdgeItems) {
      os << "...";
      i = n - kEdgeItems - 1;
      if (axis + 1 < static_cast<int64_t>(shape.size())) os << ",\n" << std::string(axis + 8, ' ');
      else os << ", ";
      continue;
    }
    print_rec(os, values, shape, strides, axis + 1, base + i * strides[axis], dtype, summarize);
    if (i + 1 < n) {
      if (axis + 1 < static_cast<int64_t>(shape.size())) os << ",\n" << std::string(axis + 8, ' ');
      else os << ", ";
    }
  }
  os << "]";
}

}  // namespace

std::string Tensor::str() const {
  if (!defined()) return "tensor(undefined)";
  std::vector<double> values;
  {
    NoGradGuard no_grad;
    values = to_vector<double>();
  }
  std::ostringstream os;
  os << "tensor(";
  print_rec(os, values, shape(), detail::contiguous_strides(shape()), 0, 0, dtype(),
            numel() > kSummarizeAbove);
  os << ", shape=" << shape_str(shape()) << ", dtype=" << dtype_name(dtype())
     << ", device=" << device().str();
  if (requires_grad()) os << ", requires_grad=true";
  os << ")";
  return os.str();
}

}  // namespace silica
