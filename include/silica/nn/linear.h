// Linear (fully connected) and Embedding (lookup table) layers.
#pragma once

#include <optional>

#include "silica/nn/module.h"
#include "silica/random.h"

namespace silica::nn {

/// y = x W^T + b for x (..., in_features) -> (..., out_features).
/// weight (out_features, in_features) and bias (out_features) start at
/// U(-1/sqrt(in_features), 1/sqrt(in_features)), PyTorch's default.
class Linear : public Module {
 public:
  /// options give the dtype and device of the parameters; gen the random stream
  /// (the default generator when null).
  Linear(int64_t in_features, int64_t out_features, bool bias = true, const TensorOptions& options = {},
         Generator* gen = nullptr);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  /// Draws the weights again (PyTorch's reset_parameters).
  void reset_parameters(Generator* gen = nullptr);

  int64_t in_features, out_features;
  Tensor weight;  // (out_features, in_features)
  Tensor bias;    // (out_features), undefined without bias
};

/// Settings of an Embedding beyond its sizes (PyTorch's meaning).
struct EmbeddingArgs {
  /// This row (negative: counted from the end) starts at zeros and is never trained: it
  /// gets no gradient, so it stays what it is (a "padding" token's vector).
  std::optional<int64_t> padding_idx;
};

/// Rows of a (num_embeddings, embedding_dim) table picked by integer indices:
/// (...) -> (..., embedding_dim). The table starts at N(0, 1).
class Embedding : public Module {
 public:
  Embedding(int64_t num_embeddings, int64_t embedding_dim, const TensorOptions& options = {},
            Generator* gen = nullptr);
  Embedding(int64_t num_embeddings, int64_t embedding_dim, const EmbeddingArgs& args, const TensorOptions& options = {},
            Generator* gen = nullptr);
  Tensor forward(const Tensor& indices) override;
  std::string extra_repr() const override;

  int64_t num_embeddings, embedding_dim;
  std::optional<int64_t> padding_idx;  // in [0, num_embeddings) when set
  Tensor weight;                       // (num_embeddings, embedding_dim)
};

}  // namespace silica::nn
