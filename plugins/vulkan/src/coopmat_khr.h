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

}  // namespace silica::vk::khr
