// TensorDataset, Subset and host-side stacking. Batches are assembled with memcpy on the
// CPU so that the loader thread never has to run ops.
#include "silica/data/dataset.h"

#include <cstring>

#include "io/host_tensor.h"
#include "silica/error.h"

namespace silica::data {

namespace {

void check_index(int64_t index, int64_t size, const char* function) {
  if (index < 0 || index >= size)
    throw Error(std::string("[") + function + "] index " + std::to_string(index) + " is out of range for a dataset of " +
                std::to_string(size) + " examples");
}

/// Labels of any integer dtype as a contiguous (N) i64 CPU tensor.
Tensor labels_to_i64(const Tensor& labels) {
  Tensor h = silica::detail::host_contiguous(labels);
  if (h.dtype() == DType::i64) return h;
  Tensor out = silica::detail::host_empty(h.shape(), DType::i64);
  auto* dst = reinterpret_cast<int64_t*>(silica::detail::host_data(out));
  const uint8_t* src = silica::detail::host_data(h);
  for (int64_t i = 0; i < h.numel(); ++i) {
    switch (h.dtype()) {
      case DType::u8: dst[i] = src[i]; break;
      case DType::i32: dst[i] = reinterpret_cast<const int32_t*>(src)[i]; break;
      default: break;  // refused by the caller
    }
  }
  return out;
}

}  // namespace

Tensor stack_on_host(const std::vector<Tensor>& tensors, const char* function) {
  if (tensors.empty()) throw Error(std::string("[") + function + "] needs at least one tensor to stack");
  const Shape& shape = tensors[0].shape();
  DType dtype = tensors[0].dtype();
  Shape out_shape = shape;
  out_shape.insert(out_shape.begin(), static_cast<int64_t>(tensors.size()));
  Tensor out = silica::detail::host_empty(out_shape, dtype);
  uint64_t row = static_cast<uint64_t>(tensors[0].numel()) * static_cast<uint64_t>(dtype_size(dtype));
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (!t.defined() || t.shape() != shape || t.dtype() != dtype)
      throw Error(std::string("[") + function + "] cannot stack example " + std::to_string(i) + " of shape " +
                  (t.defined() ? shape_str(t.shape()) + " " + dtype_name(t.dtype()) : std::string("(undefined)")) +
                  " with example 0 of shape " + shape_str(shape) + " " + dtype_name(dtype) +
                  "; every input of a batch needs the same shape and dtype (resize images to one size)");
    if (row == 0) continue;
    Tensor h = silica::detail::host_contiguous(t);
    std::memcpy(silica::detail::host_data(out) + i * row, silica::detail::host_data(h), row);
  }
  return out;
}

Batch Dataset::get_batch(const std::vector<int64_t>& indices) const {
  std::vector<Tensor> inputs;
  std::vector<int64_t> labels;
  inputs.reserve(indices.size());
  labels.reserve(indices.size());
  for (int64_t i : indices) {
    Example e = get(i);
    inputs.push_back(std::move(e.input));
    labels.push_back(e.label);
  }
  Batch b;
  b.inputs = stack_on_host(inputs, "Dataset::get_batch");
  b.labels = silica::detail::host_empty({static_cast<int64_t>(labels.size())}, DType::i64);
  if (!labels.empty()) std::memcpy(silica::detail::host_data(b.labels), labels.data(), labels.size() * 8);
  b.indices = indices;
  return b;
}

TensorDataset::TensorDataset(const Tensor& inputs, const Tensor& labels) {
  if (!inputs.defined() || !labels.defined()) throw Error("[TensorDataset] inputs and labels must be defined tensors");
  if (inputs.dim() < 1) throw Error("[TensorDataset] inputs need a first (example) axis, got shape " + shape_str(inputs.shape()));
  if (labels.dim() != 1 || labels.size(0) != inputs.size(0))
    throw Error("[TensorDataset] labels must have shape (" + std::to_string(inputs.size(0)) + ") to match inputs " +
                shape_str(inputs.shape()) + ", got " + shape_str(labels.shape()));
  if (labels.dtype() != DType::u8 && labels.dtype() != DType::i32 && labels.dtype() != DType::i64)
    throw Error(std::string("[TensorDataset] labels must be u8, i32 or i64 class indices, got ") + dtype_name(labels.dtype()));
  inputs_ = silica::detail::host_contiguous(inputs);
  labels_ = labels_to_i64(labels);
  size_ = inputs.size(0);
}

Example TensorDataset::get(int64_t index) const {
  check_index(index, size_, "TensorDataset::get");
  Example e;
  e.input = inputs_.select(0, index);
  e.label = reinterpret_cast<const int64_t*>(silica::detail::host_data(labels_))[index];
  return e;
}

Batch TensorDataset::get_batch(const std::vector<int64_t>& indices) const {
  const int64_t b = static_cast<int64_t>(indices.size());
  Shape shape = inputs_.shape();
  shape[0] = b;
  Batch out;
  out.inputs = silica::detail::host_empty(shape, inputs_.dtype());
  out.labels = silica::detail::host_empty({b}, DType::i64);
  out.indices = indices;
  const uint64_t row = size_ > 0 ? silica::detail::host_nbytes(inputs_) / static_cast<uint64_t>(size_) : 0;
  const uint8_t* src = silica::detail::host_data(inputs_);
  uint8_t* dst = silica::detail::host_data(out.inputs);
  const auto* labels = reinterpret_cast<const int64_t*>(silica::detail::host_data(labels_));
  auto* out_labels = reinterpret_cast<int64_t*>(silica::detail::host_data(out.labels));
  for (int64_t i = 0; i < b; ++i) {
    int64_t k = indices[static_cast<size_t>(i)];
    check_index(k, size_, "TensorDataset::get_batch");
    if (row) std::memcpy(dst + static_cast<uint64_t>(i) * row, src + static_cast<uint64_t>(k) * row, row);
    out_labels[i] = labels[k];
  }
  return out;
}

Subset::Subset(std::shared_ptr<const Dataset> base, std::vector<int64_t> indices)
    : base_(std::move(base)), indices_(std::move(indices)) {
  if (!base_) throw Error("[Subset] needs a dataset");
  for (int64_t i : indices_) check_index(i, base_->size(), "Subset");
}

Example Subset::get(int64_t index) const {
  check_index(index, size(), "Subset::get");
  return base_->get(indices_[static_cast<size_t>(index)]);
}

Batch Subset::get_batch(const std::vector<int64_t>& indices) const {
  std::vector<int64_t> mapped;
  mapped.reserve(indices.size());
  for (int64_t i : indices) {
    check_index(i, size(), "Subset::get_batch");
    mapped.push_back(indices_[static_cast<size_t>(i)]);
  }
  Batch b = base_->get_batch(mapped);
  b.indices = indices;
  return b;
}

}  // namespace silica::data
