// The op set. Each op checks shapes and dtypes, broadcasts (NumPy rules), promotes
// dtypes, dispatches to the device of its inputs and records its derivative.
#pragma once

#include <optional>
#include <vector>

#include "silica/tensor.h"

namespace silica {

// ---- Unary elementwise ----
Tensor neg(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor sign(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor log1p(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor rsqrt(const Tensor& x);
Tensor reciprocal(const Tensor& x);
Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor relu(const Tensor& x);
/// GELU; `tanh_approximation` selects 0.5x(1+tanh(sqrt(2/pi)(x+0.044715x^3))) over the erf form.
Tensor gelu(const Tensor& x, bool tanh_approximation = false);
Tensor silu(const Tensor& x);
/// log(1 + exp(beta x)) / beta, linear above `threshold` (PyTorch's definition).
Tensor softplus(const Tensor& x, double beta = 1.0, double threshold = 20.0);

// ---- Binary elementwise with broadcasting ----
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, double exponent);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
/// cond ? a : b elementwise, all three broadcast.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
/// Limits x to [min, max]; either bound may be absent.
Tensor clamp(const Tensor& x, std::optional<double> min, std::optional<double> max);
/// Converts to `dtype` (differentiable between floating types).
Tensor cast(const Tensor& x, DType dtype);

Tensor operator-(const Tensor& x);
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, double b);
Tensor operator-(const Tensor& a, double b);
Tensor operator*(const Tensor& a, double b);
Tensor operator/(const Tensor& a, double b);
Tensor operator+(double a, const Tensor& b);
Tensor operator-(double a, const Tensor& b);
Tensor operator*(double a, const Tensor& b);
Tensor operator/(double a, const Tensor& b);

// ---- Reductions (axes may be negative; empty axes = all axes) ----
Tensor sum(const Tensor& x, const std::vector<int64_t>& axes = {}, bool keepdim = false);
Tensor mean(const Tensor& x, const std::vector<int64_t>& axes = {}, bool keepdim = false);
Tensor max(const Tensor& x, const std::vector<int64_t>& axes = {}, bool keepdim = false);
Tensor min(const Tensor& x, const std::vector<int64_t>& axes = {}, bool keepdim = false);
/// Index (i64) of the largest element along `axis`; the first among ties.
Tensor argmax(const Tensor& x, int64_t axis, bool keepdim = false);
Tensor argmin(const Tensor& x, int64_t axis, bool keepdim = false);
/// Variance with Bessel's correction by default (correction = 1).
Tensor var(const Tensor& x, const std::vector<int64_t>& axes = {}, bool keepdim = false,
           double correction = 1.0);
Tensor std(const Tensor& x, const std::vector<int64_t>& axes = {}, bool keepdim = false,
           double correction = 1.0);
Tensor logsumexp(const Tensor& x, const std::vector<int64_t>& axes, bool keepdim = false);

/// Sums x over broadcast axes so it has `shape` (the adjoint of expand).
Tensor sum_to(const Tensor& x, const Shape& shape);

// ---- Linear algebra ----
/// Matrix product with NumPy semantics: 1-D operands are promoted, batch dims broadcast.
Tensor matmul(const Tensor& a, const Tensor& b);

// ---- Neural-network ops ----
Tensor softmax(const Tensor& x, int64_t axis);
Tensor log_softmax(const Tensor& x, int64_t axis);
/// Mean cross-entropy of logits (N, C) against class indices (N) (i64), over the
/// targets that are not ignore_index. Label smoothing mixes in the uniform distribution.
Tensor cross_entropy(const Tensor& logits, const Tensor& target, double label_smoothing = 0.0,
                     int64_t ignore_index = -100);

/// 2-D convolution parameters (PyTorch's meaning).
struct Conv2dOptions {
  int64_t stride_h = 1, stride_w = 1;
  int64_t padding_h = 0, padding_w = 0;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t groups = 1;
};
/// x (N,C,H,W), weight (O,C/groups,KH,KW), optional bias (O) -> (N,O,H',W').
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(),
              const Conv2dOptions& options = {});

/// Pooling window parameters; stride 0 means "= kernel".
struct Pool2dOptions {
  int64_t kernel_h = 2, kernel_w = 2;
  int64_t stride_h = 0, stride_w = 0;
  int64_t padding_h = 0, padding_w = 0;
  int64_t dilation_h = 1, dilation_w = 1;  // max_pool2d only
  bool count_include_pad = true;           // avg_pool2d only
  /// Round the output size up (PyTorch's ceil_mode): a last, partial window covers the end
  /// of an input the windows do not divide, as long as it starts inside the input.
  bool ceil_mode = false;
};
Tensor max_pool2d(const Tensor& x, const Pool2dOptions& options);
Tensor avg_pool2d(const Tensor& x, const Pool2dOptions& options);
/// Averages x (N,C,H,W) into (N,C,out_h,out_w) with PyTorch's adaptive windows.
Tensor adaptive_avg_pool2d(const Tensor& x, int64_t out_h, int64_t out_w);

/// Normalizes over the trailing dims given by normalized_shape; weight/bias optional.
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), double eps = 1e-5);
/// Batch norm over axis 1 of (N,C) or (N,C,H,W). In training mode it uses batch statistics
/// and updates running_mean / running_var in place (when defined) with `momentum`.
Tensor batch_norm(const Tensor& x, Tensor running_mean, Tensor running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum = 0.1, double eps = 1e-5);
/// Zeroes elements with probability p and scales the rest by 1/(1-p); identity when !training.
Tensor dropout(const Tensor& x, double p, bool training = true);
/// (…) i64 class indices -> (…, num_classes) of `dtype`.
Tensor one_hot(const Tensor& indices, int64_t num_classes, DType dtype = DType::f32);

// ---- Indexing ----
/// Rows of weight (V, D) picked by indices (…) (i64) -> (…, D). With padding_idx (negative
/// counts from V), that row is returned like any other but gets no gradient (PyTorch's
/// padding_idx).
Tensor embedding(const Tensor& weight, const Tensor& indices, std::optional<int64_t> padding_idx = std::nullopt);
Tensor index_select(const Tensor& x, int64_t axis, const Tensor& index);
Tensor gather(const Tensor& x, int64_t axis, const Tensor& index);
/// base with src added at index along axis (out of place).
Tensor scatter_add(const Tensor& base, int64_t axis, const Tensor& index, const Tensor& src);
/// base with slices of src added at positions `index` (1-D) along axis (out of place).
Tensor index_add(const Tensor& base, int64_t axis, const Tensor& index, const Tensor& src);

// ---- Joining and splitting ----
Tensor cat(const std::vector<Tensor>& tensors, int64_t axis = 0);
Tensor stack(const std::vector<Tensor>& tensors, int64_t axis = 0);
/// Pieces of `size` along axis (the last may be smaller). Views.
std::vector<Tensor> split(const Tensor& x, int64_t size, int64_t axis = 0);
std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t axis = 0);
/// `chunks` nearly equal views along axis.
std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t axis = 0);

}  // namespace silica
