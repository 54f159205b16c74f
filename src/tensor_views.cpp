// View methods: new shape/strides/offset over the same storage, never a copy.
#include "autograd/node.h"
#include "silica/autograd.h"
#include "silica/error.h"
#include "silica/ops.h"
#include "tensor_impl.h"

namespace silica {

using detail::make_view;

namespace {

int64_t wrap_axis(int64_t axis, int64_t ndim, const char* fn) {
  int64_t a = axis < 0 ? axis + ndim : axis;
  if (a < 0 || a >= ndim)
    throw Error(std::string("[") + fn + "] axis " + std::to_string(axis) + " is out of range for " +
                std::to_string(ndim) + " dimensions");
  return a;
}

// Strides for viewing (shape, strides) as new_shape without copying, or empty when impossible.
// Works by matching runs of dimensions that are contiguous among themselves.
bool view_strides(const Shape& shape, const Shape& strides, const Shape& new_shape, Shape& out) {
  out.assign(new_shape.size(), 0);
  if (detail::shape_numel(shape) == 0 || shape.empty()) {
    out = detail::contiguous_strides(new_shape);
    return true;
  }
  int64_t view_d = static_cast<int64_t>(new_shape.size()) - 1;
  int64_t chunk_base_stride = strides.empty() ? 1 : strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    tensor_numel *= shape[d];
    if (d == 0 || (shape[d - 1] != 1 && strides[d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || new_shape[view_d] == 1)) {
        out[view_d] = view_numel * chunk_base_stride;
        view_numel *= new_shape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return false;
      if (d > 0) {
        chunk_base_stride = strides[d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  return view_d == -1;
}

Shape infer_shape(Shape shape, int64_t numel, const char* fn) {
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) throw Error(std::string("[") + fn + "] only one size may be -1 in " + shape_str(shape));
      infer = static_cast<int64_t>(i);
    } else if (shape[i] < 0) {
      throw Error(std::string("[") + fn + "] invalid size in " + shape_str(shape));
    } else {
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    if (known == 0 || numel % known != 0)
      throw Error(std::string("[") + fn + "] cannot infer -1 in " + shape_str(shape) + " for " +
                  std::to_string(numel) + " elements");
    shape[infer] = numel / known;
  } else if (known != numel) {
    throw Error(std::string("[") + fn + "] shape " + shape_str(shape) + " has " + std::to_string(known) +
                " elements but the tensor has " + std::to_string(numel));
  }
  return shape;
}

// Records a view whose gradient is `grad.reshape(input shape)`.
Tensor record_reshape(const char* name, Tensor out, const Tensor& in) {
  Shape in_shape = in.shape();
  autograd::record(name, out, {in}, [in_shape](const Tensor& g, const std::vector<bool>&) {
    return std::vector<Tensor>{g.reshape(in_shape)};
  });
  return out;
}

}  // namespace

Tensor Tensor::view(const Shape& new_shape_in) const {
  Shape new_shape = infer_shape(new_shape_in, numel(), "view");
  Shape new_strides;
  if (!view_strides(shape(), strides(), new_shape, new_strides))
    throw Error("[view] cannot view a tensor of shape " + shape_str(shape()) + " and strides " +
                shape_str(strides()) + " as " + shape_str(new_shape) +
                " without copying; use reshape() or contiguous() first");
  return record_reshape("view", make_view(*this, new_shape, new_strides, offset()), *this);
}

Tensor Tensor::reshape(const Shape& new_shape_in) const {
  Shape new_shape = infer_shape(new_shape_in, numel(), "reshape");
  Shape new_strides;
  if (view_strides(shape(), strides(), new_shape, new_strides))
    return record_reshape("reshape", make_view(*this, new_shape, new_strides, offset()), *this);
  return contiguous().view(new_shape);
}

Tensor Tensor::permute(const std::vector<int64_t>& axes) const {
  int64_t n = dim();
  if (static_cast<int64_t>(axes.size()) != n)
    throw Error("[permute] " + std::to_string(axes.size()) + " axes given for a tensor of " +
                std::to_string(n) + " dimensions " + shape_str(shape()));
  Shape s(n), st(n);
  std::vector<int64_t> inverse(n, -1);
  for (int64_t i = 0; i < n; ++i) {
    int64_t a = wrap_axis(axes[i], n, "permute");
    if (inverse[a] != -1) throw Error("[permute] axis " + std::to_string(a) + " appears twice");
    inverse[a] = i;
    s[i] = shape()[a];
    st[i] = strides()[a];
  }
  Tensor out = make_view(*this, s, st, offset());
  autograd::record("permute", out, {*this}, [inverse](const Tensor& g, const std::vector<bool>&) {
    return std::vector<Tensor>{g.permute(inverse)};
  });
  return out;
}

Tensor Tensor::transpose(int64_t a, int64_t b) const {
  int64_t n = dim();
  std::vector<int64_t> axes(n);
  for (int64_t i = 0; i < n; ++i) axes[i] = i;
  std::swap(axes[wrap_axis(a, n, "transpose")], axes[wrap_axis(b, n, "transpose")]);
  return permute(axes);
}

Tensor Tensor::mT() const {
  if (dim() < 2) throw Error("[mT] needs at least 2 dimensions, got shape " + shape_str(shape()));
  return transpose(-2, -1);
}

Tensor Tensor::slice(int64_t axis, int64_t start, int64_t end, int64_t step) const {
  int64_t a = wrap_axis(axis, dim(), "slice");
  int64_t n = shape()[a];
  if (step <= 0) throw Error("[slice] step must be positive, got " + std::to_string(step));
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::min(std::max<int64_t>(start, 0), n);
  end = std::min(std::max<int64_t>(end, start), n);
  int64_t len = (end - start + step - 1) / step;
  Shape s = shape(), st = strides();
  s[a] = len;
  st[a] = strides()[a] * step;
  Tensor out = make_view(*this, s, st, offset() + start * strides()[a]);
  Shape in_shape = shape();
  DType dt = dtype();
  autograd::record("slice", out, {*this},
                   [in_shape, dt, a, start, end, step](const Tensor& g, const std::vector<bool>&) {
                     Tensor full = zeros(in_shape, TensorOptions(dt).with_device(g.device()));
                     full.slice(a, start, end, step).copy_(g);
                     return std::vector<Tensor>{full};
                   });
  return out;
}

Tensor Tensor::narrow(int64_t axis, int64_t start, int64_t length) const {
  int64_t a = wrap_axis(axis, dim(), "narrow");
  if (start < 0 || length < 0 || start + length > shape()[a])
    throw Error("[narrow] range [" + std::to_string(start) + ", " + std::to_string(start + length) +
                ") is outside axis " + std::to_string(axis) + " of size " + std::to_string(shape()[a]));
  return slice(a, start, start + length, 1);
}

Tensor Tensor::select(int64_t axis, int64_t index) const {
  int64_t a = wrap_axis(axis, dim(), "select");
  int64_t n = shape()[a];
  int64_t i = index < 0 ? index + n : index;
  if (i < 0 || i >= n)
    throw Error("[select] index " + std::to_string(index) + " is out of range for axis " +
                std::to_string(axis) + " of size " + std::to_string(n));
  return narrow(a, i, 1).squeeze(a);
}

Tensor Tensor::expand(const Shape& target) const {
  int64_t n = dim();
  int64_t m = static_cast<int64_t>(target.size());
  if (m < n)
    throw Error("[expand] cannot expand shape " + shape_str(shape()) + " to fewer dimensions " +
                shape_str(target));
  Shape s(m), st(m);
  for (int64_t i = m - 1; i >= 0; --i) {
    int64_t j = i - (m - n);
    int64_t want = target[i];
    if (j >= 0) {
      int64_t have = shape()[j];
      if (want == -1) want = have;
      if (have == want) {
        s[i] = have;
        st[i] = strides()[j];
      } else if (have == 1) {
        s[i] = want;
        st[i] = 0;
      } else {
        throw Error("[expand] cannot expand shape " + shape_str(shape()) + " to " + shape_str(target) +
                    ": size " + std::to_string(have) + " at axis " + std::to_string(j) +
                    " is not 1 and differs from " + std::to_string(want));
      }
    } else {
      if (want < 0) throw Error("[expand] -1 is not allowed for new leading axes in " + shape_str(target));
      s[i] = want;
      st[i] = 0;
    }
  }
  if (s == shape()) return *this;
  Tensor out = make_view(*this, s, st, offset());
  Shape in_shape = shape();
  autograd::record("expand", out, {*this}, [in_shape](const Tensor& g, const std::vector<bool>&) {
    return std::vector<Tensor>{sum_to(g, in_shape)};
  });
  return out;
}

Tensor Tensor::squeeze() const {
  Shape s;
  for (int64_t d : shape())
    if (d != 1) s.push_back(d);
  return reshape(s);
}

Tensor Tensor::squeeze(int64_t axis) const {
  int64_t a = wrap_axis(axis, dim(), "squeeze");
  if (shape()[a] != 1) return *this;
  Shape s = shape(), st = strides();
  s.erase(s.begin() + a);
  st.erase(st.begin() + a);
  return record_reshape("squeeze", make_view(*this, s, st, offset()), *this);
}

Tensor Tensor::unsqueeze(int64_t axis) const {
  int64_t a = wrap_axis(axis, dim() + 1, "unsqueeze");
  Shape s = shape(), st = strides();
  int64_t stride = a < dim() ? strides()[a] * shape()[a] : 1;
  s.insert(s.begin() + a, 1);
  st.insert(st.begin() + a, stride);
  return record_reshape("unsqueeze", make_view(*this, s, st, offset()), *this);
}

Tensor Tensor::flatten(int64_t start, int64_t end) const {
  if (dim() == 0) return reshape({1});
  int64_t s0 = wrap_axis(start, dim(), "flatten"), e0 = wrap_axis(end, dim(), "flatten");
  if (s0 > e0) throw Error("[flatten] start axis " + std::to_string(start) + " is after end axis " + std::to_string(end));
  Shape s;
  for (int64_t i = 0; i < s0; ++i) s.push_back(shape()[i]);
  int64_t n = 1;
  for (int64_t i = s0; i <= e0; ++i) n *= shape()[i];
  s.push_back(n);
  for (int64_t i = e0 + 1; i < dim(); ++i) s.push_back(shape()[i]);
  return reshape(s);
}

}  // namespace silica
