// Reductions over any set of axes (ints[0] the bitmask): sum, mean, max, min, argmax,
// argmin (reduce_float / reduce_int shaders) and var, std, logsumexp (reduce_stats).
// Outputs are contiguous with the input's ndim, so output o is the o-th combination of
// kept indices in row-major order. Small reductions give each output an invocation;
// long ones a whole workgroup (see shaders/common/reduce_layout.glsl).
#include <algorithm>
#include <string>

#include "instance.h"
#include "kernel_util.h"
#include "kernels.h"

namespace silica::vk {

namespace {

constexpr uint32_t kLocal = 256;
// Values per output from which one workgroup per output pays off.
constexpr int64_t kWorkgroupThreshold = 64;
// Sums and means of fewer outputs than this are split (see run_reduce), into parts of
// at least kSplitValues values.
constexpr int64_t kSplitBelowOutputs = 512;
constexpr int64_t kSplitValues = 2048;

struct Axes {
  int ndim = 0;
  int64_t shape[SILICA_MAX_DIMS], strides[SILICA_MAX_DIMS];
  int64_t count = 1;

  // Appends an axis, merging it into the previous one when the two walk as one.
  void add(int64_t size, int64_t stride) {
    count *= size;
    if (size == 1) return;
    if (ndim > 0 && strides[ndim - 1] == stride * size) {
      shape[ndim - 1] *= size;
      strides[ndim - 1] = stride;
      return;
    }
    shape[ndim] = size;
    strides[ndim++] = stride;
  }
};

SilicaStatus empty_error(const char* what, const SilicaTensorDesc& x, uint64_t mask) {
  for (int d = 0; d < x.ndim; ++d)
    if ((mask >> d & 1u) && x.shape[d] == 0)
      return fail(SILICA_ERROR_INVALID, std::string("cannot take the ") + what + " over axis " + std::to_string(d) +
                                            ", which has size 0");
  return fail(SILICA_ERROR_INVALID, std::string("cannot take the ") + what + " of no elements");
}

}  // namespace

bool reduce_supports(const DeviceFeatures&, int32_t op, int32_t dtype) {
  uint32_t mask = 0;
  switch (op) {
    case SILICA_OP_SUM: mask = kNumeric; break;
    case SILICA_OP_MAX:
    case SILICA_OP_MIN:
    case SILICA_OP_ARGMAX:
    case SILICA_OP_ARGMIN: mask = kAll; break;
    default: mask = kFloats; break;  // mean, var, std, logsumexp
  }
  return (mask >> dtype) & 1u;
}

SilicaStatus run_reduce(Device& dev, int32_t op, const SilicaTensorDesc* in, int32_t, const SilicaTensorDesc* out,
                        int32_t, const SilicaAttrs* a) {
  const SilicaTensorDesc &x = in[0], &y = out[0];
  const uint64_t mask = a->num_ints > 0 ? static_cast<uint64_t>(a->ints[0]) : 0;
  Axes kept, reduced;
  for (int d = 0; d < x.ndim; ++d) (mask >> d & 1u ? reduced : kept).add(x.shape[d], x.strides[d]);
  const bool extremum = op == SILICA_OP_MAX || op == SILICA_OP_MIN || op == SILICA_OP_ARGMAX || op == SILICA_OP_ARGMIN;
  if (extremum && reduced.count == 0 && kept.count > 0) return empty_error(op_name(op), x, mask);
  if (kept.count >= (int64_t{1} << 31) || reduced.count >= (int64_t{1} << 31))
    return fail(SILICA_ERROR_UNSUPPORTED, "reductions of more than 2^31 elements are not supported on Vulkan");

  const bool floating = x.dtype == SILICA_F32 || x.dtype == SILICA_F16 || x.dtype == SILICA_BF16;
  std::string shader = op >= SILICA_OP_VAR ? "reduce_stats" : floating ? "reduce_float" : "reduce_int";
  if (!floating && x.dtype == SILICA_I64) shader += "_i64";
  int mode = reduced.count >= kWorkgroupThreshold ? 1 : 0;
  // Sums of neighbouring outputs: 32 per workgroup, their values read side by side.
  if (mode == 0 && shader == "reduce_float" && (op == SILICA_OP_SUM || op == SILICA_OP_MEAN) && kept.ndim >= 1 &&
      kept.strides[kept.ndim - 1] == 1 && reduced.count > 1)
    mode = 2;

  // Few outputs of many values each (a bias gradient, a full sum) would leave most of a
  // GPU idle with a workgroup per output: sums and means are split over several
  // workgroups per output into f32 partial results, which a second dispatch adds up.
  int64_t splits = 1;
  if (mode == 1 && shader == "reduce_float" && (op == SILICA_OP_SUM || op == SILICA_OP_MEAN) &&
      kept.count > 0 && kept.count < kSplitBelowOutputs && reduced.count >= 2 * kSplitValues)
    splits = std::min((reduced.count + kSplitValues - 1) / kSplitValues, kSplitBelowOutputs / kept.count);
  const int64_t chunk = std::max<int64_t>((reduced.count + splits - 1) / splits, 1);
  splits = std::max<int64_t>((reduced.count + chunk - 1) / chunk, 1);
  Buffer* partial = nullptr;
  if (splits > 1) SILICA_VK_TRY(dev.allocate(static_cast<uint64_t>(splits * kept.count * 4), &partial));
  const SilicaTensorDesc partials = splits > 1 ? temp_desc(partial, splits, kept.count) : y;

  Launch l(dev, shader);
  l.spec(op).spec(partials.dtype).spec(x.dtype).spec(mode);
  l.set(0, kept.count).set(1, reduced.count);
  l.set(2, kept.ndim).set(19, reduced.ndim);
  for (int d = 0; d < kept.ndim; ++d) l.set(3 + d, kept.shape[d]).set(11 + d, kept.strides[d]);
  for (int d = 0; d < reduced.ndim; ++d) l.set(20 + d, reduced.shape[d]).set(28 + d, reduced.strides[d]);
  l.set(37, l.bind(partials, true));  // binding 1
  l.set(36, l.bind(x, false));         // binding 2
  l.setf(38, a->num_floats > 0 ? a->floats[0] : 1.0);
  l.set(39, chunk);
  SilicaStatus st = l.run(mode == 1 ? groups_for(kept.count, 1) : groups_for(kept.count, mode == 2 ? 32 : kLocal),
                          static_cast<uint32_t>(splits));
  if (st == SILICA_OK && splits > 1) st = sum_rows(dev, partials, y);  // a mean's partials are already divided
  // The command stream orders any later reuse of the range after these reads.
  if (partial) dev.allocator().release(partial);
  return st;
}

}  // namespace silica::vk
