// The Vulkan instance and what the plugin learns about each physical device before any
// logical device exists (devices are created lazily, on first use: see device.h).
#pragma once

#include <vulkan/vulkan.h>

#include <mutex>
#include <string>
#include <vector>

#include "silica/plugin.h"

namespace silica::vk {

/// Optional device features the kernels may use, read at enumeration time.
struct DeviceFeatures {
  bool shader_int64 = false;        // i64 arithmetic in the *_i64 shader variants
  bool push_descriptor = false;     // VK_KHR_push_descriptor: no descriptor sets to allocate
  bool portability_subset = false;  // VK_KHR_portability_subset (MoltenVK): must be enabled
  bool float_atomic_add = false;    // VK_EXT_shader_atomic_float: shaderBufferFloat32AtomicAdd
  /// VK_KHR_cooperative_matrix with 16x16x16 f16 x f16 -> f32 on subgroups of 32, shaderFloat16,
  /// and the module built into this plugin (matmul_coopmat_khr, needs glslang 13+): f16
  /// matmul on tensor cores (AMD, Intel, NVIDIA).
  bool coopmat_khr = false;
  /// With it, VK_KHR_shader_bfloat16 and 16x16x16 bf16 x bf16 -> f32: bf16 matmul on tensor
  /// cores without the scaled f16 copies (matmul_coopmat_khr_bf16).
  bool coopmat_khr_bf16 = false;
  /// The same through VK_NV_cooperative_matrix (matmul_coopmat_nv), where the KHR one is not.
  bool coopmat_nv = false;
  /// With coopmat_khr, VK_NV_cooperative_matrix2 with workgroup-scope f16 x f16 -> f32
  /// matrices of flexible dimensions and tensor addressing (matmul_coopmat2): the workgroup
  /// size such matrices take (0: none) and the multiples their dimensions must be of.
  uint32_t coopmat2_invocations = 0;
  uint32_t coopmat2_granularity[3] = {0, 0, 0};  // M, N, K
  /// With it and coopmat_khr_bf16, the same shape for bf16 x bf16 -> f32 (matmul_coopmat2_bf16).
  bool coopmat2_bf16 = false;
  /// VK_KHR_pipeline_executable_properties, used when SILICA_VULKAN_PIPELINE_STATS is set:
  /// the driver's statistics (registers, spills...) of each pipeline printed as it is made.
  bool pipeline_stats = false;
};

/// One physical device as Silica sees it.
struct PhysicalDevice {
  VkPhysicalDevice handle = VK_NULL_HANDLE;
  VkPhysicalDeviceProperties properties{};
  VkPhysicalDeviceMemoryProperties memory{};
  DeviceFeatures features;
  uint32_t compute_family = 0;  // a queue family with VK_QUEUE_COMPUTE_BIT
  uint32_t timestamp_bits = 0;  // that family's timestampValidBits (0: no timestamps)
  SilicaDeviceInfo info{};      // what device_info() reports
};

/// The instance, its physical devices (best kind first) and the validation-message sink.
class Instance {
 public:
  /// Creates the instance; on failure returns null and sets *why.
  static Instance* create(std::string* why);
  ~Instance();

  VkInstance handle() const { return instance_; }
  std::vector<PhysicalDevice>& devices() { return devices_; }
  bool validation() const { return validation_; }

  /// The first validation message since the last call ("" when none), cleared.
  std::string take_validation_message();
  /// Called by the debug messenger.
  void note_validation_message(const char* text);

 private:
  Instance() = default;
  bool init(std::string* why);
  void enumerate();

  VkInstance instance_ = VK_NULL_HANDLE;
  VkDebugUtilsMessengerEXT messenger_ = VK_NULL_HANDLE;
  bool validation_ = false;
  std::vector<PhysicalDevice> devices_;
  std::mutex message_mu_;
  std::string message_;
};

}  // namespace silica::vk
