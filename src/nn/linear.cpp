// Linear and Embedding.
#include "silica/nn/linear.h"

#include <cmath>

#include "silica/autograd.h"
#include "silica/error.h"
#include "silica/nn/init.h"
#include "silica/ops.h"

namespace silica::nn {

namespace {
TensorOptions param_options(const TensorOptions& options, const char* layer) {
  if (!is_floating(options.dtype))
    throw Error(std::string("[") + layer + "] parameters must be floating, not " + dtype_name(options.dtype));
  return TensorOptions(options.dtype).with_device(options.device);
}
}  // namespace

Linear::Linear(int64_t in, int64_t out, bool has_bias, const TensorOptions& options, Generator* gen)
    : Module("Linear"), in_features(in), out_features(out) {
  if (in < 0 || out < 0)
    throw Error("[Linear] sizes must be >= 0, got in_features=" + std::to_string(in) +
                " out_features=" + std::to_string(out));
  TensorOptions o = param_options(options, "Linear");
  weight = register_parameter("weight", empty({out, in}, o));
  if (has_bias) bias = register_parameter("bias", empty({out}, o));
  reset_parameters(gen);
}

void Linear::reset_parameters(Generator* gen) {
  // kaiming_uniform(a = sqrt(5)) is U(-1/sqrt(fan_in), 1/sqrt(fan_in)); the bias uses the same bound.
  if (in_features > 0) {
    init::kaiming_uniform_(weight, std::sqrt(5.0), init::FanMode::fan_in, init::Nonlinearity::leaky_relu, gen);
  } else {
    init::zeros_(weight);
  }
  if (bias.defined()) {
    double bound = in_features > 0 ? 1.0 / std::sqrt(static_cast<double>(in_features)) : 0.0;
    init::uniform_(bias, -bound, bound, gen);
  }
}

Tensor Linear::forward(const Tensor& x) {
  if (x.dim() == 0 || x.size(-1) != in_features)
    throw Error("[Linear] expects inputs of shape (..., " + std::to_string(in_features) + "), got " +
                shape_str(x.shape()));
  // mT() is a view: the GEMM reads W transposed in place, no copy.
  Tensor y = matmul(x, weight.mT());
  return bias.defined() ? y + bias : y;
}

std::string Linear::extra_repr() const {
  return "in_features=" + std::to_string(in_features) + ", out_features=" + std::to_string(out_features) +
         ", bias=" + (bias.defined() ? "true" : "false");
}

Embedding::Embedding(int64_t num, int64_t dim, const TensorOptions& options, Generator* gen)
    : Embedding(num, dim, EmbeddingArgs{}, options, gen) {}

Embedding::Embedding(int64_t num, int64_t dim, const EmbeddingArgs& args, const TensorOptions& options, Generator* gen)
    : Module("Embedding"), num_embeddings(num), embedding_dim(dim) {
  if (num <= 0 || dim <= 0)
    throw Error("[Embedding] sizes must be > 0, got num_embeddings=" + std::to_string(num) +
                " embedding_dim=" + std::to_string(dim));
  if (args.padding_idx) {
    const int64_t p = *args.padding_idx < 0 ? *args.padding_idx + num : *args.padding_idx;
    if (p < 0 || p >= num)
      throw Error("[Embedding] padding_idx " + std::to_string(*args.padding_idx) + " is out of range for " +
                  std::to_string(num) + " embeddings (use -" + std::to_string(num) + " to " + std::to_string(num - 1) +
                  ")");
    padding_idx = p;
  }
  weight = register_parameter("weight", empty({num, dim}, param_options(options, "Embedding")));
  init::normal_(weight, 0.0, 1.0, gen);
  if (padding_idx) {
    NoGradGuard no_grad;
    weight.select(0, *padding_idx).fill_(0.0);
  }
}

Tensor Embedding::forward(const Tensor& indices) {
  if (is_floating(indices.dtype()))
    throw Error(std::string("[Embedding] expects integer indices, got ") + dtype_name(indices.dtype()));
  return embedding(weight, indices.to(DType::i64), padding_idx);
}

std::string Embedding::extra_repr() const {
  std::string s = std::to_string(num_embeddings) + ", " + std::to_string(embedding_dim);
  if (padding_idx) s += ", padding_idx=" + std::to_string(*padding_idx);
  return s;
}

}  // namespace silica::nn
