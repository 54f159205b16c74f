// Indexing: index_select, gather (one invocation per output element, moving bits) and the
// accumulating index_add, scatter_add (one invocation per column of the output, so that no
// two invocations write one element: race-free and deterministic without float atomics).
// Tensors are contiguous; index tensors are i64. A bad index is reported through the
// status word at the next synchronization (the kernel cannot fail the call that enqueued it).
#include "instance.h"
#include "kernel_util.h"
#include "kernels.h"

namespace silica::vk {

namespace {

constexpr uint32_t kLocal = 256;
constexpr uint32_t kColumnLocal = 64;

struct AxisSplit {
  int64_t outer = 1, n = 1, inner = 1;
  AxisSplit(const SilicaTensorDesc& d, int axis) {
    for (int i = 0; i < d.ndim; ++i) {
      if (i < axis) outer *= d.shape[i];
      else if (i == axis) n = d.shape[i];
      else inner *= d.shape[i];
    }
  }
};

std::string variant(const char* shader, const SilicaTensorDesc& y) {
  return y.dtype == SILICA_I64 ? std::string(shader) + "_i64" : std::string(shader);
}

// in x, index (K); out y; ints[0] axis.
SilicaStatus index_select(Device& dev, const SilicaTensorDesc* in, const SilicaTensorDesc& y, int axis) {
  AxisSplit s(in[0], axis);
  const int64_t K = numel(in[1]), total = numel(y);
  Launch l(dev, "index_select");
  l.spec(0).spec(y.dtype).spec(in[0].dtype).spec(in[1].dtype).status();
  l.set(0, total).set(1, s.n).set(2, s.inner).set(3, K).set(4, axis);
  l.set(5, l.bind(y, true)).set(6, l.bind(in[0], false)).set(7, l.bind(in[1], false));
  return l.run(groups_for(total, kLocal));
}

// in x, index (shape of y); out y; ints[0] axis.
SilicaStatus gather(Device& dev, const SilicaTensorDesc* in, const SilicaTensorDesc& y, int axis) {
  const SilicaTensorDesc &x = in[0], &ix = in[1];
  const int64_t total = numel(ix);
  Launch l(dev, "gather");
  l.spec(0).spec(y.dtype).spec(x.dtype).spec(ix.dtype).status();
  l.set(0, total).set(1, ix.ndim);
  for (int d = 0; d < ix.ndim; ++d) l.set(2 + d, ix.shape[d]).set(10 + d, d == axis ? 0 : x.strides[d]);
  l.set(18, x.strides[axis]).set(19, x.shape[axis]).set(20, axis);
  l.set(21, l.bind(y, true)).set(22, l.bind(x, false)).set(23, l.bind(ix, false));
  return l.run(groups_for(total, kLocal));
}

// in base (outer, n, inner), index (K), src (outer, K, inner); out y; ints[0] axis.
SilicaStatus index_add(Device& dev, const SilicaTensorDesc* in, const SilicaTensorDesc& y, int axis) {
  AxisSplit s(in[0], axis);
  const int64_t columns = s.outer * s.inner;
  Launch l(dev, variant("index_add", y));
  l.spec(0).spec(y.dtype).spec(in[0].dtype).spec(in[1].dtype).spec(in[2].dtype).status();
  l.set(0, columns).set(1, s.n).set(2, s.inner).set(3, numel(in[1])).set(4, axis);
  l.set(5, l.bind(y, true)).set(6, l.bind(in[0], false)).set(7, l.bind(in[1], false)).set(8, l.bind(in[2], false));
  return l.run(groups_for(columns, kColumnLocal));
}

// in base, index, src (index's shape); out y; ints[0] axis.
SilicaStatus scatter_add(Device& dev, const SilicaTensorDesc* in, const SilicaTensorDesc& y, int axis) {
  const SilicaTensorDesc& ix = in[1];
  const int64_t columns = y.shape[axis] > 0 ? numel(y) / y.shape[axis] : 0;
  Launch l(dev, variant("scatter_add", y));
  l.spec(0).spec(y.dtype).spec(in[0].dtype).spec(ix.dtype).spec(in[2].dtype).status();
  l.set(0, columns).set(1, y.ndim).set(2, axis);
  for (int d = 0; d < y.ndim; ++d) l.set(3 + d, y.shape[d]).set(11 + d, ix.shape[d]);
  l.set(19, l.bind(y, true)).set(20, l.bind(in[0], false)).set(21, l.bind(ix, false)).set(22, l.bind(in[2], false));
  return l.run(groups_for(columns, kColumnLocal));
}

}  // namespace

bool index_supports(const DeviceFeatures&, int32_t op, int32_t dtype) {
  uint32_t mask = (op == SILICA_OP_INDEX_SELECT || op == SILICA_OP_GATHER) ? kAll : kNumeric;
  return op >= SILICA_OP_INDEX_SELECT && op <= SILICA_OP_SCATTER_ADD && ((mask >> dtype) & 1u);
}

SilicaStatus run_index(Device& dev, int32_t op, const SilicaTensorDesc* in, int32_t num_in,
                       const SilicaTensorDesc* out, int32_t, const SilicaAttrs* a) {
  const int axis = static_cast<int>(a->ints[0]);
  const SilicaTensorDesc& x = in[0];
  if (axis < 0 || axis >= std::max(x.ndim, 1) || num_in < 2)
    return fail(SILICA_ERROR_INVALID, std::string(op_name(op)) + ": bad axis " + std::to_string(axis) + " for " +
                                          describe(x));
  switch (op) {
    case SILICA_OP_INDEX_SELECT: return index_select(dev, in, out[0], axis);
    case SILICA_OP_GATHER: return gather(dev, in, out[0], axis);
    case SILICA_OP_INDEX_ADD: return index_add(dev, in, out[0], axis);
    default: return scatter_add(dev, in, out[0], axis);
  }
}

}  // namespace silica::vk
