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
  /// `cache_file`: where compiled pipelines persist between runs ("" for none); `stats`:
  /// print the driver's statistics of each new pipeline (VK_KHR_pipeline_executable_properties).
  SilicaStatus init(VkDevice device, bool push_descriptors, std::string cache_file, bool stats = false);
  void destroy();
  /// Writes the driver's pipeline cache to the cache file when pipelines were created since
  /// the last save (cheap otherwise); failures only mean the next run compiles again.
  void save();

  /// The pipeline of `shader` with specialization constants 0..spec.size()-1 set to spec.
  SilicaStatus get(const char* shader, const std::vector<int32_t>& spec, VkPipeline* out);

  VkPipelineLayout layout() const { return layout_; }
  /// Pipelines created so far and the host time their creation took (driver compiles).
  size_t created() const { return pipelines_.size(); }
  double create_seconds() const { return create_s_; }
  VkDescriptorSetLayout set_layout() const { return set_layout_; }

 private:
  SilicaStatus module(const char* shader, VkShaderModule* out);
  void print_stats(VkPipeline pipeline, const std::string& key) const;

  VkDevice device_ = VK_NULL_HANDLE;
  bool stats_ = false;
  VkDescriptorSetLayout set_layout_ = VK_NULL_HANDLE;
  VkPipelineLayout layout_ = VK_NULL_HANDLE;
  VkPipelineCache cache_ = VK_NULL_HANDLE;
  std::unordered_map<std::string, VkShaderModule> modules_;
  std::unordered_map<std::string, VkPipeline> pipelines_;
  double create_s_ = 0;
  std::string cache_file_;
  size_t saved_count_ = 0;
};

/// The pipeline-cache file of a physical device: $SILICA_VULKAN_CACHE_DIR, else
/// $XDG_CACHE_HOME/silica, else ~/.cache/silica; named by vendor, device, driver version and
/// the driver's pipelineCacheUUID, so a driver update starts a fresh cache. "" when
/// SILICA_VULKAN_CACHE_DIR is set to "" or no folder is known.
std::string pipeline_cache_path(const VkPhysicalDeviceProperties& properties);

}  // namespace silica::vk
