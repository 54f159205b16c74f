// The op table of the Vulkan plugin: which op runs for which dtype, and the entry point
// that records an op. Each kernels_*.cpp file implements one family of ops.
#pragma once

#include <cstdint>

#include "silica/plugin.h"

namespace silica::vk {

class Device;
struct DeviceFeatures;

/// Dtypes a device's tensors may have.
uint32_t device_dtype_mask(const DeviceFeatures& features);
/// Non-zero when `op` with first-input dtype `dtype` has a kernel on a device with `features`.
bool op_supported(const DeviceFeatures& features, int32_t op, int32_t dtype);
/// Records `op`; descriptors are trusted as the core's frontends make them.
SilicaStatus run_op(Device& device, int32_t op, const SilicaTensorDesc* in, int32_t num_in,
                    const SilicaTensorDesc* out, int32_t num_out, const SilicaAttrs* attrs);
/// "index_select" for SILICA_OP_INDEX_SELECT, ... ("op <n>" for unknown codes).
const char* op_name(int32_t op);

/// A family's kernels: run(device, op, ...) and supports(features, op, dtype).
using RunFn = SilicaStatus (*)(Device&, int32_t, const SilicaTensorDesc*, int32_t, const SilicaTensorDesc*, int32_t,
                               const SilicaAttrs*);

// Families (one file each).
SilicaStatus run_elementwise(Device&, int32_t, const SilicaTensorDesc*, int32_t, const SilicaTensorDesc*, int32_t,
                             const SilicaAttrs*);
bool elementwise_supports(const DeviceFeatures&, int32_t op, int32_t dtype);
SilicaStatus run_reduce(Device&, int32_t, const SilicaTensorDesc*, int32_t, const SilicaTensorDesc*, int32_t,
                        const SilicaAttrs*);
bool reduce_supports(const DeviceFeatures&, int32_t op, int32_t dtype);
SilicaStatus run_matmul(Device&, int32_t, const SilicaTensorDesc*, int32_t, const SilicaTensorDesc*, int32_t,
                        const SilicaAttrs*);
bool matmul_supports(const DeviceFeatures&, int32_t op, int32_t dtype);
SilicaStatus run_softmax(Device&, int32_t, const SilicaTensorDesc*, int32_t, const SilicaTensorDesc*, int32_t,
                         const SilicaAttrs*);
bool softmax_supports(const DeviceFeatures&, int32_t op, int32_t dtype);
SilicaStatus run_conv(Device&, int32_t, const SilicaTensorDesc*, int32_t, const SilicaTensorDesc*, int32_t,
                      const SilicaAttrs*);
bool conv_supports(const DeviceFeatures&, int32_t op, int32_t dtype);
SilicaStatus run_pool(Device&, int32_t, const SilicaTensorDesc*, int32_t, const SilicaTensorDesc*, int32_t,
                      const SilicaAttrs*);
bool pool_supports(const DeviceFeatures&, int32_t op, int32_t dtype);
SilicaStatus run_index(Device&, int32_t, const SilicaTensorDesc*, int32_t, const SilicaTensorDesc*, int32_t,
                       const SilicaAttrs*);
bool index_supports(const DeviceFeatures&, int32_t op, int32_t dtype);
SilicaStatus run_random(Device&, int32_t, const SilicaTensorDesc*, int32_t, const SilicaTensorDesc*, int32_t,
                        const SilicaAttrs*);
bool random_supports(const DeviceFeatures&, int32_t op, int32_t dtype);
SilicaStatus run_optim(Device&, int32_t, const SilicaTensorDesc*, int32_t, const SilicaTensorDesc*, int32_t,
                       const SilicaAttrs*);
bool optim_supports(const DeviceFeatures&, int32_t op, int32_t dtype);

}  // namespace silica::vk
