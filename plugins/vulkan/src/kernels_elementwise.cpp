// Elementwise ops: unary ops and their gradient, binary ops and comparisons, where, clamp,
// cast, copy and fill. All walk strided views through the collapsed layout of
// shaders/common/strided.glsl; shaders pick their arithmetic from specialization constants
// (op code, dtypes), so one pipeline exists per (op, dtypes) actually used.
#include <cmath>
#include <cstring>

#include "instance.h"
#include "kernel_util.h"
#include "kernels.h"

namespace silica::vk {

namespace {

constexpr uint32_t kLocal = 256;

bool is_unary(int32_t op) { return op >= SILICA_OP_NEG && op <= SILICA_OP_SOFTPLUS; }
bool is_binary(int32_t op) { return op >= SILICA_OP_ADD && op <= SILICA_OP_GE; }
bool is_comparison(int32_t op) { return op >= SILICA_OP_EQ && op <= SILICA_OP_GE; }
bool integer_unary(int32_t op) {
  return op == SILICA_OP_NEG || op == SILICA_OP_ABS || op == SILICA_OP_SIGN || op == SILICA_OP_RELU;
}

// The *_i64 variant when an operand is i64 and the shader does arithmetic on it.
std::string variant(const char* shader, std::initializer_list<const SilicaTensorDesc*> ops) {
  for (const SilicaTensorDesc* d : ops)
    if (d->dtype == SILICA_I64) return std::string(shader) + "_i64";
  return shader;
}

// ---- Host-side conversions for FILL (the CPU's rules: see kernels_elementwise.cpp there) ----

uint32_t float_bits(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  return x;
}

uint32_t half_bits(float f) {
  uint32_t x = float_bits(f);
  uint32_t sign = (x >> 16) & 0x8000u, mag = x & 0x7fffffffu;
  if (mag >= 0x7f800000u) return sign | (mag > 0x7f800000u ? 0x7e00u : 0x7c00u);
  if (mag >= 0x477ff000u) return sign | 0x7c00u;
  if (mag < 0x38800000u) {
    float a;
    std::memcpy(&a, &mag, 4);
    return sign | static_cast<uint32_t>(std::nearbyint(a * 16777216.0f));
  }
  uint32_t h = (((mag >> 23) - 112u) << 10) | ((mag >> 13) & 0x3ffu);
  uint32_t rest = mag & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) ++h;
  return sign | h;
}

uint32_t bf16_bits(float f) {
  uint32_t x = float_bits(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return ((x >> 16) | 0x40u) & 0xffffu;
  x += 0x7fffu + ((x >> 16) & 1u);
  return x >> 16;
}

int64_t truncate_to_int(double v) { return std::isnan(v) ? 0 : static_cast<int64_t>(v); }

// The (low, high) words of `value` stored in `dtype`.
void value_words(double value, int32_t dtype, uint32_t* lo, uint32_t* hi) {
  uint64_t bits = 0;
  switch (dtype) {
    case SILICA_F32: bits = float_bits(static_cast<float>(value)); break;
    case SILICA_F16: bits = half_bits(static_cast<float>(value)); break;
    case SILICA_BF16: bits = bf16_bits(static_cast<float>(value)); break;
    case SILICA_I32: bits = static_cast<uint32_t>(static_cast<int32_t>(truncate_to_int(value))); break;
    case SILICA_I64: bits = static_cast<uint64_t>(truncate_to_int(value)); break;
    case SILICA_U8: bits = static_cast<uint8_t>(truncate_to_int(value)); break;
    case SILICA_BOOL: bits = value != 0.0 ? 1 : 0; break;
    default: break;
  }
  *lo = static_cast<uint32_t>(bits);
  *hi = static_cast<uint32_t>(bits >> 32);
}

// ---- Kernels ----

SilicaStatus fill(Device& dev, const SilicaTensorDesc& y, const SilicaAttrs* a) {
  uint32_t lo, hi;
  value_words(a->num_floats > 0 ? a->floats[0] : 0.0, y.dtype, &lo, &hi);
  Launch l(dev, "fill");
  l.spec(0).spec(y.dtype);
  const int64_t n = numel(y);
  l.set(0, n).set(1, l.bind(y, true)).set(2, lo).set(3, hi);
  return l.run(groups_for(n, kLocal));
}

// Unary, binary, where, clamp, cast and copy: one strided dispatch over the output.
SilicaStatus strided(Device& dev, const char* shader, int32_t op, const SilicaTensorDesc& y,
                     std::initializer_list<const SilicaTensorDesc*> inputs, const SilicaAttrs* a) {
  const SilicaTensorDesc* ops[4] = {&y};
  bool write[4] = {true, false, false, false};
  int count = 1;
  for (const SilicaTensorDesc* d : inputs) ops[count++] = d;
  Launch l(dev, shader);
  l.spec(op);
  for (int k = 0; k < count; ++k) l.spec(ops[k]->dtype);
  const int64_t n = l.bind_strided(ops, write, count);
  return l.run(groups_for(n, kLocal));
}

// COPY: whole 16-byte chunks where x and y are both contiguous, on 16-byte boundaries and
// in different buffers (copy_chunks.comp; in one buffer they may overlap, and the strided
// kernel keeps its element order there), the tiled transpose where x's last two dims are
// swapped, else the strided kernel.
SilicaStatus copy(Device& dev, const SilicaTensorDesc& x, const SilicaTensorDesc& y, const SilicaAttrs* a) {
  const int64_t bytes = numel(y) * dtype_bytes(y.dtype);
  if (x.dtype == y.dtype && x.buffer != y.buffer && contiguous(x) && contiguous(y) && bytes % 16 == 0) {
    Launch l(dev, "copy_chunks");
    const int64_t es = dtype_bytes(y.dtype), y_base = l.bind(y, true) * es, x_base = l.bind(x, false) * es;
    if (y_base % 16 == 0 && x_base % 16 == 0) {
      l.set(0, bytes / 16).set(1, y_base / 16).set(2, x_base / 16);
      return l.run(groups_for(bytes / 16, kLocal));
    }
  }
  SilicaStatus st = SILICA_OK;
  if (copy_transposed(dev, x, y, &st)) return st;
  return strided(dev, "copy", 0, y, {&x}, a);
}

// GELU's flag and softplus' beta/threshold, starting at attribute slot `first_int`.
void unary_attrs(Launch& l, int32_t op, const SilicaAttrs* a, int first_int) {
  l.set(kExtra, op == SILICA_OP_GELU && a->num_ints > first_int && a->ints[first_int] != 0);
  bool softplus = op == SILICA_OP_SOFTPLUS && a->num_floats >= 2;
  l.setf(kExtra + 1, softplus ? a->floats[0] : 1.0);
  l.setf(kExtra + 2, softplus ? a->floats[1] : 20.0);
}

SilicaStatus unary(Device& dev, int32_t op, const SilicaTensorDesc& x, const SilicaTensorDesc& y,
                   const SilicaAttrs* a) {
  Launch l(dev, variant("unary", {&x}).c_str());
  l.spec(op).spec(y.dtype).spec(x.dtype);
  const SilicaTensorDesc* ops[2] = {&y, &x};
  const bool write[2] = {true, false};
  const int64_t n = l.bind_strided(ops, write, 2);
  unary_attrs(l, op, a, 0);
  return l.run(groups_for(n, kLocal));
}

SilicaStatus unary_grad(Device& dev, const SilicaTensorDesc* in, const SilicaTensorDesc& dx,
                        const SilicaAttrs* a) {
  const int32_t op = static_cast<int32_t>(a->ints[0]);
  if (!is_unary(op)) return fail(SILICA_ERROR_INVALID, "unary_grad: unknown unary op " + std::to_string(op));
  Launch l(dev, "unary_grad");
  l.spec(op).spec(dx.dtype).spec(in[0].dtype).spec(in[1].dtype);
  const SilicaTensorDesc* ops[3] = {&dx, &in[0], &in[1]};
  const bool write[3] = {true, false, false};
  const int64_t n = l.bind_strided(ops, write, 3);
  unary_attrs(l, op, a, 1);
  return l.run(groups_for(n, kLocal));
}

SilicaStatus clamp(Device& dev, const SilicaTensorDesc& x, const SilicaTensorDesc& y, const SilicaAttrs* a) {
  Launch l(dev, variant("clamp", {&x}).c_str());
  l.spec(0).spec(y.dtype).spec(x.dtype);
  const SilicaTensorDesc* ops[2] = {&y, &x};
  const bool write[2] = {true, false};
  const int64_t n = l.bind_strided(ops, write, 2);
  const double lo = a->floats[0], hi = a->floats[1];
  const int64_t ilo = truncate_to_int(lo), ihi = truncate_to_int(hi);
  l.set(kExtra, a->ints[0] != 0).set(kExtra + 1, a->ints[1] != 0).setf(kExtra + 2, lo).setf(kExtra + 3, hi);
  l.set(kExtra + 4, ilo).set(kExtra + 5, ilo >> 32).set(kExtra + 6, ihi).set(kExtra + 7, ihi >> 32);
  return l.run(groups_for(n, kLocal));
}

}  // namespace

bool elementwise_supports(const DeviceFeatures&, int32_t op, int32_t dtype) {
  uint32_t mask = 0;
  if (is_unary(op))
    mask = integer_unary(op) ? kNumeric : kFloats;
  else if (is_comparison(op))
    mask = kAll;
  else if (is_binary(op))
    mask = kNumeric;
  else if (op == SILICA_OP_UNARY_GRAD)
    mask = kFloats;
  else if (op == SILICA_OP_CLAMP)
    mask = kNumeric;
  else if (op == SILICA_OP_WHERE || op == SILICA_OP_CAST || op == SILICA_OP_COPY || op == SILICA_OP_FILL)
    mask = kAll;
  return (mask >> dtype) & 1u;
}

SilicaStatus run_elementwise(Device& dev, int32_t op, const SilicaTensorDesc* in, int32_t num_in,
                             const SilicaTensorDesc* out, int32_t num_out, const SilicaAttrs* a) {
  const SilicaTensorDesc& y = out[0];
  if (op == SILICA_OP_FILL) return fill(dev, y, a);
  if (is_unary(op)) return unary(dev, op, in[0], y, a);
  if (is_binary(op)) return strided(dev, variant("binary", {&in[0]}).c_str(), op, y, {&in[0], &in[1]}, a);
  switch (op) {
    case SILICA_OP_UNARY_GRAD: return unary_grad(dev, in, y, a);
    case SILICA_OP_WHERE: return strided(dev, "where", 0, y, {&in[0], &in[1], &in[2]}, a);
    case SILICA_OP_CLAMP: return clamp(dev, in[0], y, a);
    case SILICA_OP_CAST: return strided(dev, variant("cast", {&in[0], &y}).c_str(), 0, y, {&in[0]}, a);
    case SILICA_OP_COPY: return copy(dev, in[0], y, a);
    default: return fail(SILICA_ERROR_UNSUPPORTED, "no elementwise kernel for op " + std::to_string(op));
  }
}

}  // namespace silica::vk
