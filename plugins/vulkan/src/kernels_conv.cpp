#include "kernel_util.h"
#include "kernels.h"

namespace silica::vk {

bool conv_supports(const DeviceFeatures&, int32_t, int32_t) { return false; }

SilicaStatus run_conv(Device&, int32_t op, const SilicaTensorDesc*, int32_t, const SilicaTensorDesc*, int32_t,
                      const SilicaAttrs*) {
  return fail(SILICA_ERROR_UNSUPPORTED, "op " + std::to_string(op) + " is not implemented yet");
}

}  // namespace silica::vk
