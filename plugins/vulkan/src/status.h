// Errors inside the Vulkan plugin: the thread's last error text and Vulkan result codes
// turned into Silica statuses. Nothing here throws; every function returns a status.
#pragma once

#include <vulkan/vulkan.h>

#include <string>

#include "silica/plugin.h"

namespace silica::vk {

/// Records the message last_error() returns on this thread; returns `status`.
SilicaStatus fail(SilicaStatus status, const std::string& message);

/// The calling thread's last error ("" when none).
const char* last_error_text();

/// A readable name for a VkResult ("VK_ERROR_OUT_OF_DEVICE_MEMORY").
const char* result_name(VkResult result);

/// SILICA_OK for VK_SUCCESS; otherwise records "<what> failed: <result>" and returns
/// OUT_OF_MEMORY for the memory errors, DEVICE for the rest.
SilicaStatus check(VkResult result, const char* what);

/// Returns early from the calling function when a status is not SILICA_OK.
#define SILICA_VK_TRY(expr)                        \
  do {                                             \
    SilicaStatus silica_vk_status_ = (expr);       \
    if (silica_vk_status_ != SILICA_OK) return silica_vk_status_; \
  } while (0)

/// Human-readable byte count: "1.50 GiB", "12.0 MiB", "512 B".
std::string format_bytes(uint64_t bytes);

}  // namespace silica::vk
