// Tensor basics: storage, accessors, moving between devices and dtypes, in-place updates.
#include <cstring>
#include <sstream>

#include "autograd/node.h"
#include "dispatch.h"
#include "silica/autograd.h"
#include "silica/error.h"
#include "silica/ops.h"
#include "tensor_impl.h"

namespace silica {

Storage::Storage(detail::Backend* b, int dev, uint64_t bytes) : backend(b), device(dev), nbytes(bytes) {
  SilicaStatus st = b->api.alloc(b->api.context, dev, bytes, &buffer);
  if (st != SILICA_OK) {
    std::string where = b == detail::cpu_backend() ? "cpu" : b->name + ":" + std::to_string(dev);
    b->check(st, "[alloc] " + std::to_string(bytes) + " bytes on " + where);
  }
}

Storage::~Storage() {
  if (buffer) backend->api.free(backend->api.context, device, buffer);
}

std::string shape_str(const Shape& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + ")";
}

namespace detail {

Shape contiguous_strides(const Shape& shape) {
  Shape strides(shape.size());
  int64_t s = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

Tensor make_tensor(const Shape& shape, DType dtype, const Device& device) {
  if (shape.size() > SILICA_MAX_DIMS)
    throw Error("[tensor] " + std::to_string(shape.size()) + " dimensions; at most " +
                std::to_string(SILICA_MAX_DIMS) + " are supported");
  for (int64_t d : shape)
    if (d < 0) throw Error("[tensor] negative size in shape " + shape_str(shape));
  if (!device.supports_dtype(dtype))
    throw Error(std::string("[tensor] ") + device.str() + " (" + device.name() + ") cannot hold " +
                dtype_name(dtype) + " tensors");
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(device.backend(), device.index(),
                                            static_cast<uint64_t>(shape_numel(shape) * dtype_size(dtype)));
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = dtype;
  return Tensor(impl);
}

Tensor make_view(const Tensor& t, const Shape& shape, const Shape& strides, int64_t offset) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = t.impl()->storage;
  impl->shape = shape;
  impl->strides = strides;
  impl->offset = offset;
  impl->dtype = t.dtype();
  return Tensor(impl);
}

}  // namespace detail

namespace {
void require_defined(const Tensor& t, const char* fn) {
  if (!t.defined()) throw Error(std::string("[") + fn + "] the tensor is undefined");
}
}  // namespace

const Shape& Tensor::shape() const { require_defined(*this, "shape"); return impl_->shape; }
const Shape& Tensor::strides() const { return impl_->strides; }
int64_t Tensor::offset() const { return impl_->offset; }
int64_t Tensor::dim() const { return static_cast<int64_t>(shape().size()); }
int64_t Tensor::numel() const { return detail::shape_numel(shape()); }
DType Tensor::dtype() const { require_defined(*this, "dtype"); return impl_->dtype; }
Device Tensor::device() const {
  require_defined(*this, "device");
  return Device(impl_->storage->backend, impl_->storage->device);
}
const void* Tensor::storage_id() const { return impl_->storage.get(); }

int64_t Tensor::size(int64_t axis) const {
  int64_t n = dim();
  int64_t a = axis < 0 ? axis + n : axis;
  if (a < 0 || a >= n)
    throw Error("[size] axis " + std::to_string(axis) + " is out of range for shape " + shape_str(shape()));
  return impl_->shape[a];
}

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  for (size_t i = impl_->shape.size(); i-- > 0;) {
    if (impl_->shape[i] == 1) continue;
    if (impl_->strides[i] != expected) return false;
    expected *= impl_->shape[i];
  }
  return true;
}

Tensor Tensor::contiguous() const {
  require_defined(*this, "contiguous");
  if (is_contiguous()) return *this;
  Tensor out = detail::make_tensor(shape(), dtype(), device());
  detail::run_op("contiguous", SILICA_OP_COPY, {*this}, {out});
  autograd::record("contiguous", out, {*this},
                   [](const Tensor& g, const std::vector<bool>&) { return std::vector<Tensor>{g}; });
  return out;
}

