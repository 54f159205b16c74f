// Random numbers from Philox4x32-10 (shaders/random.comp): element i of the output is drawn
// from counter (ints[1] + i) under key ints[0], with the word-to-value mapping of plugin.h,
// so integers and Bernoulli draws are bit-identical to the CPU's and floats agree to
// rounding.
#include "instance.h"
#include "kernel_util.h"
#include "kernels.h"

namespace silica::vk {

bool random_supports(const DeviceFeatures&, int32_t op, int32_t dtype) {
  const uint32_t mask = op == SILICA_OP_RAND_INT ? (bit(SILICA_I32) | bit(SILICA_I64)) : kFloats;
  return op >= SILICA_OP_RAND_UNIFORM && op <= SILICA_OP_BERNOULLI && ((mask >> dtype) & 1u);
}

SilicaStatus run_random(Device& dev, int32_t op, const SilicaTensorDesc* in, int32_t num_in,
                        const SilicaTensorDesc* out, int32_t, const SilicaAttrs* a) {
  const SilicaTensorDesc& y = out[0];
  const SilicaTensorDesc& p = op == SILICA_OP_BERNOULLI && num_in > 0 ? in[0] : y;
  const uint64_t seed = static_cast<uint64_t>(a->ints[0]), offset = static_cast<uint64_t>(a->ints[1]);
  if (op == SILICA_OP_RAND_INT && a->ints[3] <= a->ints[2])
    return fail(SILICA_ERROR_INVALID, "randint needs low < high, got [" + std::to_string(a->ints[2]) + ", " +
                                          std::to_string(a->ints[3]) + ")");
  Launch l(dev, "random");
  l.spec(op).spec(y.dtype).spec(p.dtype);
  const SilicaTensorDesc* ops[2] = {&y, &p};
  const bool write[2] = {true, false};
  const int64_t n = l.bind_strided(ops, write, 2);
  l.set(kExtra, seed).set(kExtra + 1, seed >> 32).set(kExtra + 2, offset).set(kExtra + 3, offset >> 32);
  if (op == SILICA_OP_RAND_INT) {
    const uint64_t low = static_cast<uint64_t>(a->ints[2]);
    const uint64_t range = static_cast<uint64_t>(a->ints[3]) - low;
    l.set(kExtra + 7, low).set(kExtra + 8, low >> 32).set(kExtra + 9, range).set(kExtra + 10, range >> 32);
  } else if (op != SILICA_OP_BERNOULLI) {
    const double lo = a->floats[0], hi = a->floats[1];
    l.setf(kExtra + 4, lo).setf(kExtra + 5, hi).setf(kExtra + 6, hi - lo);
  }
  return l.run(groups_for(n, 256));
}

}  // namespace silica::vk
