// Internal: how ops reach a device.
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "silica/plugin.h"
#include "silica/tensor.h"

namespace silica::detail {

/// Builder for the ABI's attribute bag: Attrs().i(axis).f(eps).
struct Attrs {
  SilicaAttrs raw{};
  Attrs& i(int64_t v) { raw.ints[raw.num_ints++] = v; return *this; }
  Attrs& f(double v) { raw.floats[raw.num_floats++] = v; return *this; }
};

SilicaTensorDesc describe(const Tensor& t);

/// Whether `device` runs `op` for inputs of `dtype` itself (no CPU fallback): for ops the
/// core can also compose from others (fused updates), to pick the path.
bool device_supports(SilicaOp op, DType dtype, const Device& device);

/// Runs `op` on the device of its tensors (all must share one). `name` is the
/// user-facing function ("matmul") used in error messages. Honors
/// SILICA_CPU_FALLBACK=1 when the device lacks the op.
void run_op(const char* name, SilicaOp op, const std::vector<Tensor>& inputs,
            const std::vector<Tensor>& outputs, const Attrs& attrs = Attrs());

}  // namespace silica::detail