Tensor Tensor::clone() const {
  Tensor out = detail::make_tensor(shape(), dtype(), device());
  detail::run_op("clone", SILICA_OP_COPY, {*this}, {out});
  autograd::record("clone", out, {*this},
                   [](const Tensor& g, const std::vector<bool>&) { return std::vector<Tensor>{g}; });
  return out;
}

namespace {

// Copies the contiguous tensor src into the contiguous tensor dst on another device.
void transfer(const Tensor& src, const Tensor& dst) {
  uint64_t bytes = static_cast<uint64_t>(src.numel() * dtype_size(src.dtype()));
  if (bytes == 0) return;
  Storage& s = *src.impl()->storage;
  Storage& d = *dst.impl()->storage;
  uint64_t s_off = static_cast<uint64_t>(src.offset() * dtype_size(src.dtype()));
  uint64_t d_off = static_cast<uint64_t>(dst.offset() * dtype_size(dst.dtype()));
  const std::string what = "[to] " + src.device().str() + " -> " + dst.device().str();
  if (src.device().is_cpu()) {
    d.backend->check(d.backend->api.copy_to_device(d.backend->api.context, d.device, d.buffer, d_off,
                                                   static_cast<char*>(s.buffer) + s_off, bytes),
                     what);
  } else if (dst.device().is_cpu()) {
    s.backend->check(s.backend->api.copy_to_host(s.backend->api.context, s.device,
                                                 static_cast<char*>(d.buffer) + d_off, s.buffer, s_off,
                                                 bytes),
                     what);
  } else {
    std::vector<char> staging(bytes);
    s.backend->check(s.backend->api.copy_to_host(s.backend->api.context, s.device, staging.data(),
                                                 s.buffer, s_off, bytes),
                     what);
    d.backend->check(d.backend->api.copy_to_device(d.backend->api.context, d.device, d.buffer, d_off,
                                                   staging.data(), bytes),
                     what);
  }
}

}  // namespace

Tensor Tensor::to(const Device& target) const {
  require_defined(*this, "to");
  Device from = device();
  if (from == target) return *this;
  Tensor src = contiguous();
  Tensor out = detail::make_tensor(shape(), dtype(), target);
  transfer(src, out);
  autograd::record("to", out, {*this}, [from](const Tensor& g, const std::vector<bool>&) {
    return std::vector<Tensor>{g.to(from)};
  });
  return out;
}

Tensor Tensor::to(DType target) const {
  require_defined(*this, "to");
  if (dtype() == target) return *this;
  return cast(*this, target);
}

double Tensor::item() const {
  require_defined(*this, "item");
  if (numel() != 1)
    throw Error("[item] needs a tensor of one element, got shape " + shape_str(shape()));
  NoGradGuard no_grad;
  Tensor t = to(Device()).to(DType::f64).contiguous();
  return *reinterpret_cast<const double*>(static_cast<const char*>(t.impl()->storage->buffer) +
                                          t.offset() * 8);
}

namespace {
template <typename T> constexpr DType host_dtype();
template <> constexpr DType host_dtype<float>() { return DType::f32; }
template <> constexpr DType host_dtype<double>() { return DType::f64; }
template <> constexpr DType host_dtype<int32_t>() { return DType::i32; }
template <> constexpr DType host_dtype<int64_t>() { return DType::i64; }
template <> constexpr DType host_dtype<uint8_t>() { return DType::u8; }
}  // namespace

template <typename T>
std::vector<T> Tensor::to_vector() const {
  require_defined(*this, "to_vector");
  NoGradGuard no_grad;
  Tensor t = to(Device()).to(host_dtype<T>()).contiguous();
  std::vector<T> out(static_cast<size_t>(t.numel()));
  if (!out.empty())
    std::memcpy(out.data(), static_cast<const char*>(t.impl()->storage->buffer) + t.offset() * sizeof(T),
                out.size() * sizeof(T));
  return out;
}
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<int32_t> Tensor::to_vector<int32_t>() const;
template std::vector<int64_t> Tensor::to_vector<int64_t>() const;
template std::vector<uint8_t> Tensor::to_vector<uint8_t>() const;

// ---- Autograd accessors ----

bool Tensor::requires_grad() const { return impl_ && impl_->requires_grad; }

