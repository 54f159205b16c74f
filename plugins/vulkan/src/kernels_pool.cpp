// 2-D pooling over (N,C,H,W) planes: max (with argmax indices), average and adaptive
// average, and their gradients. Inputs are contiguous. Forward kernels and the average
// gradients give each element an invocation; the max-pool gradient gives each plane one
// (see shaders/max_pool2d_grad.comp for why).
#include "instance.h"
#include "kernel_util.h"
#include "kernels.h"

namespace silica::vk {

namespace {

constexpr uint32_t kLocal = 256;

struct Planes {
  int64_t count, H, W, OH, OW;
};

// x-shaped and y-shaped (N,C,.,.) descriptors.
bool make_planes(const SilicaTensorDesc& x, const SilicaTensorDesc& y, Planes& p) {
  if (x.ndim != 4 || y.ndim != 4 || x.shape[0] != y.shape[0] || x.shape[1] != y.shape[1]) return false;
  p = {x.shape[0] * x.shape[1], x.shape[2], x.shape[3], y.shape[2], y.shape[3]};
  return true;
}

SilicaStatus bad_shapes(int32_t op) {
  return fail(SILICA_ERROR_INVALID, std::string(op_name(op)) +
                                        ": expects (N,C,H,W) input and output of one N and C, and its attributes");
}

void set_planes(Launch& l, const Planes& p, int64_t work) {
  l.set(0, work).set(1, p.H).set(2, p.W).set(3, p.OH).set(4, p.OW);
}

// Kernel h,w, stride h,w, padding h,w and the 7th/8th ints (count_include_pad, or dilation).
bool set_window(Launch& l, const SilicaAttrs* a, int needed) {
  if (a->num_ints < needed) return false;
  for (int i = 0; i < needed; ++i) l.set(5 + i, a->ints[i]);
  for (int i = 0; i < 4; ++i)
    if (a->ints[i] < 1) return false;  // kernel and stride
  return true;
}

}  // namespace

bool pool_supports(const DeviceFeatures&, int32_t op, int32_t dtype) {
  return op >= SILICA_OP_MAX_POOL2D && op <= SILICA_OP_ADAPTIVE_AVG_POOL2D_GRAD && ((kFloats >> dtype) & 1u);
}

SilicaStatus run_pool(Device& dev, int32_t op, const SilicaTensorDesc* in, int32_t num_in, const SilicaTensorDesc* out,
                      int32_t num_out, const SilicaAttrs* a) {
  Planes p;
  const bool forward = op == SILICA_OP_MAX_POOL2D || op == SILICA_OP_AVG_POOL2D || op == SILICA_OP_ADAPTIVE_AVG_POOL2D;
  if (!make_planes(forward ? in[0] : out[0], forward ? out[0] : in[0], p)) return bad_shapes(op);
  const int64_t outputs = p.count * p.OH * p.OW, inputs = p.count * p.H * p.W;
  switch (op) {
    case SILICA_OP_MAX_POOL2D: {
      if (num_out < 2) return bad_shapes(op);
      Launch l(dev, "max_pool2d");
      l.spec(0).spec(out[0].dtype).spec(out[1].dtype).spec(in[0].dtype);
      set_planes(l, p, outputs);
      if (!set_window(l, a, 8)) return bad_shapes(op);
      l.set(13, l.bind(out[0], true)).set(15, l.bind(out[1], true)).set(14, l.bind(in[0], false));
      return l.run(groups_for(outputs, kLocal));
    }
    case SILICA_OP_MAX_POOL2D_GRAD: {  // in dy, indices; out dx
      if (num_in < 2) return bad_shapes(op);
      // With the forward's attributes each dx element gathers its gradient (coalesced,
      // every invocation busy); without them each plane is one invocation's.
      const bool gather = a->num_ints >= 8;
      Launch l(dev, "max_pool2d_grad");
      l.spec(gather).spec(out[0].dtype).spec(in[0].dtype).spec(in[1].dtype);
      l.set(0, p.count).set(1, p.H * p.W).set(2, p.OH * p.OW);
      l.set(3, l.bind(out[0], true)).set(4, l.bind(in[0], false)).set(5, l.bind(in[1], false));
      if (!gather) return l.run(groups_for(p.count, 64));
      l.set(6, p.H).set(7, p.W).set(8, p.OH).set(9, p.OW);
      for (int i = 0; i < 8; ++i) l.set(10 + i, a->ints[i]);
      if (a->ints[2] < 1 || a->ints[3] < 1) return bad_shapes(op);
      return l.run(groups_for(inputs, 64));
    }
    default: {  // average pools: in x or dy; out y or dx
      const bool adaptive = op == SILICA_OP_ADAPTIVE_AVG_POOL2D || op == SILICA_OP_ADAPTIVE_AVG_POOL2D_GRAD;
      Launch l(dev, forward ? "avg_pool2d" : "avg_pool2d_grad");
      l.spec(adaptive).spec(out[0].dtype).spec(in[0].dtype);
      const int64_t work = forward ? outputs : inputs;
      set_planes(l, p, work);
      if (!adaptive && !set_window(l, a, 7)) return bad_shapes(op);
      l.set(13, l.bind(out[0], true)).set(14, l.bind(in[0], false));
      return l.run(groups_for(work, kLocal));
    }
  }
}

}  // namespace silica::vk
