// Datasets: numbered examples of (input, class label), and the batches made from them.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "silica/tensor.h"

namespace silica::data {

/// One example: its input (any shape) and its class label.
struct Example {
  Tensor input;
  int64_t label = 0;
};

/// Examples stacked along a new first axis.
struct Batch {
  Tensor inputs;                 // (B, ...) stacked inputs
  Tensor labels;                 // (B) i64
  std::vector<int64_t> indices;  // the dataset index of each row
  int64_t epoch = 0;             // where a DataLoader took it from: epoch ...
  int64_t index = 0;             // ... and batch number within the epoch
};

/// A numbered collection of examples. get() and get_batch() must be safe to call from a
/// loader thread while the caller uses other Silica functions (they are const and should
/// not touch shared mutable state).
class Dataset {
 public:
  virtual ~Dataset() = default;
  /// Number of examples.
  virtual int64_t size() const = 0;
  /// Example `index` (0 <= index < size()), its input on the CPU.
  virtual Example get(int64_t index) const = 0;
  /// The examples at `indices`, inputs stacked into (B, ...) and labels into (B) i64, on the
  /// CPU. The default calls get() for each index and stacks (all inputs must have one shape
  /// and dtype); datasets held in memory override it with a direct gather.
  virtual Batch get_batch(const std::vector<int64_t>& indices) const;
};

/// A dataset held as two tensors: row i of `inputs` is example i, labels[i] its class.
/// Batches are gathered with one memcpy per row, which makes this the fast path.
class TensorDataset : public Dataset {
 public:
  /// inputs (N, ...) of any dtype, labels (N) of u8, i32 or i64. Both are brought to the CPU
  /// once (contiguous CPU inputs are shared, not copied); the labels become i64.
  TensorDataset(const Tensor& inputs, const Tensor& labels);

  int64_t size() const override { return size_; }
  Example get(int64_t index) const override;
  Batch get_batch(const std::vector<int64_t>& indices) const override;

  /// (N, ...) on the CPU, contiguous.
  const Tensor& inputs() const { return inputs_; }
  /// (N) i64 on the CPU.
  const Tensor& labels() const { return labels_; }

 private:
  Tensor inputs_;
  Tensor labels_;
  int64_t size_ = 0;
};

/// The examples of `base` at `indices` (e.g. a validation split), renumbered 0..n-1.
class Subset : public Dataset {
 public:
  /// Every index must lie in [0, base->size()).
  Subset(std::shared_ptr<const Dataset> base, std::vector<int64_t> indices);

  int64_t size() const override { return static_cast<int64_t>(indices_.size()); }
  Example get(int64_t index) const override;
  Batch get_batch(const std::vector<int64_t>& indices) const override;

 private:
  std::shared_ptr<const Dataset> base_;
  std::vector<int64_t> indices_;
};

/// Stacks equally shaped tensors of one dtype into (n, ...) on the CPU without running
/// ops (the loader thread uses it). `function` names the caller in errors.
Tensor stack_on_host(const std::vector<Tensor>& tensors, const char* function = "stack_on_host");

}  // namespace silica::data
