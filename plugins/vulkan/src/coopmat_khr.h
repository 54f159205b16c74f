// VK_KHR_cooperative_matrix and VK_KHR_shader_bfloat16 as the plugin uses them, declared
// here because Debian 12's Vulkan headers (1.3.239) predate both; layouts and values are
// the Vulkan registry's.
#pragma once

#include <vulkan/vulkan.h>

namespace silica::vk::khr {

constexpr const char* kExtension = "VK_KHR_cooperative_matrix";
constexpr auto kFeaturesType = static_cast<VkStructureType>(1000506000);
constexpr auto kPropertiesType = static_cast<VkStructureType>(1000506001);
constexpr uint32_t kFloat16 = 0, kFloat32 = 1, kBFloat16 = 1000141000;  // VkComponentTypeKHR
constexpr uint32_t kScopeSubgroup = 3;                                  // VkScopeKHR

struct CooperativeMatrixFeatures {  // VkPhysicalDeviceCooperativeMatrixFeaturesKHR
  VkStructureType sType = kFeaturesType;
  void* pNext = nullptr;
  VkBool32 cooperativeMatrix = VK_FALSE;
  VkBool32 cooperativeMatrixRobustBufferAccess = VK_FALSE;
};

struct CooperativeMatrixProperties {  // VkCooperativeMatrixPropertiesKHR
  VkStructureType sType = kPropertiesType;
  void* pNext = nullptr;
  uint32_t MSize = 0, NSize = 0, KSize = 0;
  uint32_t AType = 0, BType = 0, CType = 0, ResultType = 0;
  VkBool32 saturatingAccumulation = VK_FALSE;
  uint32_t scope = 0;
};

constexpr const char* kBFloat16Extension = "VK_KHR_shader_bfloat16";

struct BFloat16Features {  // VkPhysicalDeviceShaderBfloat16FeaturesKHR
  VkStructureType sType = static_cast<VkStructureType>(1000141000);
  void* pNext = nullptr;
  VkBool32 shaderBFloat16Type = VK_FALSE;
  VkBool32 shaderBFloat16DotProduct = VK_FALSE;
  VkBool32 shaderBFloat16CooperativeMatrix = VK_FALSE;
};

using GetProperties = VkResult(VKAPI_PTR*)(VkPhysicalDevice, uint32_t*, CooperativeMatrixProperties*);

// VK_NV_cooperative_matrix2 (workgroup-scope matrices, tensor addressing), which builds on
// VK_KHR_cooperative_matrix.
constexpr const char* kNv2Extension = "VK_NV_cooperative_matrix2";
constexpr uint32_t kScopeWorkgroup = 2;  // VkScopeKHR

struct CooperativeMatrix2Features {  // VkPhysicalDeviceCooperativeMatrix2FeaturesNV
  VkStructureType sType = static_cast<VkStructureType>(1000593000);
  void* pNext = nullptr;
  VkBool32 cooperativeMatrixWorkgroupScope = VK_FALSE;
  VkBool32 cooperativeMatrixFlexibleDimensions = VK_FALSE;
  VkBool32 cooperativeMatrixReductions = VK_FALSE;
  VkBool32 cooperativeMatrixConversions = VK_FALSE;
  VkBool32 cooperativeMatrixPerElementOperations = VK_FALSE;
  VkBool32 cooperativeMatrixTensorAddressing = VK_FALSE;
  VkBool32 cooperativeMatrixBlockLoads = VK_FALSE;
};

struct CooperativeMatrix2Properties {  // VkPhysicalDeviceCooperativeMatrix2PropertiesNV
  VkStructureType sType = static_cast<VkStructureType>(1000593002);
  void* pNext = nullptr;
  uint32_t cooperativeMatrixWorkgroupScopeMaxWorkgroupSize = 0;
  uint32_t cooperativeMatrixFlexibleDimensionsMaxDimension = 0;
  uint32_t cooperativeMatrixWorkgroupScopeReservedSharedMemory = 0;
};

struct FlexibleDimensionsProperties {  // VkCooperativeMatrixFlexibleDimensionsPropertiesNV
  VkStructureType sType = static_cast<VkStructureType>(1000593001);
  void* pNext = nullptr;
  uint32_t MGranularity = 0, NGranularity = 0, KGranularity = 0;
  uint32_t AType = 0, BType = 0, CType = 0, ResultType = 0;
  VkBool32 saturatingAccumulation = VK_FALSE;
  uint32_t scope = 0;
  uint32_t workgroupInvocations = 0;
};

using GetFlexibleProperties = VkResult(VKAPI_PTR*)(VkPhysicalDevice, uint32_t*,
                                                   FlexibleDimensionsProperties*);

}  // namespace silica::vk::khr