Tensor& Tensor::requires_grad_(bool requires_grad) {
  require_defined(*this, "requires_grad_");
  if (!is_leaf())
    throw Error("[requires_grad_] only leaf tensors can change requires_grad; use detach() first");
  if (requires_grad && !is_floating(dtype()))
    throw Error(std::string("[requires_grad_] only floating tensors can require grad, not ") +
                dtype_name(dtype()));
  impl_->requires_grad = requires_grad;
  return *this;
}

Tensor Tensor::grad() const { return impl_->grad; }
void Tensor::set_grad(const Tensor& grad) { impl_->grad = grad; }
void Tensor::zero_grad() { impl_->grad = Tensor(); }
bool Tensor::is_leaf() const { return impl_->grad_fn == nullptr; }

void Tensor::backward(const Tensor& gradient, bool retain_graph) const {
  require_defined(*this, "backward");
  if (!requires_grad())
    throw Error("[backward] this tensor does not require grad: no input of the ops that made it "
                "had requires_grad set (or it was computed under NoGradGuard)");
  Tensor g = gradient;
  if (!g.defined()) {
    if (numel() != 1)
      throw Error("[backward] a gradient is needed for a non-scalar output of shape " +
                  shape_str(shape()) + "; pass one of that shape");
    g = ones(shape(), TensorOptions(dtype()).with_device(device()));
  } else if (g.shape() != shape()) {
    throw Error("[backward] gradient shape " + shape_str(g.shape()) + " does not match output shape " +
                shape_str(shape()));
  }
  autograd::run_backward(*this, g, retain_graph);
}

Tensor Tensor::detach() const {
  require_defined(*this, "detach");
  return detail::make_view(*this, shape(), strides(), offset());
}

// ---- In place ----

namespace {
void check_inplace(const Tensor& t, const char* fn) {
  require_defined(t, fn);
  if (t.requires_grad() && grad_enabled())
    throw Error(std::string("[") + fn + "] cannot modify a tensor that requires grad while autograd "
                "records; do it inside a NoGradGuard scope (as optimizers do)");
}
}  // namespace

Tensor& Tensor::copy_(const Tensor& src) {
  check_inplace(*this, "copy_");
  NoGradGuard no_grad;
  Tensor s = src.to(device()).to(dtype());
  if (s.shape() != shape()) s = s.expand(shape());
  detail::run_op("copy_", SILICA_OP_COPY, {s}, {*this});
  return *this;
}

Tensor& Tensor::fill_(double value) {
  check_inplace(*this, "fill_");
  if (is_contiguous()) {
    detail::run_op("fill_", SILICA_OP_FILL, {}, {*this}, detail::Attrs().f(value));
    return *this;
  }
  return copy_(full(shape(), value, TensorOptions(dtype()).with_device(device())));
}

namespace {
// Writes the elementwise `op` of self and other into self (elementwise kernels allow
// the output to alias an input of the same layout).
Tensor& binary_inplace(Tensor& self, const Tensor& other, SilicaOp op, const char* fn) {
  check_inplace(self, fn);
  NoGradGuard no_grad;
  Tensor o = other.to(self.device()).to(self.dtype());
  if (o.shape() != self.shape()) o = o.expand(self.shape());
  if (self.is_contiguous()) {
    detail::run_op(fn, op, {self, o}, {self});
  } else {
    Tensor tmp = detail::make_tensor(self.shape(), self.dtype(), self.device());
    detail::run_op(fn, op, {self, o}, {tmp});
    self.copy_(tmp);
  }
  return self;
}
}  // namespace

Tensor& Tensor::add_(const Tensor& other, double alpha) {
  if (alpha == 1.0) return binary_inplace(*this, other, SILICA_OP_ADD, "add_");
  NoGradGuard no_grad;
  return binary_inplace(*this, other * alpha, SILICA_OP_ADD, "add_");
}
Tensor& Tensor::mul_(const Tensor& other) { return binary_inplace(*this, other, SILICA_OP_MUL, "mul_"); }
Tensor& Tensor::mul_(double value) {
  return binary_inplace(*this, scalar(value, TensorOptions(dtype()).with_device(device())),
                        SILICA_OP_MUL, "mul_");
}
Tensor& Tensor::div_(const Tensor& other) { return binary_inplace(*this, other, SILICA_OP_DIV, "div_"); }

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.str(); }

}  // namespace silica
