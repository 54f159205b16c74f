// Rows of the conformance table for the linalg ops: matmul, conv2d and pooling.
// f16/bf16 rows use the default tolerances: products and windows are accumulated in
// float on the CPU and rounded once, so their error is one rounding of the result.
#include "conformance/conformance.h"

namespace silica::conformance {

namespace {

const std::vector<DType> kFloat = {DType::f32, DType::f64, DType::f16, DType::bf16};
const std::vector<DType> kF32 = {DType::f32};
const std::vector<DType> kHalves = {DType::f16, DType::bf16};

using Run = std::function<Tensor(const std::vector<Tensor>&)>;

Input in(Shape shape, Values values = Values::normal) {
  Input i;
  i.shape = std::move(shape);
  i.values = values;
  return i;
}
// Handed to the op as a non-contiguous view (see Input::strided).
Input strided(Shape shape, Values values = Values::normal) {
  Input i = in(std::move(shape), values);
  i.strided = true;
  return i;
}

Tensor mm(const std::vector<Tensor>& x) { return matmul(x[0], x[1]); }

void add_matmul_cases(std::vector<Case>& cases) {
  cases.push_back({"matmul/odd", {in({7, 13}), in({13, 5})}, mm});
  cases.push_back({"matmul/vec_mat", {in({13}), in({13, 5})}, mm});
  cases.push_back({"matmul/mat_vec", {in({7, 13}), in({13})}, mm});
  cases.push_back({"matmul/dot", {in({13}), in({13})}, mm});
  cases.push_back({"matmul/batched", {in({3, 4, 6}), in({3, 6, 5})}, mm});
  cases.push_back({"matmul/broadcast_batch", {in({2, 1, 4, 3}), in({5, 3, 6})}, mm});
  cases.push_back({"matmul/batched_vec", {in({3, 4, 6}), in({6})}, mm});
  cases.push_back({"matmul/vec_batched", {in({6}), in({2, 3, 6, 5})}, mm});
  // (..., M, K) @ (K, N): the batch folds into M (one GEMM forward and for dB).
  cases.push_back({"matmul/fold_batch", {in({2, 3, 4, 6}), in({6, 5})}, mm});
  // (M, K) @ (B, K, N): a is broadcast over b's batch.
  cases.push_back({"matmul/broadcast_a", {in({4, 6}), in({3, 6, 5})}, mm});
  // Transposed views reach the kernel as views (x.mT() of a Linear layer).
  cases.push_back({"matmul/transposed_a", {in({13, 7}), in({13, 5})}, [](const std::vector<Tensor>& x) {
                     return matmul(x[0].mT(), x[1]);
                   }});
  cases.push_back({"matmul/linear_weight_mT", {in({2, 4, 6}), in({5, 6})}, [](const std::vector<Tensor>& x) {
                     return matmul(x[0], x[1].mT());
                   }});
  cases.push_back({"matmul/both_transposed_batched",
                   {in({3, 6, 4}), in({3, 5, 6})},
                   [](const std::vector<Tensor>& x) { return matmul(x[0].mT(), x[1].mT()); }});
  cases.push_back({"matmul/strided", {strided({6, 7}), strided({7, 5})}, mm});
  // Every other element of 1-D operands: read in place as a (1, K) matrix with stride 2.
  cases.push_back({"matmul/strided_dot", {strided({13}), strided({13})}, mm});
  cases.push_back({"matmul/strided_vec_mat", {strided({13}), strided({13, 5})}, mm});
  cases.push_back({"matmul/strided_batched", {strided({2, 5, 7}), in({2, 7, 3})}, mm});
  // Every other column: neither row-major nor transposed, so it is copied first.
  cases.push_back({"matmul/sliced_columns", {in({5, 14}), in({7, 4})}, [](const std::vector<Tensor>& x) {
                     return matmul(x[0].slice(1, 0, 14, 2), x[1]);
                   }});
  // A row repeated by expand (row stride 0).
  cases.push_back({"matmul/expanded_rows", {in({1, 6}), in({6, 4})}, [](const std::vector<Tensor>& x) {
                     return matmul(x[0].expand({5, 6}), x[1]);
                   }});
  cases.push_back({"matmul/k_zero", {in({3, 0}), in({0, 4})}, mm});
  cases.push_back({"matmul/m_zero", {in({0, 5}), in({5, 3})}, mm, kFloat, false});
  cases.push_back({"matmul/batch_zero", {in({0, 2, 5}), in({5, 3})}, mm, kFloat, false});
  // Many small products (spread over threads) and a few large ones (BLAS threads them).
  cases.push_back({"matmul/many_small", {in({40, 5, 6}), in({40, 6, 7})}, mm, kF32, false});
  cases.push_back({"matmul/large_batched", {in({2, 70, 80}), in({2, 80, 60})}, mm, kF32, false});
  cases.push_back({"matmul/large", {in({64, 300}), in({300, 70})}, mm, kF32, false});
  // Big enough for GPU tensor-core paths: edge tiles, rows not a multiple of 8 halves
  // (element loads), whole 16-byte rows, and a transposed operand.
  cases.push_back({"matmul/tensor_core_edges", {in({130, 200}), in({200, 150})}, mm, kHalves, false});
  cases.push_back({"matmul/tensor_core_aligned", {in({256, 136}), in({136, 264})}, mm, kHalves, false});
  cases.push_back(
      {"matmul/tensor_core_transposed",
       {in({136, 256}), in({264, 136})},
       [](const std::vector<Tensor>& x) { return matmul(x[0].transpose(0, 1), x[1].transpose(0, 1)); },
       kHalves,
       false});
  // Big enough for a GPU's 128 x 128 f32 GEMM (Vulkan: at least 128 such tiles): edge tiles,
  // k not a multiple of 16 (a last, partial slice), whole tiles (16-byte loads), k shorter
  // than a slice, each layout of transposed operands (a Linear layer's x W^T is b
  // transposed) and a batch.
  cases.push_back({"matmul/large_f32_edges", {in({1300, 40}), in({40, 1700})}, mm, kF32, false});
  cases.push_back({"matmul/large_f32_aligned", {in({1280, 48}), in({48, 1664})}, mm, kF32, false});
  cases.push_back({"matmul/large_f32_a_transposed",
                   {in({48, 1300}), in({48, 1664})},
                   [](const std::vector<Tensor>& x) { return matmul(x[0].mT(), x[1]); },
                   kF32,
                   false});
  cases.push_back({"matmul/large_f32_b_transposed",
                   {in({1280, 40}), in({1700, 40})},
                   [](const std::vector<Tensor>& x) { return matmul(x[0], x[1].mT()); },
                   kF32,
                   false});
  cases.push_back({"matmul/large_f32_both_transposed",
                   {in({48, 1280}), in({1664, 48})},
                   [](const std::vector<Tensor>& x) { return matmul(x[0].mT(), x[1].mT()); },
                   kF32,
                   false});
  cases.push_back({"matmul/large_f32_short_k", {in({1280, 12}), in({12, 1664})}, mm, kF32, false});
  cases.push_back({"matmul/large_f32_batched", {in({2, 1024, 32}), in({2, 32, 1024})}, mm, kF32, false});
  // Batched ones: per-batch edges, a batch dim of b broadcast (stride 0), transposed a.
  cases.push_back({"matmul/tensor_core_batched", {in({3, 130, 200}), in({3, 200, 150})}, mm, kHalves, false});
  cases.push_back(
      {"matmul/tensor_core_broadcast", {in({2, 3, 136, 256}), in({3, 256, 136})}, mm, kHalves, false});
  cases.push_back({"matmul/tensor_core_batched_transposed",
                   {in({2, 256, 136}), in({2, 256, 264})},
                   [](const std::vector<Tensor>& x) { return matmul(x[0].transpose(1, 2), x[1]); },
                   kHalves,
                   false});
}

Run conv(Conv2dOptions o, bool bias) {
  return [o, bias](const std::vector<Tensor>& x) { return conv2d(x[0], x[1], bias ? x[2] : Tensor(), o); };
}

Conv2dOptions conv_opts(int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh = 1, int64_t dw = 1,
                        int64_t groups = 1) {
  Conv2dOptions o;
  o.stride_h = sh, o.stride_w = sw, o.padding_h = ph, o.padding_w = pw;
  o.dilation_h = dh, o.dilation_w = dw, o.groups = groups;
  return o;
}

void add_conv_cases(std::vector<Case>& cases) {
  cases.push_back({"conv2d/basic", {in({2, 3, 7, 9}), in({4, 3, 3, 3}), in({4})}, conv({}, true)});
  cases.push_back({"conv2d/no_bias", {in({2, 3, 6, 5}), in({4, 3, 2, 3})}, conv({}, false)});
  cases.push_back({"conv2d/stride_padding",
                   {in({2, 3, 9, 8}), in({5, 3, 3, 3}), in({5})},
                   conv(conv_opts(2, 1, 1, 2), true)});
  cases.push_back(
      {"conv2d/dilation", {in({1, 2, 9, 10}), in({3, 2, 3, 2})}, conv(conv_opts(1, 1, 1, 1, 2, 3), false)});
  cases.push_back({"conv2d/groups",
                   {in({2, 4, 7, 6}), in({6, 2, 3, 3}), in({6})},
                   conv(conv_opts(1, 1, 1, 1, 1, 1, 2), true)});
  cases.push_back({"conv2d/depthwise",
                   {in({2, 3, 8, 7}), in({3, 1, 3, 3}), in({3})},
                   conv(conv_opts(1, 1, 1, 1, 1, 1, 3), true)});
  cases.push_back({"conv2d/groups_stride_dilation",
                   {in({2, 6, 11, 10}), in({9, 2, 3, 2}), in({9})},
                   conv(conv_opts(2, 3, 1, 2, 2, 1, 3), true)});
  cases.push_back({"conv2d/odd_everything",
                   {in({3, 5, 11, 13}), in({7, 5, 4, 2}), in({7})},
                   conv(conv_opts(3, 2, 2, 1, 1, 2), true)});
  cases.push_back({"conv2d/pointwise", {in({2, 6, 5, 7}), in({4, 6, 1, 1}), in({4})}, conv({}, true)});
  cases.push_back(
      {"conv2d/pointwise_stride", {in({2, 6, 5, 7}), in({4, 6, 1, 1})}, conv(conv_opts(2, 2, 0, 0), false)});
  // Over 1024 output positions: one sample per GEMM, written in place (and the 1x1
  // kernel reads the input without im2col).
  cases.push_back(
      {"conv2d/pointwise_large_image", {in({2, 3, 32, 33}), in({4, 3, 1, 1}), in({4})}, conv({}, true)});
  cases.push_back({"conv2d/large_image",
                   {in({2, 2, 33, 35}), in({3, 2, 3, 3}), in({3})},
                   conv(conv_opts(1, 1, 1, 1), true)});
  cases.push_back(
      {"conv2d/kernel_equals_input", {in({2, 3, 4, 5}), in({2, 3, 4, 5}), in({2})}, conv({}, true)});
  cases.push_back({"conv2d/strided_input",
                   {strided({2, 3, 6, 7}), strided({4, 3, 3, 2})},
                   conv(conv_opts(1, 1, 1, 0), false)});
  cases.push_back(
      {"conv2d/empty_batch", {in({0, 3, 5, 5}), in({4, 3, 3, 3}), in({4})}, conv({}, true), kFloat, false});
  cases.push_back({"conv2d/large",
                   {in({4, 16, 20, 20}), in({32, 16, 3, 3}), in({32})},
                   conv(conv_opts(1, 1, 1, 1), true),
                   kF32,
                   false});
  // 3x3 stride-1 convolutions with >= 16 channels each side: the CPU runs f32 (forward and
  // input gradient) by Winograd F(2x2, 3x3), the f64 reference by im2col. Odd output sizes
  // leave partial tiles; rows of >= 4 tiles take the vector path.
  cases.push_back({"conv2d/winograd_odd",
                   {in({2, 16, 7, 9}), in({16, 16, 3, 3}), in({16})},
                   conv(conv_opts(1, 1, 1, 1), true)});
  cases.push_back(
      {"conv2d/winograd_pad0", {in({3, 17, 8, 10}), in({16, 17, 3, 3})}, conv(conv_opts(1, 1, 0, 0), false)});
  cases.push_back({"conv2d/winograd_pad2",
                   {in({2, 16, 5, 6}), in({19, 16, 3, 3}), in({19})},
                   conv(conv_opts(1, 1, 2, 2), true)});
  cases.push_back({"conv2d/winograd_mixed_padding",
                   {strided({2, 16, 6, 13}), in({16, 16, 3, 3})},
                   conv(conv_opts(1, 1, 0, 1), false)});
}

Pool2dOptions pool_opts(int64_t kh, int64_t kw, int64_t sh = 0, int64_t sw = 0, int64_t ph = 0,
                        int64_t pw = 0, int64_t dh = 1, int64_t dw = 1, bool include_pad = true) {
  Pool2dOptions o;
  o.kernel_h = kh, o.kernel_w = kw, o.stride_h = sh, o.stride_w = sw, o.padding_h = ph, o.padding_w = pw;
  o.dilation_h = dh, o.dilation_w = dw, o.count_include_pad = include_pad;
  return o;
}

Pool2dOptions ceil(Pool2dOptions o) {
  o.ceil_mode = true;
  return o;
}

Run max_pool(Pool2dOptions o) {
  return [o](const std::vector<Tensor>& x) { return max_pool2d(x[0], o); };
}
Run avg_pool(Pool2dOptions o) {
  return [o](const std::vector<Tensor>& x) { return avg_pool2d(x[0], o); };
}
Run adaptive(int64_t h, int64_t w) {
  return [h, w](const std::vector<Tensor>& x) { return adaptive_avg_pool2d(x[0], h, w); };
}

void add_pool_cases(std::vector<Case>& cases) {
  // Values::away keeps window elements apart, so the argmax is stable under FD steps.
  const Values v = Values::away;
  cases.push_back({"max_pool2d/basic", {in({2, 3, 8, 9}, v)}, max_pool(pool_opts(2, 2))});
  cases.push_back(
      {"max_pool2d/stride_padding", {in({2, 3, 9, 10}, v)}, max_pool(pool_opts(3, 3, 2, 2, 1, 1))});
  cases.push_back(
      {"max_pool2d/dilation", {in({1, 2, 11, 9}, v)}, max_pool(pool_opts(3, 2, 1, 2, 1, 1, 2, 2))});
  cases.push_back({"max_pool2d/overlapping", {in({2, 2, 7, 6}, v)}, max_pool(pool_opts(3, 2, 1, 1))});
  cases.push_back({"max_pool2d/rect_stride", {in({1, 3, 10, 7}, v)}, max_pool(pool_opts(2, 3, 3, 1, 1, 0))});
  cases.push_back({"max_pool2d/strided", {strided({2, 3, 6, 8}, v)}, max_pool(pool_opts(2, 2))});
  cases.push_back({"max_pool2d/unbatched", {in({3, 7, 7}, v)}, max_pool(pool_opts(3, 3, 2, 2, 1, 1))});
  cases.push_back({"max_pool2d/empty", {in({0, 3, 4, 4}, v)}, max_pool(pool_opts(2, 2)), kFloat, false});
  // ceil_mode: a last, partial window (7 -> 4 and 9 -> 5 rather than 3 and 4), with and
  // without padding (there a window that would start in the right padding is dropped).
  cases.push_back({"max_pool2d/ceil", {in({2, 3, 7, 9}, v)}, max_pool(ceil(pool_opts(2, 2)))});
  cases.push_back(
      {"max_pool2d/ceil_padding", {in({1, 2, 10, 8}, v)}, max_pool(ceil(pool_opts(3, 3, 2, 2, 1, 1)))});
  cases.push_back({"max_pool2d/ceil_dilation",
                   {in({1, 2, 11, 10}, v)},
                   max_pool(ceil(pool_opts(3, 2, 2, 3, 0, 1, 2, 1)))});

  cases.push_back({"avg_pool2d/basic", {in({2, 3, 8, 9})}, avg_pool(pool_opts(2, 2))});
  cases.push_back({"avg_pool2d/pad_include", {in({2, 3, 9, 10})}, avg_pool(pool_opts(3, 3, 2, 2, 1, 1))});
  cases.push_back(
      {"avg_pool2d/pad_exclude", {in({2, 3, 9, 10})}, avg_pool(pool_opts(3, 3, 2, 2, 1, 1, 1, 1, false))});
  cases.push_back({"avg_pool2d/overlapping", {in({2, 2, 7, 6})}, avg_pool(pool_opts(3, 2, 1, 1))});
  cases.push_back({"avg_pool2d/rect_pad_exclude",
                   {in({1, 3, 10, 7})},
                   avg_pool(pool_opts(4, 3, 3, 2, 2, 1, 1, 1, false))});
  cases.push_back({"avg_pool2d/strided", {strided({2, 3, 6, 8})}, avg_pool(pool_opts(2, 2))});
  cases.push_back({"avg_pool2d/unbatched", {in({3, 7, 7})}, avg_pool(pool_opts(3, 3, 2, 2, 1, 1))});
  cases.push_back({"avg_pool2d/empty", {in({0, 3, 4, 4})}, avg_pool(pool_opts(2, 2)), kFloat, false});
  // ceil_mode: the partial last window's divisor counts padding up to H + pad only
  // (count_include_pad), or only the taps inside (PyTorch's rule).
  cases.push_back({"avg_pool2d/ceil", {in({2, 3, 7, 9})}, avg_pool(ceil(pool_opts(2, 2)))});
  cases.push_back(
      {"avg_pool2d/ceil_pad_include", {in({1, 2, 10, 8})}, avg_pool(ceil(pool_opts(3, 3, 2, 2, 1, 1)))});
  cases.push_back({"avg_pool2d/ceil_pad_exclude",
                   {in({1, 2, 10, 8})},
                   avg_pool(ceil(pool_opts(3, 3, 2, 2, 1, 1, 1, 1, false)))});

  cases.push_back({"adaptive_avg_pool2d/down", {in({2, 3, 10, 9})}, adaptive(4, 5)});
  cases.push_back({"adaptive_avg_pool2d/up", {in({1, 2, 3, 4})}, adaptive(5, 7)});
  cases.push_back({"adaptive_avg_pool2d/global", {in({2, 3, 5, 6})}, adaptive(1, 1)});
  cases.push_back({"adaptive_avg_pool2d/strided", {strided({2, 3, 7, 8})}, adaptive(3, 3)});
  cases.push_back({"adaptive_avg_pool2d/unbatched", {in({3, 7, 6})}, adaptive(2, 4)});
  cases.push_back({"adaptive_avg_pool2d/empty", {in({0, 3, 4, 4})}, adaptive(2, 2), kFloat, false});
}

}  // namespace

void add_linalg_cases(std::vector<Case>& cases) {
  add_matmul_cases(cases);
  add_conv_cases(cases);
  add_pool_cases(cases);
}

}  // namespace silica::conformance
