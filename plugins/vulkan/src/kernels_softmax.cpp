// softmax / log_softmax along one axis, their gradient, and the fused cross-entropy loss
// with its gradient. Tensors are contiguous; an axis splits a tensor into (outer, n, inner)
// and each of the outer * inner rows is reduced by one invocation (short rows) or one
// workgroup (long rows): see shaders/common/row_reduce.glsl.
#include <algorithm>

#include "instance.h"
#include "kernel_util.h"
#include "kernels.h"

namespace silica::vk {

namespace {

constexpr uint32_t kLocal = 256;
constexpr int64_t kWorkgroupThreshold = 64;  // row length from which a row gets a workgroup

struct AxisLayout {
  int64_t outer = 1, n = 1, inner = 1;
  AxisLayout(const SilicaTensorDesc& d, int64_t axis) {
    if (d.ndim == 0) return;
    if (axis < 0) axis += d.ndim;
    for (int i = 0; i < d.ndim; ++i) {
      if (i < axis) outer *= d.shape[i];
      else if (i == axis) n = d.shape[i];
      else inner *= d.shape[i];
    }
  }
};

uint32_t row_groups(int64_t rows, int mode) { return mode ? groups_for(rows, 1) : groups_for(rows, kLocal); }

SilicaStatus softmax(Device& dev, int32_t op, const SilicaTensorDesc& x, const SilicaTensorDesc& y,
                     const SilicaAttrs* a) {
  AxisLayout L(x, a->ints[0]);
  const int mode = L.n >= kWorkgroupThreshold;
  Launch l(dev, "softmax");
  l.spec(op).spec(y.dtype).spec(x.dtype).spec(mode);
  l.set(0, L.outer * L.inner).set(1, L.n).set(2, L.inner);
  l.set(4, l.bind(y, true)).set(3, l.bind(x, false));
  return l.run(row_groups(L.outer * L.inner, mode));
}

SilicaStatus softmax_grad(Device& dev, const SilicaTensorDesc* in, const SilicaTensorDesc& dx, const SilicaAttrs* a) {
  const SilicaTensorDesc &y = in[0], &dy = in[1];
  AxisLayout L(y, a->ints[0]);
  const int mode = L.n >= kWorkgroupThreshold;
  const bool is_log = a->num_ints > 1 && a->ints[1] != 0;
  Launch l(dev, "softmax_grad");
  l.spec(is_log).spec(dx.dtype).spec(y.dtype).spec(mode).spec(dy.dtype);
  l.set(0, L.outer * L.inner).set(1, L.n).set(2, L.inner);
  l.set(4, l.bind(dx, true)).set(3, l.bind(y, false)).set(5, l.bind(dy, false));
  return l.run(row_groups(L.outer * L.inner, mode));
}

// in logits (N, C), target (N) [, dloss (N)]; out loss (N) or dlogits (N, C).
SilicaStatus cross_entropy(Device& dev, bool grad, const SilicaTensorDesc* in, const SilicaTensorDesc& y,
                           const SilicaAttrs* a) {
  const SilicaTensorDesc &x = in[0], &target = in[1];
  const int64_t N = x.shape[0], C = x.ndim > 1 ? x.shape[1] : 1;
  const int mode = C >= kWorkgroupThreshold;
  const int64_t ignore = a->num_ints > 0 ? a->ints[0] : -100;
  Launch l(dev, "cross_entropy");
  l.spec(grad).spec(y.dtype).spec(x.dtype).spec(mode).spec(target.dtype).spec(grad ? in[2].dtype : x.dtype);
  l.set(0, N).set(1, C).set(2, ignore).set(3, ignore >> 32).setf(4, a->num_floats > 0 ? a->floats[0] : 0.0);
  l.set(7, l.bind(y, true)).set(5, l.bind(x, false)).set(6, l.bind(target, false));
  // The forward pass binds the logits where dloss goes: the shader names binding 4 either way.
  l.set(8, l.bind(grad ? in[2] : x, false));
  l.status();
  return l.run(row_groups(N, mode));
}

}  // namespace

bool softmax_supports(const DeviceFeatures&, int32_t op, int32_t dtype) {
  return op >= SILICA_OP_SOFTMAX && op <= SILICA_OP_CROSS_ENTROPY_GRAD && ((kFloats >> dtype) & 1u);
}

SilicaStatus run_softmax(Device& dev, int32_t op, const SilicaTensorDesc* in, int32_t, const SilicaTensorDesc* out,
                         int32_t, const SilicaAttrs* a) {
  switch (op) {
    case SILICA_OP_SOFTMAX:
    case SILICA_OP_LOG_SOFTMAX: return softmax(dev, op, in[0], out[0], a);
    case SILICA_OP_SOFTMAX_GRAD: return softmax_grad(dev, in, out[0], a);
    case SILICA_OP_CROSS_ENTROPY: return cross_entropy(dev, false, in, out[0], a);
    default: return cross_entropy(dev, true, in, out[0], a);
  }
}

}  // namespace silica::vk
