// Indexing ops: index_select, index_add, gather, scatter_add and embedding.
// Each is the other's adjoint: index_select's gradient is index_add into zeros, gather's is
// scatter_add into zeros, and the adding ops pass g to base and pick their src gradient
// back out of g with the selecting op.
#include "ops/op_helpers.h"

namespace silica {

using detail::Attrs;
using detail::run_op;
using ops::describe;
using ops::new_tensor;

namespace {

// Index tensors cross the ABI as i64; narrower integer indices are widened.
Tensor index_tensor(const Tensor& index, const char* fn) {
  if (!index.defined()) throw Error(std::string("[") + fn + "] the index tensor is undefined");
  DType d = index.dtype();
  if (d == DType::i64) return index;
  if (d == DType::i32 || d == DType::u8) {
    NoGradGuard no_grad;
    return index.to(DType::i64);
  }
  throw Error(std::string("[") + fn + "] index must be an integer tensor (i64), got " + describe(index) +
              "; convert it with .to(DType::i64)");
}

void require_dims(const Tensor& x, const char* fn, const char* what) {
  if (x.dim() == 0)
    throw Error(std::string("[") + fn + "] " + what +
                " must have at least one dimension, got a 0-d tensor; " + "reshape it to (1) first");
}

// dtype of the adding ops' result: base and src promoted together.
DType adding_dtype(const Tensor& base, const Tensor& src, const char* fn) {
  DType dt = promote_types(base.dtype(), src.dtype());
  if (dt == DType::boolean)
    throw Error(std::string("[") + fn +
                "] is not defined for bool tensors; convert them to u8 or a float type");
  return dt;
}

Tensor index_select_impl(const char* fn, const Tensor& x, int64_t axis_in, const Tensor& index_in) {
  Tensor index = index_tensor(index_in, fn);
  ops::require_same_device(x, index, fn);
  require_dims(x, fn, "the input");
  if (index.dim() > 1)
    throw Error(std::string("[") + fn + "] index must be 1-D, got shape " + shape_str(index.shape()));
  int64_t axis = ops::wrap_axis(axis_in, x.dim(), fn);
  Tensor idx = index.reshape({index.numel()}).contiguous();
  Shape shape = x.shape();
  shape[axis] = idx.numel();
  Tensor y = new_tensor(shape, x.dtype(), x.device());
  {
    NoGradGuard no_grad;  // the contiguous copy belongs to this op's node
    run_op(fn, SILICA_OP_INDEX_SELECT, {x.contiguous(), idx}, {y}, Attrs().i(axis));
  }
  Shape xs = x.shape();
  autograd::record(fn, y, {x}, [xs, axis, idx](const Tensor& g, const std::vector<bool>&) {
    Tensor z = zeros(xs, TensorOptions(g.dtype()).with_device(g.device()));
    return std::vector<Tensor>{index_add(z, axis, idx, g)};
  });
  return y;
}

}  // namespace

Tensor index_select(const Tensor& x, int64_t axis, const Tensor& index) {
  return index_select_impl("index_select", x, axis, index);
}

Tensor index_add(const Tensor& base, int64_t axis_in, const Tensor& index_in, const Tensor& src) {
  const char* fn = "index_add";
  Tensor index = index_tensor(index_in, fn);
  ops::require_same_device(base, index, fn);
  ops::require_same_device(base, src, fn);
  require_dims(base, fn, "base");
  if (index.dim() > 1) throw Error("[index_add] index must be 1-D, got shape " + shape_str(index.shape()));
  int64_t axis = ops::wrap_axis(axis_in, base.dim(), fn);
  int64_t k = index.numel();
  Shape want = base.shape();
  want[axis] = k;
  if (src.shape() != want)
    throw Error("[index_add] src has shape " + shape_str(src.shape()) + " but needs " + shape_str(want) +
                ": base's shape " + shape_str(base.shape()) + " with axis " + std::to_string(axis) +
                " sized to the index's " + std::to_string(k) + " entries");
  DType dt = adding_dtype(base, src, fn);
  Tensor b = base.to(dt), s = src.to(dt);  // recorded casts route gradients back to the input dtypes
  Tensor idx = index.reshape({k}).contiguous();
  Tensor y = new_tensor(base.shape(), dt, base.device());
  {
    NoGradGuard no_grad;
    run_op(fn, SILICA_OP_INDEX_ADD, {b.contiguous(), idx, s.contiguous()}, {y}, Attrs().i(axis));
  }
  autograd::record(fn, y, {b, s}, [axis, idx](const Tensor& g, const std::vector<bool>& needs) {
    return std::vector<Tensor>{needs[0] ? g : Tensor(), needs[1] ? index_select(g, axis, idx) : Tensor()};
  });
  return y;
}

Tensor gather(const Tensor& x, int64_t axis_in, const Tensor& index_in) {
  const char* fn = "gather";
  Tensor index = index_tensor(index_in, fn);
  ops::require_same_device(x, index, fn);
  if (index.dim() != x.dim())
    throw Error("[gather] index " + shape_str(index.shape()) + " must have as many dimensions as the input " +
                shape_str(x.shape()));
  if (x.dim() == 0) return gather(x.reshape({1}), 0, index.reshape({1})).reshape({});
  int64_t axis = ops::wrap_axis(axis_in, x.dim(), fn);
  for (int64_t d = 0; d < x.dim(); ++d)
    if (d != axis && index.shape()[d] > x.shape()[d])
      throw Error("[gather] index shape " + shape_str(index.shape()) + " exceeds input shape " +
                  shape_str(x.shape()) + " at axis " + std::to_string(d) + " (" +
                  std::to_string(index.shape()[d]) + " > " + std::to_string(x.shape()[d]) +
                  "); only the gathered axis " + std::to_string(axis) + " may be larger");
  Tensor idx = index.contiguous();
  Tensor y = new_tensor(index.shape(), x.dtype(), x.device());
  {
    NoGradGuard no_grad;
    run_op(fn, SILICA_OP_GATHER, {x.contiguous(), idx}, {y}, Attrs().i(axis));
  }
  Shape xs = x.shape();
  autograd::record(fn, y, {x}, [xs, axis, idx](const Tensor& g, const std::vector<bool>&) {
    Tensor z = zeros(xs, TensorOptions(g.dtype()).with_device(g.device()));
    return std::vector<Tensor>{scatter_add(z, axis, idx, g)};
  });
  return y;
}

Tensor scatter_add(const Tensor& base, int64_t axis_in, const Tensor& index_in, const Tensor& src) {
  const char* fn = "scatter_add";
  Tensor index = index_tensor(index_in, fn);
  ops::require_same_device(base, index, fn);
  ops::require_same_device(base, src, fn);
  if (index.dim() != base.dim() || src.dim() != base.dim())
    throw Error("[scatter_add] base " + shape_str(base.shape()) + ", index " + shape_str(index.shape()) +
                " and src " + shape_str(src.shape()) + " must have the same number of dimensions");
  if (base.dim() == 0)
    return scatter_add(base.reshape({1}), 0, index.reshape({1}), src.reshape({1})).reshape({});
  int64_t axis = ops::wrap_axis(axis_in, base.dim(), fn);
  for (int64_t d = 0; d < base.dim(); ++d) {
    if (index.shape()[d] > src.shape()[d])
      throw Error("[scatter_add] index shape " + shape_str(index.shape()) + " exceeds src shape " +
                  shape_str(src.shape()) + " at axis " + std::to_string(d));
    if (d != axis && index.shape()[d] > base.shape()[d])
      throw Error("[scatter_add] index shape " + shape_str(index.shape()) + " exceeds base shape " +
                  shape_str(base.shape()) + " at axis " + std::to_string(d) + "; only the scatter axis " +
                  std::to_string(axis) + " may be larger");
  }
  DType dt = adding_dtype(base, src, fn);
  Tensor b = base.to(dt), s = src.to(dt);
  // Only the part of src the index covers is used (PyTorch's rule); narrowing with views
  // lets their gradients put zeros over the rest.
  for (int64_t d = 0; d < s.dim(); ++d)
    if (s.shape()[d] != index.shape()[d]) s = s.narrow(d, 0, index.shape()[d]);
  Tensor idx = index.contiguous();
  Tensor y = new_tensor(base.shape(), dt, base.device());
  {
    NoGradGuard no_grad;
    run_op(fn, SILICA_OP_SCATTER_ADD, {b.contiguous(), idx, s.contiguous()}, {y}, Attrs().i(axis));
  }
  autograd::record(fn, y, {b, s}, [axis, idx](const Tensor& g, const std::vector<bool>& needs) {
    return std::vector<Tensor>{needs[0] ? g : Tensor(), needs[1] ? gather(g, axis, idx) : Tensor()};
  });
  return y;
}

Tensor embedding(const Tensor& weight, const Tensor& indices, std::optional<int64_t> padding_idx) {
  if (weight.dim() != 2)
    throw Error("[embedding] weight must be 2-D (num_embeddings, embedding_dim), got " + describe(weight));
  Tensor idx = index_tensor(indices, "embedding");
  Shape out = idx.shape();
  out.push_back(weight.shape()[1]);
  Tensor flat = idx.reshape({idx.numel()});
  Tensor rows = index_select_impl("embedding", weight, 0, flat);
  if (padding_idx) {
    const int64_t v = weight.shape()[0], p = *padding_idx < 0 ? *padding_idx + v : *padding_idx;
    if (p < 0 || p >= v)
      throw Error("[embedding] padding_idx " + std::to_string(*padding_idx) + " is out of range for " +
                  std::to_string(v) + " embeddings (use -" + std::to_string(v) + " to " + std::to_string(v - 1) +
                  ")");
    // The same values either way; only rows not at the padding index pass a gradient on.
    Tensor keep = ne(flat, scalar(static_cast<double>(p), TensorOptions(DType::i64).with_device(flat.device())));
    rows = where(keep.unsqueeze(1), rows, rows.detach());
  }
  return rows.reshape(out);
}

}  // namespace silica
