// Fused optimizer updates: SILICA_OP_ADAM_UPDATE as one dispatch per parameter
// (shaders/adam_update.comp) instead of the dozen elementwise dispatches, each a pass over
// whole tensors plus a temporary, that the core composes Adam from otherwise.
#include <cmath>
#include <string>

#include "kernel_util.h"
#include "kernels.h"

namespace silica::vk {

namespace {

constexpr uint32_t kLocal = 256;

bool same_layout(const SilicaTensorDesc& a, const SilicaTensorDesc& b) {
  if (a.dtype != b.dtype || a.ndim != b.ndim) return false;
  for (int i = 0; i < a.ndim; ++i)
    if (a.shape[i] != b.shape[i]) return false;
  return contiguous(a) && contiguous(b);
}

// in g; out p, m, v[, vmax]; floats lr, beta1, beta2, eps; ints step, amsgrad.
SilicaStatus adam_update(Device& dev, const SilicaTensorDesc* in, int32_t num_in, const SilicaTensorDesc* out,
                         int32_t num_out, const SilicaAttrs* a) {
  const bool amsgrad = a->num_ints >= 2 && a->ints[1] != 0;
  bool ok = num_in == 1 && num_out == (amsgrad ? 4 : 3) && a->num_floats >= 4 && a->num_ints >= 1 &&
            a->ints[0] >= 1;
  for (int i = 0; ok && i < num_out; ++i) ok = same_layout(in[0], out[i]);
  if (!ok) {
    std::string got = "g " + (num_in > 0 ? describe(in[0]) : std::string("missing"));
    for (int i = 0; i < num_out; ++i) got += ", out " + describe(out[i]);
    return fail(
        SILICA_ERROR_INVALID,
        "adam_update: expects g and p, m, v (and vmax with amsgrad) contiguous, of one shape and dtype, "
        "floats lr, beta1, beta2, eps and ints step >= 1, amsgrad; got " +
            got);
  }
  const int64_t n = numel(in[0]);
  if (n >= (int64_t{1} << 31))
    return fail(SILICA_ERROR_UNSUPPORTED, describe(in[0]) + " has more than 2^31 elements");

  // The constants exactly as the CPU kernel forms them: in double, each rounded once to float.
  const double lr = a->floats[0], b1 = a->floats[1], b2 = a->floats[2], eps = a->floats[3];
  const double t = static_cast<double>(a->ints[0]);
  const double correction1 = 1.0 - std::pow(b1, t), correction2 = 1.0 - std::pow(b2, t);

  Launch l(dev, amsgrad ? "adam_update_amsgrad" : "adam_update");
  for (int i = 0; i < num_out + 1; ++i) l.spec(in[0].dtype);  // every tensor has g's dtype
  l.set(0, n);
  l.set(1, l.bind(out[0], true)).set(2, l.bind(out[1], true)).set(3, l.bind(out[2], true));
  l.set(4, l.bind(in[0], false));
  if (amsgrad) l.set(5, l.bind(out[3], true));
  l.setf(8, b1).setf(9, 1.0 - b1).setf(10, b2).setf(11, 1.0 - b2);
  l.setf(12, std::sqrt(correction2)).setf(13, eps).setf(14, -lr / correction1);
  return l.run(groups_for(n, kLocal));
}

}  // namespace

bool optim_supports(const DeviceFeatures&, int32_t op, int32_t dtype) {
  return op == SILICA_OP_ADAM_UPDATE && ((kFloats >> dtype) & 1u);
}

SilicaStatus run_optim(Device& dev, int32_t op, const SilicaTensorDesc* in, int32_t num_in,
                       const SilicaTensorDesc* out, int32_t num_out, const SilicaAttrs* a) {
  if (op == SILICA_OP_ADAM_UPDATE) return adam_update(dev, in, num_in, out, num_out, a);
  return fail(SILICA_ERROR_UNSUPPORTED, "no optimizer kernel for op " + std::to_string(op));
}

}  // namespace silica::vk
