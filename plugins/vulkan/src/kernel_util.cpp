#include "kernel_util.h"

#include <algorithm>
#include <cstring>

namespace silica::vk {

int64_t numel(const SilicaTensorDesc& d) {
  int64_t n = 1;
  for (int i = 0; i < d.ndim; ++i) n *= d.shape[i];
  return n;
}

int64_t dtype_bytes(int32_t dtype) {
  switch (dtype) {
    case SILICA_F64:
    case SILICA_I64: return 8;
    case SILICA_F32:
    case SILICA_I32: return 4;
    case SILICA_F16:
    case SILICA_BF16: return 2;
    default: return 1;
  }
}

const char* dtype_label(int32_t dtype) {
  static const char* names[] = {"f32", "f64", "f16", "bf16", "i32", "i64", "u8", "bool"};
  return dtype >= 0 && dtype < SILICA_DTYPE_COUNT ? names[dtype] : "?";
}

std::string describe(const SilicaTensorDesc& d) {
  std::string s = "(";
  for (int i = 0; i < d.ndim; ++i) s += (i ? "," : "") + std::to_string(d.shape[i]);
  return s + ") " + dtype_label(d.dtype);
}

Collapsed collapse(const SilicaTensorDesc* const* ops, int count) {
  Collapsed c;
  const SilicaTensorDesc& y = *ops[0];
  for (int d = 0; d < y.ndim; ++d) {
    if (y.shape[d] == 1) continue;
    // Merge into the previous kept dim when every operand walks both as one.
    bool merge = c.ndim > 0;
    for (int k = 0; k < count && merge; ++k)
      merge = c.strides[k][c.ndim - 1] == ops[k]->strides[d] * y.shape[d];
    if (merge) {
      c.shape[c.ndim - 1] *= y.shape[d];
      for (int k = 0; k < count; ++k) c.strides[k][c.ndim - 1] = ops[k]->strides[d];
      continue;
    }
    c.shape[c.ndim] = y.shape[d];
    for (int k = 0; k < count; ++k) c.strides[k][c.ndim] = ops[k]->strides[d];
    ++c.ndim;
  }
  if (c.ndim == 0) {  // a scalar, or all sizes 1
    c.ndim = 1;
    c.shape[0] = 1;
    for (int k = 0; k < count; ++k) c.strides[k][0] = 0;
  }
  return c;
}

uint32_t groups_for(int64_t n, uint32_t local) {
  int64_t g = (n + local - 1) / local;
  return static_cast<uint32_t>(std::clamp<int64_t>(g, 1, 65535));
}

int32_t Launch::bind(const SilicaTensorDesc& t, bool write) {
  if (status_ != SILICA_OK) return 0;
  if (info_.num_tensors >= kMaxTensors) {
    failed(fail(SILICA_ERROR_INVALID, "too many tensors for one dispatch"));
    return 0;
  }
  const Buffer* buf = static_cast<const Buffer*>(t.buffer);
  const int64_t es = dtype_bytes(t.dtype);
  // Lowest and highest element offsets the view reaches.
  int64_t lo = 0, hi = 0;
  bool empty = false;
  for (int d = 0; d < t.ndim; ++d) {
    if (t.shape[d] == 0) empty = true;
    int64_t span = (t.shape[d] - 1) * t.strides[d];
    (span < 0 ? lo : hi) += span;
  }
  const uint64_t align = std::max<uint64_t>(device_.limits().minStorageBufferOffsetAlignment, 4);
  int64_t first = static_cast<int64_t>(t.offset) + (empty ? 0 : lo * es);
  int64_t last = static_cast<int64_t>(t.offset) + (empty ? 0 : (hi + 1) * es);
  uint64_t start = (buf->offset + static_cast<uint64_t>(std::max<int64_t>(first, 0))) / align * align;
  uint64_t end = buf->offset + std::min<uint64_t>((static_cast<uint64_t>(last) + 3) / 4 * 4, buf->size);
  if (end <= start) end = start + 4;
  const uint64_t range = end - start;
  if (range > device_.limits().maxStorageBufferRange) {
    failed(fail(SILICA_ERROR_UNSUPPORTED,
                "a view of " + describe(t) + " spans " + format_bytes(range) + "; " + device_.label() +
                    " binds at most " + format_bytes(device_.limits().maxStorageBufferRange) + " at once"));
    return 0;
  }
  const int64_t base = static_cast<int64_t>(buf->offset + t.offset - start) / es;
  if (base + hi >= (int64_t{1} << 31)) {
    failed(fail(SILICA_ERROR_UNSUPPORTED, describe(t) + " has more than 2^31 elements"));
    return 0;
  }
  info_.tensors[info_.num_tensors++] = {buf->buffer, start, range, write};
  return static_cast<int32_t>(base);
}

Launch& Launch::set(int i, int64_t v) {
  params_[i] = static_cast<int32_t>(v);
  param_count_ = std::max(param_count_, i + 1);
  return *this;
}

Launch& Launch::setf(int i, double v) {
  float f = static_cast<float>(v);
  int32_t bits;
  std::memcpy(&bits, &f, 4);
  return set(i, bits);
}

int64_t Launch::bind_strided(const SilicaTensorDesc* const* ops, const bool* write, int count) {
  Collapsed c = collapse(ops, count);
  int64_t n = numel(*ops[0]);
  if (n >= (int64_t{1} << 31)) {
    failed(fail(SILICA_ERROR_UNSUPPORTED, describe(*ops[0]) + " has more than 2^31 elements"));
    return 0;
  }
  set(0, n);
  set(1, c.ndim);
  for (int d = 0; d < c.ndim; ++d) set(2 + d, c.shape[d]);
  for (int k = 0; k < count; ++k) {
    set(10 + 9 * k, bind(*ops[k], write[k]));
    for (int d = 0; d < c.ndim; ++d) set(11 + 9 * k + d, c.strides[k][d]);
  }
  return n;
}

SilicaStatus Launch::prepare() { return device_.pipelines().get(shader_.c_str(), spec_, &info_.pipeline); }

SilicaStatus Launch::run(uint32_t gx, uint32_t gy, uint32_t gz) {
  if (status_ != SILICA_OK) return fail(status_, error_);
  SILICA_VK_TRY(prepare());
  info_.name = shader_.c_str();
  std::string timed_name;
  if (device_.timing_kernels()) {
    // Per grid as well, so the same shader on different shapes shows up as separate rows.
    timed_name =
        shader_ + " [" + std::to_string(gx) + "," + std::to_string(gy) + "," + std::to_string(gz) + "]";
    info_.name = timed_name.c_str();
  }
  info_.params = params_;
  info_.param_bytes = static_cast<uint32_t>(param_count_ * 4);
  info_.groups[0] = gx;
  info_.groups[1] = gy;
  info_.groups[2] = gz;
  return device_.dispatch(info_);
}

bool contiguous(const SilicaTensorDesc& d) {
  int64_t expected = 1;
  for (int i = d.ndim - 1; i >= 0; --i) {
    if (d.shape[i] != 1 && d.strides[i] != expected) return false;
    expected *= d.shape[i];
  }
  return true;
}

SilicaTensorDesc temp_desc(Buffer* b, int64_t rows, int64_t cols, int32_t dtype) {
  SilicaTensorDesc d{};
  d.buffer = b;
  d.dtype = dtype;
  d.ndim = 2;
  d.shape[0] = rows;
  d.shape[1] = cols;
  d.strides[0] = cols;
  d.strides[1] = 1;
  return d;
}

SilicaStatus sum_rows(Device& dev, const SilicaTensorDesc& x, const SilicaTensorDesc& y) {
  const int64_t S = x.shape[0], n = x.shape[1];
  Launch l(dev, "reduce_float");
  l.spec(SILICA_OP_SUM).spec(y.dtype).spec(x.dtype).spec(2);
  l.set(0, n).set(1, S).set(2, 1).set(3, n).set(11, 1).set(19, 1).set(20, S).set(28, n);
  l.set(37, l.bind(y, true)).set(36, l.bind(x, false));
  return l.run(groups_for(n, 32));
}

}  // namespace silica::vk
