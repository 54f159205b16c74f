// Joining and splitting: cat and stack copy their inputs into slices of one output (no
// kernel of their own: each piece is a COPY into a narrow() view); split and chunk return
// narrow() views, whose gradients the view machinery already handles.
#include "ops/op_helpers.h"

namespace silica {

using ops::describe;

namespace {

std::string index_str(size_t i) { return std::to_string(i); }

}  // namespace

Tensor cat(const std::vector<Tensor>& tensors_in, int64_t axis_in) {
  if (tensors_in.empty()) throw Error("[cat] needs at least one tensor");
  for (size_t i = 0; i < tensors_in.size(); ++i)
    if (!tensors_in[i].defined()) throw Error("[cat] tensor " + index_str(i) + " is undefined");
  // PyTorch's legacy rule: 1-D empty tensors (shape (0)) are skipped, so a result can be
  // grown from an empty start. They still take part in dtype promotion.
  std::vector<size_t> used;
  for (size_t i = 0; i < tensors_in.size(); ++i)
    if (!(tensors_in[i].dim() == 1 && tensors_in[i].numel() == 0)) used.push_back(i);
  if (used.empty()) used.push_back(0);

  const Tensor& first = tensors_in[used[0]];
  const size_t f = used[0];
  if (first.dim() == 0)
    throw Error("[cat] tensor " + index_str(f) +
                " is 0-dimensional and cannot be concatenated; "
                "unsqueeze it to (1) first, or use stack");
  int64_t axis = ops::wrap_axis(axis_in, first.dim(), "cat");
  DType dtype = tensors_in[0].dtype();
  for (size_t i = 0; i < tensors_in.size(); ++i) {
    const Tensor& t = tensors_in[i];
    dtype = promote_types(dtype, t.dtype());
    if (t.device() != first.device())
      throw Error("[cat] tensor " + index_str(i) + " is on " + t.device().str() + " but tensor " +
                  index_str(f) + " is on " + first.device().str() +
                  "; move them to one device with .to(device)");
  }
  Shape out_shape = first.shape();
  out_shape[axis] = 0;
  for (size_t i : used) {
    const Tensor& t = tensors_in[i];
    bool same = t.dim() == first.dim();
    for (int64_t d = 0; same && d < t.dim(); ++d) same = d == axis || t.shape()[d] == first.shape()[d];
    if (!same)
      throw Error("[cat] tensor " + index_str(i) + " has shape " + shape_str(t.shape()) + " but tensor " +
                  index_str(f) + " has " + shape_str(first.shape()) + ": shapes must match except on axis " +
                  std::to_string(axis));
    out_shape[axis] += t.shape()[axis];
  }

  Tensor out = ops::new_tensor(out_shape, dtype, first.device());
  std::vector<Tensor> inputs;
  std::vector<int64_t> starts;
  {
    NoGradGuard no_grad;  // the copies are this op's own work, recorded below as one node
    int64_t start = 0;
    for (size_t i : used) {
      const Tensor& t = tensors_in[i];
      int64_t n = t.shape()[axis];
      if (n > 0) out.narrow(axis, start, n).copy_(t);  // copy_ converts the dtype
      inputs.push_back(t);
      starts.push_back(start);
      start += n;
    }
  }
  std::vector<DType> dtypes;
  for (const Tensor& t : inputs) dtypes.push_back(t.dtype());
  autograd::record("cat", out, inputs,
                   [axis, starts, dtypes](const Tensor& g, const std::vector<bool>& needs) {
                     std::vector<Tensor> grads(needs.size());
                     for (size_t i = 0; i < needs.size(); ++i) {
                       if (!needs[i]) continue;
                       int64_t n = (i + 1 < starts.size() ? starts[i + 1] : g.shape()[axis]) - starts[i];
                       grads[i] = g.narrow(axis, starts[i], n).to(dtypes[i]);
                     }
                     return grads;
                   });
  return out;
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t axis_in) {
  if (tensors.empty()) throw Error("[stack] needs at least one tensor");
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (!tensors[i].defined()) throw Error("[stack] tensor " + index_str(i) + " is undefined");
    if (tensors[i].shape() != tensors[0].shape())
      throw Error("[stack] tensor " + index_str(i) + " has shape " + shape_str(tensors[i].shape()) +
                  " but tensor 0 has " + shape_str(tensors[0].shape()) +
                  ": stacked tensors must have one shape");
  }
  int64_t axis = ops::wrap_axis(axis_in, tensors[0].dim() + 1, "stack");
  std::vector<Tensor> parts;
  parts.reserve(tensors.size());
  for (const Tensor& t : tensors) parts.push_back(t.unsqueeze(axis));
  return cat(parts, axis);
}

std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t axis_in) {
  if (x.dim() == 0) throw Error("[split] cannot split a 0-dimensional tensor");
  int64_t axis = ops::wrap_axis(axis_in, x.dim(), "split");
  int64_t total = 0;
  for (int64_t s : sizes) {
    if (s < 0) throw Error("[split] sizes must be >= 0, got " + shape_str(sizes));
    total += s;
  }
  if (total != x.shape()[axis])
    throw Error("[split] sizes " + shape_str(sizes) + " sum to " + std::to_string(total) + " but axis " +
                std::to_string(axis) + " of " + describe(x) + " has size " + std::to_string(x.shape()[axis]));
  std::vector<Tensor> pieces;
  int64_t start = 0;
  for (int64_t s : sizes) {
    pieces.push_back(x.narrow(axis, start, s));
    start += s;
  }
  return pieces;
}

std::vector<Tensor> split(const Tensor& x, int64_t size, int64_t axis_in) {
  if (x.dim() == 0) throw Error("[split] cannot split a 0-dimensional tensor");
  int64_t axis = ops::wrap_axis(axis_in, x.dim(), "split");
  int64_t n = x.shape()[axis];
  if (size <= 0 && n > 0) throw Error("[split] size must be positive, got " + std::to_string(size));
  if (n == 0) return {x};
  std::vector<int64_t> sizes;
  for (int64_t start = 0; start < n; start += size) sizes.push_back(std::min(size, n - start));
  return split(x, sizes, axis);
}

std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t axis_in) {
  if (chunks <= 0) throw Error("[chunk] chunks must be positive, got " + std::to_string(chunks));
  if (x.dim() == 0) throw Error("[chunk] cannot chunk a 0-dimensional tensor");
  int64_t axis = ops::wrap_axis(axis_in, x.dim(), "chunk");
  int64_t n = x.shape()[axis];
  // PyTorch's rule: pieces of ceil(n / chunks), so there may be fewer than `chunks`.
  return split(x, std::max<int64_t>(1, (n + chunks - 1) / chunks), axis);
}

}  // namespace silica
