// Compute pipelines by (shader module, specialization constants), created on first use and
// kept; a VkPipelineCache lets the driver reuse compiled code between them. All pipelines
// share one layout: binding 0 the parameter uniform buffer, 1..6 tensors, 7 the status
// word (see device.h), as a push-descriptor set when the device offers
// VK_KHR_push_descriptor.
#pragma once

#include <vulkan/vulkan.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "silica/plugin.h"

namespace silica::vk {

class Pipelines {
 public:
  SilicaStatus init(VkDevice device, bool push_descriptors);
  void destroy();

  /// The pipeline of `shader` with specialization constants 0..spec.size()-1 set to spec.
  SilicaStatus get(const char* shader, const std::vector<int32_t>& spec, VkPipeline* out);

  VkPipelineLayout layout() const { return layout_; }
  VkDescriptorSetLayout set_layout() const { return set_layout_; }

 private:
  SilicaStatus module(const char* shader, VkShaderModule* out);

  VkDevice device_ = VK_NULL_HANDLE;
  VkDescriptorSetLayout set_layout_ = VK_NULL_HANDLE;
  VkPipelineLayout layout_ = VK_NULL_HANDLE;
  VkPipelineCache cache_ = VK_NULL_HANDLE;
  std::unordered_map<std::string, VkShaderModule> modules_;
  std::unordered_map<std::string, VkPipeline> pipelines_;
};

}  // namespace silica::vk
